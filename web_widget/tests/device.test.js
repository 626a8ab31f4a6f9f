import { beforeEach, describe, expect, it } from 'vitest'
import { DEVICE_KEY, getDeviceId } from '@/utils/device'

describe('device_id', () => {
  beforeEach(() => localStorage.clear())

  it('is made once and kept in localStorage', () => {
    const id = getDeviceId()
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(localStorage.getItem(DEVICE_KEY)).toBe(id)
    expect(getDeviceId()).toBe(id)
  })

  it('differs between browsers', () => {
    const a = getDeviceId()
    localStorage.clear()
    expect(getDeviceId()).not.toBe(a)
  })

  it('replaces a tampered value', () => {
    localStorage.setItem(DEVICE_KEY, '<script>')
    expect(getDeviceId()).toMatch(/^[0-9a-f]{32}$/)
  })

  it('still works when storage is blocked', () => {
    const blocked = {
      getItem() {
        throw new Error('SecurityError')
      },
      setItem() {
        throw new Error('SecurityError')
      },
    }
    const id = getDeviceId(blocked)
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(getDeviceId(blocked)).toBe(id)
  })
})
