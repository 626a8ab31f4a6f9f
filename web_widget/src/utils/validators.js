// Client-side checks that mirror the server's (shuiwu/services/accounts.py), so a resident hears
// about a bad value at once; the server still decides, and its field messages win.

export const USERNAME_RE = /^[A-Za-z][A-Za-z0-9_]{2,31}$/
export const PHONE_RE = /^1[3-9]\d{9}$/
export const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/
export const CODE_RE = /^\d{6}$/

export const isPhone = (value) => PHONE_RE.test(String(value ?? '').trim())
export const isEmail = (value) => EMAIL_RE.test(String(value ?? '').trim())
export const isCode = (value) => CODE_RE.test(String(value ?? '').trim())

/** The server's password rule: the first problem, in Chinese, or '' when the password is acceptable. */
export function passwordProblem(password, { username = '', phone = '' } = {}) {
  const pw = String(password ?? '')
  if (pw.length < 8) return '密码长度至少为 8 位'
  if (pw.length > 128) return '密码长度不能超过 128 位'
  if (!/[A-Za-z]/.test(pw) || !/\d/.test(pw)) return '密码须同时包含字母和数字'
  if (username && pw.toLowerCase().includes(String(username).toLowerCase())) return '密码不能包含用户名'
  if (phone && pw.includes(String(phone))) return '密码不能包含手机号'
  return ''
}

/**
 * A hint for the strength meter: level 0 (不符合要求) … 3 (强).
 * Acceptable passwords are 弱 until they are long or mix in upper case or symbols.
 */
export function passwordStrength(password, context = {}) {
  const pw = String(password ?? '')
  if (!pw) return { level: 0, label: '', hint: '至少 8 位，须同时包含字母和数字' }
  const problem = passwordProblem(pw, context)
  if (problem) return { level: 0, label: '不符合要求', hint: problem }
  let score = 0
  if (pw.length >= 12) score += 1
  if (/[a-z]/.test(pw) && /[A-Z]/.test(pw)) score += 1
  if (/[^A-Za-z0-9]/.test(pw)) score += 1
  if (/^(.)\1+$/.test(pw.replace(/\d/g, '')) || /(0123|1234|2345|3456|4567|5678|6789|abcd|qwer|asdf)/i.test(pw)) score -= 1
  if (score <= 0) return { level: 1, label: '弱', hint: '建议加长密码，或混合大小写字母和符号' }
  if (score === 1) return { level: 2, label: '中', hint: '再加入大小写字母或符号会更安全' }
  return { level: 3, label: '强', hint: '密码强度良好' }
}

/** Element Plus form rules built from the checks above. */
export const rules = {
  required: (message) => ({ required: true, message, trigger: 'blur' }),
  phone: (required = true) => ({
    trigger: 'blur',
    validator: (_r, value, cb) => {
      if (!value) return cb(required ? new Error('请输入手机号') : undefined)
      cb(isPhone(value) ? undefined : new Error('请输入有效的 11 位手机号'))
    },
  }),
  email: (required = true) => ({
    trigger: 'blur',
    validator: (_r, value, cb) => {
      if (!value) return cb(required ? new Error('请输入邮箱') : undefined)
      cb(isEmail(value) ? undefined : new Error('请输入有效的邮箱地址'))
    },
  }),
  code: () => ({
    trigger: 'blur',
    validator: (_r, value, cb) => {
      if (!value) return cb(new Error('请输入验证码'))
      cb(isCode(value) ? undefined : new Error('验证码为 6 位数字'))
    },
  }),
  password: (context = () => ({})) => ({
    trigger: 'blur',
    validator: (_r, value, cb) => {
      if (!value) return cb(new Error('请输入密码'))
      const problem = passwordProblem(value, context())
      cb(problem ? new Error(problem) : undefined)
    },
  }),
  confirm: (password) => ({
    trigger: 'blur',
    validator: (_r, value, cb) => {
      if (!value) return cb(new Error('请再次输入密码'))
      cb(value === password() ? undefined : new Error('两次输入的密码不一致'))
    },
  }),
}

/** 138****1234 / z***@example.com, for echoing a destination back before the server does. */
export function maskTarget(target) {
  const t = String(target ?? '').trim()
  if (isPhone(t)) return `${t.slice(0, 3)}****${t.slice(7)}`
  const at = t.indexOf('@')
  if (at > 0) return `${t[0]}***${t.slice(at)}`
  return t
}

/** What a code button's `send` returns after an error: wait out a 429, otherwise allow a retry. */
export const afterSendError = (error) => (error?.status === 429 && error.retryAfter ? { wait: error.retryAfter } : false)
