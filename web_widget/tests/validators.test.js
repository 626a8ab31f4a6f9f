import { describe, expect, it } from 'vitest'
import { isEmail, isPhone, maskTarget, passwordProblem, passwordStrength } from '@/utils/validators'

describe('the password rule (mirrors the server)', () => {
  it('asks for at least 8 characters with letters and digits', () => {
    expect(passwordProblem('')).toBe('密码长度至少为 8 位')
    expect(passwordProblem('abc123')).toBe('密码长度至少为 8 位')
    expect(passwordProblem('abcdefgh')).toBe('密码须同时包含字母和数字')
    expect(passwordProblem('12345678')).toBe('密码须同时包含字母和数字')
    expect(passwordProblem('水务水务水务水务')).toBe('密码须同时包含字母和数字')
    expect(passwordProblem('Qinghe2026water')).toBe('')
    expect(passwordProblem('a'.repeat(120) + '123456789')).toBe('密码长度不能超过 128 位')
  })

  it('refuses the username or the phone number inside the password', () => {
    expect(passwordProblem('ZhangWei2026', { username: 'zhangwei' })).toBe('密码不能包含用户名')
    expect(passwordProblem('x13912345678', { phone: '13912345678' })).toBe('密码不能包含手机号')
    expect(passwordProblem('Qinghe2026water', { username: 'zhangwei', phone: '13912345678' })).toBe('')
  })

  it('grades acceptable passwords for the hint', () => {
    expect(passwordStrength('').level).toBe(0)
    expect(passwordStrength('abc').label).toBe('不符合要求')
    expect(passwordStrength('abcd1234')).toMatchObject({ level: 1, label: '弱' })
    expect(passwordStrength('water2026x')).toMatchObject({ level: 1, label: '弱' })
    expect(passwordStrength('Water2026x')).toMatchObject({ level: 2, label: '中' })
    expect(passwordStrength('Qinghe2026water!')).toMatchObject({ level: 3, label: '强' })
  })
})

describe('contact details', () => {
  it('knows a mainland mobile number', () => {
    expect(isPhone('13912345678')).toBe(true)
    expect(isPhone(' 19912345678 ')).toBe(true)
    expect(isPhone('12912345678')).toBe(false)
    expect(isPhone('1391234567')).toBe(false)
    expect(isPhone('139123456789')).toBe(false)
  })

  it('knows an email address', () => {
    expect(isEmail('li.na@example.com')).toBe(true)
    expect(isEmail('li.na@example')).toBe(false)
    expect(isEmail('li na@example.com')).toBe(false)
  })

  it('masks a destination like the server', () => {
    expect(maskTarget('13912345678')).toBe('139****5678')
    expect(maskTarget('lina@example.com')).toBe('l***@example.com')
  })
})
