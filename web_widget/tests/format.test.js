import { describe, expect, it } from 'vitest'
import { formatDateTime, formatMoney, formatPeriod, formatVolume, periodLabel, sumFen, toFen, formatFen } from '@/utils/format'

describe('money', () => {
  it('shows API decimal strings as yuan with two decimals', () => {
    expect(formatMoney('29.43')).toBe('¥29.43')
    expect(formatMoney('30')).toBe('¥30.00')
    expect(formatMoney('7.5')).toBe('¥7.50')
    expect(formatMoney('1234567.89')).toBe('¥1,234,567.89')
    expect(formatMoney('0')).toBe('¥0.00')
  })

  it('rounds half up on the decimal digits, not on a float', () => {
    // 2.675 is 2.67499999… as a double; the bill says 2.675, the resident must see ¥2.68.
    expect((2.675).toFixed(2)).toBe('2.67')
    expect(formatMoney('2.675')).toBe('¥2.68')
    expect(formatMoney('1.005')).toBe('¥1.01')
    expect(formatMoney('0.004')).toBe('¥0.00')
    expect(formatMoney('-3.455')).toBe('-¥3.46')
  })

  it('sums amounts exactly', () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004; twelve bills of ¥0.10 are ¥1.20.
    expect(formatFen(sumFen(['0.10', '0.20']))).toBe('¥0.30')
    expect(formatFen(sumFen(Array(12).fill('0.10')))).toBe('¥1.20')
    expect(formatFen(sumFen(['29.43', '30.91', '27.39']))).toBe('¥87.73')
  })

  it('says "—" for missing or malformed amounts instead of ¥NaN', () => {
    for (const bad of [null, undefined, '', 'abc', '1.2.3', '.', NaN]) {
      expect(formatMoney(bad)).toBe('—')
    }
    expect(toFen('.5')).toBe(50n)
  })

  it('can print a unit price without the currency sign', () => {
    expect(formatMoney('3.45', '')).toBe('3.45')
  })
})

describe('volumes and dates', () => {
  it('formats cubic metres', () => {
    expect(formatVolume('12.340')).toBe('12.34')
    expect(formatVolume('1234.5')).toBe('1,234.5')
    expect(formatVolume('0.0004', 3)).toBe('0')
    expect(formatVolume(null)).toBe('—')
  })

  it('shows reading times in Beijing time whatever the browser zone', () => {
    expect(formatDateTime('2026-05-31T16:10:00Z')).toBe('2026-06-01 00:10')
    expect(formatDateTime('2026-05-31T08:10:00+08:00')).toBe('2026-05-31 08:10')
    expect(formatDateTime(null)).toBe('—')
  })

  it('names bill periods the way a bill does', () => {
    expect(formatPeriod('2026-05-01', '2026-05-31')).toBe('2026年5月')
    expect(formatPeriod('2026-05-01', '2026-06-30')).toBe('2026年5月–6月')
    expect(formatPeriod('2025-12-01', '2026-01-31')).toBe('2025年12月–2026年1月')
  })

  it('labels chart periods by granularity', () => {
    expect(periodLabel('2026-11-03', 'day')).toBe('11/3')
    expect(periodLabel('2026-11', 'month')).toBe('2026年11月')
    expect(periodLabel('2026', 'year')).toBe('2026年')
  })
})
