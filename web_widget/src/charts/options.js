// Chart options built from API data; kept apart from the components so they can be tested.
import { formatVolume, periodLabel } from '@/utils/format'

const BLUE = '#0b5cad'
const AXIS = { color: '#6b7785', fontSize: 11 }

/** Household usage: a line for daily use, bars for months and years. */
export function usageOption(usage) {
  const granularity = usage?.granularity || 'day'
  const points = usage?.points || []
  const daily = granularity === 'day'
  return {
    animationDuration: 300,
    grid: { left: 8, right: 12, top: 28, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v) => `${formatVolume(v, 3)} m³`,
    },
    xAxis: {
      type: 'category',
      data: points.map((p) => periodLabel(p.period, granularity)),
      axisLabel: { ...AXIS, hideOverlap: true },
      axisTick: { alignWithLabel: true },
      axisLine: { lineStyle: { color: '#c8d3df' } },
    },
    yAxis: {
      type: 'value',
      name: '用水量（m³）',
      nameTextStyle: { ...AXIS, align: 'left' },
      axisLabel: AXIS,
      splitLine: { lineStyle: { color: '#edf1f5' } },
    },
    series: [
      {
        name: '用水量',
        type: daily ? 'line' : 'bar',
        data: points.map((p) => Number(p.usage_m3)),
        smooth: daily ? 0.25 : false,
        smoothMonotone: 'x',
        showSymbol: false,
        barMaxWidth: 36,
        itemStyle: { color: BLUE, borderRadius: daily ? 0 : [4, 4, 0, 0] },
        lineStyle: { width: 2 },
        areaStyle: daily ? { color: 'rgba(11, 92, 173, 0.12)' } : undefined,
      },
    ],
  }
}

/** Staff console: bulk-meter inflow per district over the last 30 days. */
export function districtOption(rows) {
  const sorted = [...(rows || [])].sort((a, b) => Number(b.usage_m3_30d) - Number(a.usage_m3_30d))
  return {
    animationDuration: 300,
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${formatVolume(v, 0)} m³` },
    xAxis: {
      type: 'category',
      data: sorted.map((r) => r.district),
      axisLabel: { ...AXIS, interval: 0, rotate: sorted.length > 6 ? 30 : 0 },
      axisLine: { lineStyle: { color: '#c8d3df' } },
    },
    yAxis: {
      type: 'value',
      name: '供水量（m³）',
      nameTextStyle: { ...AXIS, align: 'left' },
      axisLabel: AXIS,
      splitLine: { lineStyle: { color: '#edf1f5' } },
    },
    series: [
      {
        name: '近 30 日供水量',
        type: 'bar',
        data: sorted.map((r) => Number(r.usage_m3_30d)),
        barMaxWidth: 40,
        itemStyle: { color: BLUE, borderRadius: [4, 4, 0, 0] },
      },
    ],
  }
}
