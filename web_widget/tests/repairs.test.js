import { describe, expect, it } from 'vitest'
import { checkRepairForm, LIMITS, summary } from '@/views/RepairsView.vue'
import { ticketStatus } from '@/utils/labels'

const FILLED = { category: 'leak', location: '厨房水槽下面', description: '接头一直滴水', contact_time: '明天上午' }

describe('checkRepairForm', () => {
  it('lets a complete repair through', () => {
    expect(checkRepairForm(FILLED)).toEqual({})
  })

  it('names every missing part in Chinese, with an example of what to write', () => {
    const errors = checkRepairForm({ category: '', location: ' ', description: '漏', contact_time: '' })
    expect(errors).toEqual({
      category: '请选择问题类型',
      location: '请填写故障位置，例如“厨房水槽下面”',
      description: '请简单描述一下情况',
      contact_time: '请填写方便联系您的时间，例如“明天上午”',
    })
  })

  it('keeps to the lengths the server accepts', () => {
    const errors = checkRepairForm({ ...FILLED, location: '楼'.repeat(LIMITS.location + 1) })
    expect(errors.location).toBe('故障位置请控制在 200 字以内')
    expect(checkRepairForm({ ...FILLED, location: '楼'.repeat(LIMITS.location) })).toEqual({})
  })
})

describe('the ticket list', () => {
  it('shows the situation, not the whole stored description', () => {
    expect(summary('位置：厨房\n情况：接头一直滴水\n方便联系时间：明天上午')).toBe('接头一直滴水')
    expect(summary('厨房水管漏水')).toBe('厨房水管漏水')
  })

  it('names each status in Chinese', () => {
    expect(ticketStatus('submitted').text).toBe('待派单')
    expect(ticketStatus('resolved').text).toBe('已修好')
    expect(ticketStatus('weird').text).toBe('weird')
  })
})
