import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { createCountdown } from '@/composables/useCountdown'
import CodeButton from '@/components/CodeButton.vue'
import { ElButton } from 'element-plus'
import { afterSendError } from '@/utils/validators'

describe('the 60-second resend countdown', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('counts down by the clock and stops at zero', () => {
    const c = createCountdown(60)
    expect(c.running.value).toBe(false)
    c.start()
    expect(c.remaining.value).toBe(60)
    vi.advanceTimersByTime(1000)
    expect(c.remaining.value).toBe(59)
    vi.advanceTimersByTime(58_000)
    expect(c.remaining.value).toBe(1)
    expect(c.running.value).toBe(true)
    vi.advanceTimersByTime(1000)
    expect(c.remaining.value).toBe(0)
    expect(c.running.value).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('catches up after the tab slept instead of trusting ticks', () => {
    const c = createCountdown(60)
    c.start()
    vi.setSystemTime(Date.now() + 45_000) // timers throttled in a background tab
    vi.advanceTimersByTime(250)
    expect(c.remaining.value).toBe(15)
  })

  it('restarts from the top', () => {
    const c = createCountdown(60)
    c.start()
    vi.advanceTimersByTime(30_000)
    c.start()
    expect(c.remaining.value).toBe(60)
    c.stop()
    expect(c.running.value).toBe(false)
  })

  it('the code button is disabled while it counts and only after a successful send', async () => {
    const send = vi.fn().mockResolvedValueOnce(false).mockResolvedValue(true)
    const wrapper = mount(CodeButton, { props: { send }, global: { components: { ElButton } } })
    const button = () => wrapper.find('button')
    expect(button().text()).toBe('获取验证码')

    await button().trigger('click')
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1))
    await wrapper.vm.$nextTick()
    expect(button().text()).toBe('获取验证码') // the send failed: try again at once

    await button().trigger('click')
    await vi.waitFor(() => expect(button().text()).toBe('60 秒后重新获取'))
    expect(button().attributes('disabled')).toBeDefined()
    vi.advanceTimersByTime(60_000)
    await wrapper.vm.$nextTick()
    expect(button().text()).toBe('获取验证码')
    wrapper.unmount()
  })

  it('a 429 waits as long as the server says', async () => {
    const send = vi.fn().mockResolvedValue(afterSendError({ status: 429, retryAfter: 42 }))
    const wrapper = mount(CodeButton, { props: { send }, global: { components: { ElButton } } })
    await wrapper.find('button').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('button').text()).toBe('42 秒后重新获取'))
    expect(afterSendError({ status: 422 })).toBe(false)
    expect(afterSendError({ status: 429, retryAfter: null })).toBe(false)
    wrapper.unmount()
  })
})
