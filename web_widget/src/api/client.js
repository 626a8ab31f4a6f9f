// The one way the front end talks to /api/v1: bearer token, the platform's JSON error shape
// ({"error": {"code", "message", "fields"}}) turned into ApiError with the server's Chinese
// message, and an expired or revoked session sent back to the login page.

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
  constructor(status, code, message, fields = []) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields
  }

  /** The message for one field ("password" → "此项为必填项"), if the server named it. */
  fieldMessage(field) {
    return this.fields.find((f) => f.field === field)?.message
  }
}

const hooks = {
  getToken: () => null,
  onUnauthorized: () => {},
}

/** Wire the client to the session: where the token comes from, what a 401 does. */
export function configureClient({ getToken, onUnauthorized } = {}) {
  if (getToken) hooks.getToken = getToken
  if (onUnauthorized) hooks.onUnauthorized = onUnauthorized
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
  return new ApiError(response.status, err?.code || 'http_' + response.status, message, fields)
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
 * `as: 'response'` hands back the raw Response (downloads).
 */
export async function request(path, { method = 'GET', query, body, auth = true, as = 'json', signal } = {}) {
  const headers = { Accept: as === 'json' ? 'application/json' : '*/*' }
  const token = auth ? hooks.getToken() : null
  if (token) headers.Authorization = `Bearer ${token}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'

  let response
  try {
    response = await fetch(buildUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    })
  } catch (e) {
    if (e?.name === 'AbortError') throw e
    throw new ApiError(0, 'network', FALLBACK[0])
  }

  if (!response.ok) {
    const error = await errorFrom(response)
    if (response.status === 401 && auth) hooks.onUnauthorized(error)
    throw error
  }
  if (as === 'response') return response
  if (response.status === 204) return null
  return response.json()
}
