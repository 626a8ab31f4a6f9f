// Element Plus components only the repair pages use (the portal's shared set lacks them), each
// with its stylesheet; imported by the pages themselves so other pages do not carry them.
import 'element-plus/es/components/popconfirm/style/css'
import 'element-plus/es/components/switch/style/css'
import 'element-plus/es/components/timeline/style/css'
import 'element-plus/es/components/timeline-item/style/css'

export { ElPopconfirm, ElSwitch, ElTimeline, ElTimelineItem } from 'element-plus'
