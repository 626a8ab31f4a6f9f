import { describe, expect, it } from 'vitest'
import { forecastChartOption } from '@/components/forecast/chartOption'
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

const region = (key, label) => ({
  key,
  label,
  unit: '立方米',
  history: { timestamps: ['2026-11-01', '2026-11-02'], values: [1, 2] },
  points: {
    timestamps: ['2026-11-03', '2026-11-04'],
    yhat: [2, 3],
    lower80: [1.5, 2.5],
    upper80: [2.5, 3.5],
    lower95: [1, 2],
    upper95: [3, 4],
    actual: [2.2, null],
  },
})

describe('forecastChartOption', () => {
  it('draws actuals, forecast and a band that spans lower to upper', () => {
    const option = forecastChartOption({ regions: [region('a', '东城区')] })
    expect(option.xAxis.data).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'])
    const byName = (n) => option.series.filter((s) => s.name === n)
    expect(byName('实际值')[0].data).toEqual([1, 2, 2.2, null])
    expect(byName('预测值')[0].data).toEqual([null, null, 2, 3])
    const [lower, width] = byName('95%区间')
    expect(lower.data.slice(2)).toEqual([1, 2])
    expect(width.data.slice(2)).toEqual([2, 2])
    expect(option.dataZoom.map((z) => z.type)).toEqual(['inside', 'slider'])
  })
  it('names each region when comparing', () => {
    const option = forecastChartOption({ regions: [region('a', '东城区'), region('b', '清源区')] })
    expect(option.legend.data).toContain('清源区 预测')
    expect(option.legend.data).toContain('东城区 80%区间')
    expect(option.legend.data).not.toContain('清源区 80%区间')
  })
})
