// Element Plus components only the forecast page uses (the portal's shared set lacks them),
// each with its stylesheet; imported by the page itself so other pages do not carry them.
import 'element-plus/es/components/date-picker/style/css'
import 'element-plus/es/components/progress/style/css'
import 'element-plus/es/components/timeline/style/css'
import 'element-plus/es/components/timeline-item/style/css'
import 'element-plus/es/components/upload/style/css'

export { ElDatePicker, ElProgress, ElTimeline, ElTimelineItem, ElUpload } from 'element-plus'
