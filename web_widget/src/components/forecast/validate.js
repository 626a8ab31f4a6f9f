// The forecast parameters checked as the user types, with the same messages the server gives.

const GRANULARITY = { hour: '小时', day: '日', week: '周', month: '月' }
const MAX_DAYS = { hour: 14, day: 92, week: 182, month: 366 }
const MAX_GAP_DAYS = 62
const DAY = 86_400_000

const toDate = (s) => (s ? new Date(`${s}T00:00:00`) : null)
const iso = (d) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`

export function daysBetween(start, end) {
  return Math.round((toDate(end) - toDate(start)) / DAY) + 1
}

/** {start, end, granularity, regions, model}: field → message ('' when fine). */
export function validateParams(params, { maxDays = MAX_DAYS, dmaDataEnd = null, uploads = {} } = {}) {
  const errors = { start: '', end: '', granularity: '', regions: '', model: '' }
  const { start, end, granularity, regions = [] } = params
  if (!start) errors.start = '请选择开始日期'
  if (!end) errors.end = '请选择结束日期'
  if (start && end) {
    if (end < start) {
      errors.end = '结束日期不能早于开始日期'
    } else {
      const days = daysBetween(start, end)
      const limit = maxDays[granularity] ?? MAX_DAYS[granularity]
      if (days > limit) {
        errors.end = `按${GRANULARITY[granularity]}预测最多 ${limit} 天，当前选择了 ${days} 天：请缩短时间范围，或改用更粗的粒度`
      }
    }
  }
  if (!regions.length) errors.regions = '请至少选择一个预测区域'
  if (regions.length > 5) errors.regions = '一次最多比较 5 个区域'
  if (granularity === 'hour') {
    const daily = regions.find(
      (r) => r.kind === 'household' || r.kind === 'district' || (r.kind === 'upload' && uploads[r.key]?.freq !== 'h'),
    )
    if (daily) {
      const what = { household: '户号', district: '片区', upload: '上传的数据' }[daily.kind]
      errors.granularity = `${what}只有逐日数据，不能按小时预测：请改按日、周或月`
    }
  }
  if (start && dmaDataEnd && regions.some((r) => r.kind === 'dma')) {
    const latest = new Date(toDate(dmaDataEnd).getTime() + MAX_GAP_DAYS * DAY)
    if (toDate(start) > latest) {
      errors.start = `分区计量表的数据截至 ${dmaDataEnd}，开始日期最晚可选 ${iso(latest)}`
    }
  }
  if (!params.model) errors.model = '请选择预测模型'
  return errors
}

export function addDays(s, n) {
  return iso(new Date(toDate(s).getTime() + n * DAY))
}
