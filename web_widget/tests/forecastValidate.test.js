import { describe, expect, it } from 'vitest'
import { addDays, validateParams } from '@/components/forecast/validate'

const base = { start: '2026-12-01', end: '2026-12-07', granularity: 'day', model: 'auto', regions: [{ kind: 'district', key: '东城区' }] }

describe('validateParams', () => {
  it('passes a sensible week', () => {
    expect(Object.values(validateParams(base)).every((m) => m === '')).toBe(true)
  })
  it('says when the end is before the start', () => {
    expect(validateParams({ ...base, end: '2026-11-20' }).end).toBe('结束日期不能早于开始日期')
  })
  it('limits the range by granularity', () => {
    expect(validateParams({ ...base, granularity: 'hour', regions: [{ kind: 'dma', key: 'dma_1' }], end: '2026-12-20' }).end)
      .toContain('按小时预测最多 14 天，当前选择了 20 天')
    expect(validateParams({ ...base, granularity: 'month', end: '2027-06-01' }).end).toBe('')
  })
  it('refuses hourly forecasts of daily data', () => {
    expect(validateParams({ ...base, granularity: 'hour' }).granularity).toContain('片区只有逐日数据')
  })
  it('knows where the district-meter data ends', () => {
    const dma = { ...base, regions: [{ kind: 'dma', key: 'dma_1' }] }
    expect(validateParams(dma, { dmaDataEnd: '2022-12-31' }).start).toContain('开始日期最晚可选 2023-03-03')
    expect(validateParams({ ...dma, start: '2023-01-01', end: '2023-01-07' }, { dmaDataEnd: '2022-12-31' }).start).toBe('')
  })
  it('needs a region', () => {
    expect(validateParams({ ...base, regions: [] }).regions).toBe('请至少选择一个预测区域')
  })
  it('adds days across months', () => {
    expect(addDays('2026-11-25', 13)).toBe('2026-12-08')
  })
})
