// The endpoints the portal uses, one function each.
import { request } from './client'

const post = (path, body, opts = {}) => request(path, { method: 'POST', body: body ?? {}, ...opts })

// ── Sign-in, registration, refresh ──────────────────────────────────────────────────────────
// `auth: false`: these calls' 401s mean "wrong password / code", not "session over".
export const login = ({ username, password, remember = false, device_id }) =>
  post('/api/v1/auth/login', { username, password, remember, device_id }, { auth: false })

export const sendLoginSms = (phone) => post('/api/v1/auth/login/sms/send', { phone }, { auth: false })

export const loginSms = ({ phone, code, remember = false, device_id }) =>
  post('/api/v1/auth/login/sms', { phone, code, remember, device_id }, { auth: false })

export const refresh = () => post('/api/v1/auth/refresh', {}, { auth: false })

export const logout = () => post('/api/v1/auth/logout', {}, { renew: false })

export const register = (body) => post('/api/v1/auth/register', body, { auth: false })

export const verifyRegistration = (target, code, username) =>
  post('/api/v1/auth/register/verify', username ? { target, code, username } : { target, code }, { auth: false })

export const forgotPassword = (login) => post('/api/v1/auth/password/forgot', { login }, { auth: false })

export const resetPassword = (body) => post('/api/v1/auth/password/reset', body, { auth: false })

export const notMe = (token) => post('/api/v1/auth/not-me', { token }, { auth: false })

// ── The signed-in account ───────────────────────────────────────────────────────────────────
export const me = () => request('/api/v1/me')

export const changePassword = (body) => post('/api/v1/auth/password/change', body)

export const sendContactCode = (channel, target) => post('/api/v1/auth/contact/send-code', { channel, target })

export const changeContact = (channel, target, code) => post('/api/v1/auth/contact/change', { channel, target, code })

export const listSessions = () => request('/api/v1/auth/sessions')

export const revokeSession = (id) => request(`/api/v1/auth/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' })

export const revokeOtherSessions = () => post('/api/v1/auth/sessions/revoke-others')

export const listNotifications = ({ unread } = {}) =>
  request('/api/v1/notifications', { query: { unread: unread ? 'true' : undefined } })

export const markNotificationRead = (id) => post(`/api/v1/notifications/${id}/read`)

export const markAllNotificationsRead = () => post('/api/v1/notifications/read-all')

// ── Households ──────────────────────────────────────────────────────────────────────────────
export const listHouseholds = () => request('/api/v1/households')

export const findHouseholds = (accountNo) =>
  request('/api/v1/households', { query: { account_no: accountNo } })

export const bindHousehold = (body) => post('/api/v1/households/bind', body)

export const disputeBinding = (body) => post('/api/v1/households/bind/dispute', body)

export const getUsage = (householdId, granularity, { start, end } = {}) =>
  request(`/api/v1/households/${householdId}/usage`, { query: { granularity, start, end } })

export const usageCsv = (householdId, granularity, { start, end } = {}) =>
  request(`/api/v1/households/${householdId}/usage.csv`, {
    query: { granularity, start, end },
    as: 'response',
  })

export const listBills = (householdId, limit = 24) =>
  request(`/api/v1/households/${householdId}/bills`, { query: { limit } })

// ── Staff console ───────────────────────────────────────────────────────────────────────────
export const districtSummary = () => request('/api/v1/districts/summary')

export const pendingBindings = () => request('/api/v1/bindings/pending')

export const approveBinding = (id) => post(`/api/v1/bindings/${id}/approve`)

export const rejectBinding = (id, note) => post(`/api/v1/bindings/${id}/reject`, { note })

export const listUsers = ({ q, role } = {}) => request('/api/v1/admin/users', { query: { q, role } })

export const createUser = (body) => post('/api/v1/admin/users', body)

export const updateUser = (id, body) => request(`/api/v1/admin/users/${id}`, { method: 'PATCH', body })

export const listOutbox = () => request('/api/v1/admin/outbox')
