// The one way the front end talks to /api/v1: bearer token, the platform's JSON error shape
// ({"error": {"code", "message", "fields"}}) turned into ApiError with the server's Chinese
// message, and silent refresh: a token about to expire, or a 401, triggers one call to
// /auth/refresh (shared by every request waiting on it) and one retry; if that fails too the
// session is over and the login page takes it from there.

const FALLBACK = {
  0: '网络连接失败，请检查网络后重试',
  400: '请求有误',
  401: '请先登录',
  403: '无权执行此操作',
  404: '请求的资源不存在',
  413: '上传内容过大',
  422: '提交的内容有误，请检查后重试',
  429: '请求过于频繁，请稍后再试',
  500: '服务器内部错误，请稍后再试',
}

export class ApiError extends Error {
  constructor(status, code, message, fields = [], retryAfter = null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields
    this.retryAfter = retryAfter // seconds, from a 429's Retry-After
  }

  /** The message for one field ("password" → "此项为必填项"), if the server named it. */
  fieldMessage(field) {
    return this.fields.find((f) => f.field === field)?.message
  }
}

const defaults = {
  getToken: () => null,
  // () => Promise<boolean>: get a new access token (the refresh cookie goes by itself).
  refresh: null,
  // () => boolean: the token is about to expire, refresh before using it.
  isExpiring: () => false,
  onUnauthorized: () => {},
}
const hooks = { ...defaults }
let refreshing = null

/** Wire the client to the session: where the token comes from, how to renew it, what a lost session does. */
export function configureClient({ getToken, refresh, isExpiring, onUnauthorized, reset = false } = {}) {
  if (reset) Object.assign(hooks, defaults)
  if (getToken) hooks.getToken = getToken
  if (refresh !== undefined) hooks.refresh = refresh
  if (isExpiring) hooks.isExpiring = isExpiring
  if (onUnauthorized) hooks.onUnauthorized = onUnauthorized
  refreshing = null
}

/**
 * One refresh at a time: whoever asks while one is under way waits for the same answer.
 * Resolves true when a new token is in place, false otherwise; never throws.
 */
export function refreshSession() {
  if (!hooks.refresh) return Promise.resolve(false)
  if (!refreshing) {
    refreshing = Promise.resolve()
      .then(() => hooks.refresh())
      .then(Boolean, () => false)
      .finally(() => {
        refreshing = null
      })
  }
  return refreshing
}

function fallbackMessage(status) {
  return FALLBACK[status] || (status >= 500 ? FALLBACK[500] : '请求失败，请稍后再试')
}

/** Build the ApiError for a failed response from whatever body it carries. */
export async function errorFrom(response) {
  let body = null
  try {
    body = await response.json()
  } catch {
    // An HTML error page from a proxy, or nothing at all.
  }
  const err = body && typeof body === 'object' ? body.error : null
  const message = typeof err?.message === 'string' && err.message ? err.message : fallbackMessage(response.status)
  const fields = Array.isArray(err?.fields) ? err.fields : []
  const wait = Number(response.headers?.get?.('Retry-After'))
  const retryAfter = Number.isFinite(wait) && wait > 0 ? Math.ceil(wait) : null
  return new ApiError(response.status, err?.code || 'http_' + response.status, message, fields, retryAfter)
}

export function buildUrl(path, query) {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') params.append(key, String(value))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

/**
 * request('/api/v1/households', { query: { account_no } }) → parsed JSON.
 * `auth: false` for the login call itself: its 401 means "wrong password", not "session over".
 * `renew: false` sends the token but leaves a 401 alone (logout: nothing to renew).
 * `as: 'response'` hands back the raw Response (downloads).
 */
export async function request(
  path,
  { method = 'GET', query, body, auth = true, as = 'json', signal, renew = auth } = {},
) {
  if (renew && hooks.getToken() && hooks.isExpiring()) await refreshSession()

  const send = async () => {
    const headers = { Accept: as === 'json' ? 'application/json' : '*/*' }
    const token = auth ? hooks.getToken() : null
    if (token) headers.Authorization = `Bearer ${token}`
    // A FormData body (file uploads) goes as multipart: fetch sets the boundary itself.
    const multipart = typeof FormData !== 'undefined' && body instanceof FormData
    if (body !== undefined && !multipart) headers['Content-Type'] = 'application/json'
    try {
      const response = await fetch(buildUrl(path, query), {
        method,
        headers,
        body: body === undefined || multipart ? body : JSON.stringify(body),
        credentials: 'same-origin', // the HttpOnly refresh cookie rides along on /auth calls
        signal,
      })
      return { response, token }
    } catch (e) {
      if (e?.name === 'AbortError') throw e
      throw new ApiError(0, 'network', FALLBACK[0])
    }
  }

  let { response, token } = await send()
  if (response.status === 401 && renew) {
    // Someone else may already have renewed the token while this call was out: just retry.
    const renewed = hooks.getToken() && hooks.getToken() !== token ? true : await refreshSession()
    if (renewed) ({ response } = await send()) // once: a second 401 is final
  }

  if (!response.ok) {
    const error = await errorFrom(response)
    if (response.status === 401 && renew) hooks.onUnauthorized(error)
    throw error
  }
  if (as === 'response') return response
  if (response.status === 204) return null
  return response.json()
}

/** Multipart POST of one file as the form field `file`, with the same token renewal as request(). */
export function postFile(path, file) {
  const form = new FormData()
  form.append('file', file)
  return request(path, { method: 'POST', body: form })
}
