// dist/widget/charts.js: ECharts for the script-tag widget, fetched only when a chart arrives,
// so widget.js itself stays small for residents on phones.
import { renderChart } from './chart.js'

window.ShuiwuChatCharts = { renderChart }
