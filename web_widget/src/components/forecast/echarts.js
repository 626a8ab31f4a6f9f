// The forecast chart needs more of ECharts than the portal's bar/line charts: zoom and pan
// (dataZoom), a legend to compare regions, and a title. Registered once, on top of the shared set.
import echarts from '@/charts/echarts'
import { DataZoomComponent, LegendComponent, TitleComponent } from 'echarts/components'

echarts.use([DataZoomComponent, LegendComponent, TitleComponent])

export default echarts
