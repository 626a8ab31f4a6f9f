// User-facing Chinese labels for values the API sends as codes, kept in one place.

export const APP_NAME = '智慧水务服务平台'

export const BILL_STATUS = {
  unpaid: { text: '未缴', type: 'warning' },
  paid: { text: '已缴', type: 'success' },
  overdue: { text: '逾期', type: 'danger' },
  cancelled: { text: '已作废', type: 'info' },
}

export const READING_SOURCE = {
  manual: '人工抄表',
  photo: '拍照自助抄表',
  remote: '远传抄表',
}

export const ROLE = {
  resident: '居民用户',
  staff: '工作人员',
  admin: '管理员',
}

export const GRANULARITY = {
  day: '日',
  month: '月',
  year: '年',
}

export const COMING_SOON = '该功能即将开放，敬请期待'

export const TICKET_STATUS = {
  submitted: { text: '待派单', type: 'warning' },
  assigned: { text: '已派单', type: 'primary' },
  in_progress: { text: '维修中', type: 'primary' },
  resolved: { text: '已修好', type: 'success' },
  closed: { text: '已关闭', type: 'info' },
  cancelled: { text: '已撤销', type: 'info' },
}

export const TICKET_CATEGORIES = [
  { value: 'leak', label: '漏水/爆管' },
  { value: 'no_water', label: '无水' },
  { value: 'low_pressure', label: '水压低' },
  { value: 'water_quality', label: '水质问题' },
  { value: 'meter_fault', label: '水表故障' },
  { value: 'other', label: '其他' },
]

export function ticketStatus(code) {
  return TICKET_STATUS[code] || { text: code || '未知', type: 'info' }
}

export function billStatus(code) {
  return BILL_STATUS[code] || { text: code || '未知', type: 'info' }
}

/** 基本水费（第2阶梯）/ 水资源费 / 污水处理费 */
export function billLineLabel(line) {
  if (line.kind === 'base') return line.tier_no ? `基本水费（第${line.tier_no}阶梯）` : '基本水费'
  if (line.kind === 'water_resource') return '水资源费'
  if (line.kind === 'sewage') return '污水处理费'
  return line.kind
}

export function readingSource(code) {
  return READING_SOURCE[code] || code || ''
}

export const STAFF_FUNCTION = {
  customer_service: '客服',
  field_repair: '维修',
}
