// The portal's navigation; items marked `soon` are pages later releases add.
import { Bell, Monitor, HomeFilled, QuestionFilled, Setting, Tickets, Tools, TrendCharts } from '@element-plus/icons-vue'

const ITEMS = [
  { name: 'home', label: '首页', icon: HomeFilled },
  { name: 'bills', label: '账单', icon: Tickets },
  { name: 'console', label: '工作台', icon: Monitor, staffOnly: true },
  { name: 'repairs', label: '报修', icon: Tools },
  { name: 'faq', label: '常见问题', icon: QuestionFilled },
  { name: 'forecast', label: '用水预测', icon: TrendCharts },
  { name: 'settings', label: '设置', icon: Setting },
  { name: 'notifications', label: '消息通知', icon: Bell, drawerOnly: true },
]

export function navItems(isStaff, { drawer = false } = {}) {
  return ITEMS.filter((item) => (!item.staffOnly || isStaff) && (drawer || !item.drawerOnly))
}
