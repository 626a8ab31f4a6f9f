// Inline charts for the assistant's {"type": "chart", "title", "option"} answers (usage,
// forecasts): ECharts with only the parts those charts use, canvas-rendered inside the shadow root.
import * as echarts from 'echarts/core'
import { BarChart, LineChart, PieChart } from 'echarts/charts'
import {
  DatasetComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([
  BarChart, LineChart, PieChart, DatasetComponent, GridComponent, LegendComponent,
  MarkAreaComponent, MarkLineComponent, TitleComponent, TooltipComponent, CanvasRenderer,
])

/** The bot's option, made safe and small-screen friendly: tooltips drawn on canvas, never as HTML. */
export function chartOption(option) {
  const safe = JSON.parse(JSON.stringify(option || {}))
  const tooltips = Array.isArray(safe.tooltip) ? safe.tooltip : [safe.tooltip || { trigger: 'axis' }]
  safe.tooltip = tooltips.map((t) => ({ confine: true, ...t, renderMode: 'richText', appendToBody: false }))
  if (!safe.grid) safe.grid = { left: 44, right: 12, top: 36, bottom: 28, containLabel: false }
  safe.animation = false
  return safe
}

export function renderChart(container, option) {
  const chart = echarts.init(container, null, { renderer: 'canvas' })
  chart.setOption(chartOption(option))
  if (typeof ResizeObserver !== 'undefined') {
    const observer = new ResizeObserver(() => chart.resize())
    observer.observe(container)
  }
  return chart
}
