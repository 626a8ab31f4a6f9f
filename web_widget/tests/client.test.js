import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, buildUrl, configureClient, postFile, refreshSession, request } from '@/api/client'
import { filenameFrom } from '@/utils/download'
import { json } from './support'

function jsonResponse(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

describe('API client', () => {
  let fetchMock
  let onUnauthorized
  let token

  beforeEach(() => {
    token = 'tok-123'
    onUnauthorized = vi.fn()
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    configureClient({ getToken: () => token, onUnauthorized })
  })

  afterEach(() => vi.unstubAllGlobals())

  it('sends the bearer token and returns the JSON body', async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, [{ id: 1 }]))
    await expect(request('/api/v1/households')).resolves.toEqual([{ id: 1 }])
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/v1/households')
    expect(init.headers.Authorization).toBe('Bearer tok-123')
  })

  it('uploads a file as multipart with the token, renewing the session once on a 401', async () => {
    const refresh = vi.fn(async () => {
      token = 'tok-new'
      return true
    })
    configureClient({ getToken: () => token, refresh, onUnauthorized })
    fetchMock
      .mockResolvedValueOnce(jsonResponse(401, { detail: '登录已过期' }))
      .mockResolvedValueOnce(jsonResponse(201, { upload_id: 7 }))
    const file = new File(['a,b'], 'series.csv', { type: 'text/csv' })
    await expect(postFile('/api/v1/forecasts/uploads', file)).resolves.toEqual({ upload_id: 7 })
    expect(refresh).toHaveBeenCalledTimes(1)
    const [url, init] = fetchMock.mock.calls[1]
    expect(url).toBe('/api/v1/forecasts/uploads')
    expect(init.headers.Authorization).toBe('Bearer tok-new')
    expect(init.headers['Content-Type']).toBeUndefined() // fetch adds the multipart boundary
    expect(init.body).toBeInstanceOf(FormData)
    expect(init.body.get('file').name).toBe('series.csv')
  })

  it('raises the server’s Chinese message, code and field errors', async () => {
    fetchMock.mockResolvedValue(
      jsonResponse(422, {
        error: {
          code: 'invalid_input',
          message: '提交的内容有误，请检查后重试',
          fields: [{ field: 'password', message: '此项为必填项' }],
        },
      }),
    )
    const error = await request('/api/v1/auth/login', { method: 'POST', body: {}, auth: false }).catch((e) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(422)
    expect(error.code).toBe('invalid_input')
    expect(error.message).toBe('提交的内容有误，请检查后重试')
    expect(error.fieldMessage('password')).toBe('此项为必填项')
    expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({})
  })

  it('a wrong password at login is an error to show, not a logout', async () => {
    fetchMock.mockResolvedValue(
      jsonResponse(401, { error: { code: 'unauthorized', message: '用户名或密码错误', fields: [] } }),
    )
    const error = await request('/api/v1/auth/login', { method: 'POST', body: {}, auth: false }).catch((e) => e)
    expect(error.message).toBe('用户名或密码错误')
    expect(onUnauthorized).not.toHaveBeenCalled()
    expect(fetchMock.mock.calls[0][1].headers.Authorization).toBeUndefined()
  })

  it('a 401 on an authenticated call ends the session', async () => {
    fetchMock.mockResolvedValue(jsonResponse(401, { error: { code: 'unauthorized', message: '登录已失效，请重新登录' } }))
    const error = await request('/api/v1/households').catch((e) => e)
    expect(error.status).toBe(401)
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('keeps a 429’s message (with the wait) and its Retry-After', async () => {
    fetchMock.mockResolvedValue(
      jsonResponse(429, { error: { code: 'rate_limited', message: '发送过于频繁，请 42 秒后再试', fields: [] } }, { 'Retry-After': '42' }),
    )
    const error = await request('/api/v1/auth/login/sms/send', { method: 'POST', body: {}, auth: false }).catch((e) => e)
    expect(error.status).toBe(429)
    expect(error.message).toBe('发送过于频繁，请 42 秒后再试')
    expect(error.retryAfter).toBe(42)
  })

  it('falls back to a Chinese message when the body is not our JSON', async () => {
    fetchMock.mockResolvedValue(new Response('<html>Bad Gateway</html>', { status: 502 }))
    const error = await request('/api/v1/households').catch((e) => e)
    expect(error.status).toBe(502)
    expect(error.message).toBe('服务器内部错误，请稍后再试')
  })

  it('turns a network failure into a Chinese message', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    const error = await request('/api/v1/households').catch((e) => e)
    expect(error.status).toBe(0)
    expect(error.message).toBe('网络连接失败，请检查网络后重试')
  })

  it('leaves out empty query parameters', () => {
    expect(buildUrl('/x', { granularity: 'month', start: undefined, end: '' })).toBe('/x?granularity=month')
    expect(buildUrl('/x', {})).toBe('/x')
  })

  it('reads the download name from Content-Disposition', () => {
    expect(filenameFrom('attachment; filename="usage-3202-day.csv"', 'x.csv')).toBe('usage-3202-day.csv')
    expect(filenameFrom("attachment; filename*=UTF-8''%E7%94%A8%E6%B0%B4.csv", 'x.csv')).toBe('用水.csv')
    expect(filenameFrom(null, 'x.csv')).toBe('x.csv')
  })
})

describe('silent refresh in the API client', () => {
  let fetchMock
  let token
  let refresh
  let onUnauthorized
  const unauthorized = () => jsonResponse(401, { error: { code: 'unauthorized', message: '登录已过期，请重新登录' } })

  beforeEach(() => {
    token = 'old'
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    onUnauthorized = vi.fn()
    refresh = vi.fn(async () => {
      await new Promise((r) => setTimeout(r, 5))
      token = 'new'
      return true
    })
    configureClient({ reset: true, getToken: () => token, refresh, onUnauthorized })
  })

  afterEach(() => vi.unstubAllGlobals())

  it('refreshes once and retries once on a 401', async () => {
    fetchMock.mockResolvedValueOnce(unauthorized()).mockResolvedValueOnce(jsonResponse(200, { ok: 1 }))
    await expect(request('/api/v1/me')).resolves.toEqual({ ok: 1 })
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(fetchMock.mock.calls[0][1].headers.Authorization).toBe('Bearer old')
    expect(fetchMock.mock.calls[1][1].headers.Authorization).toBe('Bearer new')
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('gives up after the one retry: no loop, the session ends', async () => {
    fetchMock.mockImplementation(async () => unauthorized())
    const error = await request('/api/v1/me').catch((e) => e)
    expect(error.status).toBe(401)
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('a failed refresh is final without a retry', async () => {
    refresh.mockResolvedValue(false)
    fetchMock.mockImplementation(async () => unauthorized())
    await expect(request('/api/v1/me')).rejects.toBeInstanceOf(ApiError)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('a refresh that throws counts as failed', async () => {
    refresh.mockRejectedValue(new Error('boom'))
    fetchMock.mockImplementation(async () => unauthorized())
    await expect(refreshSession()).resolves.toBe(false)
    await expect(request('/api/v1/me')).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('concurrent 401s share one refresh', async () => {
    fetchMock.mockImplementation(async (_url, init) =>
      init.headers.Authorization === 'Bearer new' ? jsonResponse(200, { ok: true }) : unauthorized(),
    )
    const results = await Promise.all([request('/a'), request('/b'), request('/c'), request('/d')])
    expect(results).toEqual(Array(4).fill({ ok: true }))
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(fetchMock).toHaveBeenCalledTimes(8)
  })

  it('a 401 for a token already replaced is retried without another refresh', async () => {
    fetchMock.mockImplementationOnce(async () => {
      token = 'renewed-elsewhere' // another request's refresh finished while this one was out
      return unauthorized()
    })
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { ok: 2 }))
    await expect(request('/x')).resolves.toEqual({ ok: 2 })
    expect(refresh).not.toHaveBeenCalled()
    expect(fetchMock.mock.calls[1][1].headers.Authorization).toBe('Bearer renewed-elsewhere')
  })

  it('calls made without a session never refresh (a wrong password stays a wrong password)', async () => {
    fetchMock.mockResolvedValue(unauthorized())
    await expect(request('/api/v1/auth/login', { method: 'POST', body: {}, auth: false })).rejects.toThrow()
    await expect(request('/api/v1/auth/logout', { method: 'POST', body: {}, renew: false })).rejects.toThrow()
    expect(refresh).not.toHaveBeenCalled()
    expect(onUnauthorized).not.toHaveBeenCalled()
    expect(fetchMock.mock.calls[1][1].headers.Authorization).toBe('Bearer old')
  })

  it('renews a token about to expire before sending', async () => {
    configureClient({ isExpiring: () => token === 'old' })
    fetchMock.mockResolvedValue(jsonResponse(200, {}))
    await request('/x')
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(fetchMock.mock.calls[0][1].headers.Authorization).toBe('Bearer new')
  })
})
