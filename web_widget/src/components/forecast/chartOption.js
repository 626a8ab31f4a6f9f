// The ECharts option of a forecast result: actuals before the range and inside it, the forecast
// of each region, its 95 % band (and the 80 % band of the first region), zoom and pan.

const COLORS = ['#1f6feb', '#e8590c', '#2f9e44', '#9c36b5', '#c92a2a']

/** Every timestamp of the regions' history and forecast window, in order. */
function axisOf(regions) {
  const set = new Set()
  for (const r of regions) {
    for (const t of r.history.timestamps) set.add(t)
    for (const t of r.points.timestamps) set.add(t)
  }
  return [...set].sort()
}

function along(axis, timestamps, values) {
  const at = new Map(timestamps.map((t, i) => [t, values[i]]))
  return axis.map((t) => (at.has(t) ? at.get(t) : null))
}

function band(name, axis, r, lowerKey, upperKey, color, opacity) {
  const lower = along(axis, r.points.timestamps, r.points[lowerKey])
  const upper = along(axis, r.points.timestamps, r.points[upperKey])
  const stack = `${name}-${r.key}`
  return [
    { name, type: 'line', stack, data: lower, symbol: 'none', lineStyle: { opacity: 0 }, tooltip: { show: false }, silent: true, legendHoverLink: false, color },
    {
      name,
      type: 'line',
      stack,
      data: upper.map((u, i) => (u === null || lower[i] === null ? null : +(u - lower[i]).toFixed(4))),
      symbol: 'none',
      lineStyle: { opacity: 0 },
      areaStyle: { color, opacity },
      tooltip: { show: false },
      silent: true,
      color,
    },
  ]
}

export function forecastChartOption(result, { compact = false } = {}) {
  const regions = result?.regions || []
  const axis = axisOf(regions)
  const series = []
  const legend = []
  regions.forEach((r, i) => {
    const color = COLORS[i % COLORS.length]
    const many = regions.length > 1
    const actualName = many ? `${r.label} 实际` : '实际值'
    const forecastName = many ? `${r.label} 预测` : '预测值'
    const bandName = many ? `${r.label} 95%区间` : '95%区间'
    const history = along(axis, r.history.timestamps, r.history.values)
    const inside = along(axis, r.points.timestamps, r.points.actual)
    series.push({
      name: actualName,
      type: 'line',
      data: history.map((v, k) => (v ?? inside[k])),
      symbol: 'none',
      color,
      lineStyle: { width: 1.5 },
      connectNulls: false,
    })
    series.push({
      name: forecastName,
      type: 'line',
      data: along(axis, r.points.timestamps, r.points.yhat),
      symbol: 'none',
      color,
      lineStyle: { width: 2, type: 'dashed' },
    })
    series.push(...band(bandName, axis, r, 'lower95', 'upper95', color, 0.15))
    legend.push(actualName, forecastName, bandName)
    if (i === 0) {
      const inner = many ? `${r.label} 80%区间` : '80%区间'
      series.push(...band(inner, axis, r, 'lower80', 'upper80', color, 0.22))
      legend.push(inner)
    }
  })
  const unit = regions[0]?.unit || ''
  return {
    color: COLORS,
    tooltip: {
      trigger: 'axis',
      confine: true,
      valueFormatter: (v) => (v === null || v === undefined ? '—' : `${Number(v).toFixed(3)} ${unit}`),
    },
    legend: { type: 'scroll', bottom: 0, data: legend },
    grid: { left: compact ? 44 : 60, right: 16, top: 30, bottom: compact ? 84 : 72 },
    xAxis: { type: 'category', data: axis, boundaryGap: false },
    yAxis: { type: 'value', name: unit, scale: true },
    dataZoom: [
      { type: 'inside', filterMode: 'none' },
      { type: 'slider', height: 18, bottom: 30, filterMode: 'none' },
    ],
    series,
  }
}
