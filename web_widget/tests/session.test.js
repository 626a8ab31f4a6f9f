import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { createAppRouter } from '@/router'
import { useAuthStore } from '@/stores/auth'
import { connectSession, handleUnauthorized } from '@/session'
import * as api from '@/api'
import { json } from './support'

const LOGIN = {
  access_token: 'tok-abc',
  token_type: 'bearer',
  expires_in: 900,
  user: { id: 7, username: 'zhang_wei', display_name: '张伟', role: 'resident' },
}

describe('session', () => {
  let fetchMock

  beforeEach(() => {
    sessionStorage.clear()
    localStorage.clear()
    setActivePinia(createPinia())
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
  })

  afterEach(() => vi.unstubAllGlobals())

  it('keeps the login in sessionStorage so a reload stays signed in', async () => {
    fetchMock.mockResolvedValue(json(200, LOGIN))
    const auth = useAuthStore()
    await auth.login('  zhang_wei ', 'Qinghe2026water')
    const sent = JSON.parse(fetchMock.mock.calls[0][1].body)
    expect(sent).toMatchObject({ username: 'zhang_wei', password: 'Qinghe2026water', remember: false })
    expect(sent.device_id).toBe(localStorage.getItem('shuiwu.device_id'))
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.displayName).toBe('张伟')

    setActivePinia(createPinia()) // a page reload
    const reloaded = useAuthStore()
    expect(reloaded.token).toBe('tok-abc')
    expect(reloaded.user.username).toBe('zhang_wei')

    fetchMock.mockResolvedValue(new Response(null, { status: 204 }))
    await reloaded.logout()
    setActivePinia(createPinia())
    expect(useAuthStore().isAuthenticated).toBe(false)
  })

  it('forgets a stored session that has expired', () => {
    sessionStorage.setItem('shuiwu.session', JSON.stringify({ token: 't', user: LOGIN.user, expiresAt: Date.now() - 1000 }))
    expect(useAuthStore().isAuthenticated).toBe(false)
    expect(sessionStorage.getItem('shuiwu.session')).toBeNull()
  })

  it('a 401 from the API signs out and returns to the login page, then back', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const router = createAppRouter(createMemoryHistory())
    connectSession(pinia, router)
    const auth = useAuthStore()

    fetchMock.mockResolvedValueOnce(json(200, LOGIN))
    await auth.login('zhang_wei', 'Qinghe2026water')
    await router.push('/bills')
    expect(router.currentRoute.value.name).toBe('bills')

    // The API refuses the token, and the refresh cookie is gone too.
    fetchMock.mockImplementation(async (url) =>
      url === '/api/v1/auth/refresh'
        ? json(401, { error: { code: 'unauthorized', message: '请重新登录' } })
        : json(401, { error: { code: 'unauthorized', message: '登录已失效，请重新登录' } }),
    )
    await expect(api.listHouseholds()).rejects.toThrow('登录已失效，请重新登录')
    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual([
      '/api/v1/auth/login',
      '/api/v1/households',
      '/api/v1/auth/refresh',
    ])
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('login'))
    expect(router.currentRoute.value.query.redirect).toBe('/bills')
    expect(auth.token).toBeNull()
    expect(sessionStorage.getItem('shuiwu.session')).toBeNull()
  })

  it('a 401 is answered by a silent refresh and one retry, staying on the page', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const router = createAppRouter(createMemoryHistory())
    connectSession(pinia, router)
    const auth = useAuthStore()
    fetchMock.mockResolvedValueOnce(json(200, { ...LOGIN, session_id: 's1' }))
    await auth.login('zhang_wei', 'Qinghe2026water', { remember: true })
    expect(JSON.parse(fetchMock.mock.calls[0][1].body).remember).toBe(true)
    await router.push('/bills')

    fetchMock
      .mockResolvedValueOnce(json(401, { error: { code: 'unauthorized', message: '登录已过期，请重新登录' } }))
      .mockResolvedValueOnce(json(200, { access_token: 'tok-new', expires_in: 900, user: LOGIN.user, session_id: 's1' }))
      .mockResolvedValueOnce(json(200, [{ id: 1 }]))
    await expect(api.listHouseholds()).resolves.toEqual([{ id: 1 }])
    expect(fetchMock.mock.calls[2][0]).toBe('/api/v1/auth/refresh')
    expect(fetchMock.mock.calls[2][1].credentials).toBe('same-origin')
    expect(fetchMock.mock.calls[3][1].headers.Authorization).toBe('Bearer tok-new')
    expect(auth.token).toBe('tok-new')
    expect(JSON.parse(sessionStorage.getItem('shuiwu.session')).token).toBe('tok-new')
    expect(router.currentRoute.value.name).toBe('bills')
  })

  it('a token about to expire is renewed before the call, not after a 401', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    connectSession(pinia, createAppRouter(createMemoryHistory()))
    const auth = useAuthStore()
    auth.applyLogin({ ...LOGIN, expires_in: 10 }) // 10 s left
    fetchMock
      .mockResolvedValueOnce(json(200, { access_token: 'tok-fresh', expires_in: 900, user: LOGIN.user }))
      .mockResolvedValueOnce(json(200, []))
    await api.listHouseholds()
    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual(['/api/v1/auth/refresh', '/api/v1/households'])
    expect(fetchMock.mock.calls[1][1].headers.Authorization).toBe('Bearer tok-fresh')
  })

  it('记住我: a new tab with no token is signed in from the refresh cookie before the guard decides', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const router = createAppRouter(createMemoryHistory())
    connectSession(pinia, router)
    fetchMock.mockResolvedValueOnce(json(200, { access_token: 'tok-r', expires_in: 900, user: LOGIN.user, session_id: 's9' }))
    await router.push('/bills')
    expect(router.currentRoute.value.name).toBe('bills')
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(useAuthStore().sessionId).toBe('s9')
  })

  it('without a usable cookie the visitor goes to login after one try, not a loop', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const router = createAppRouter(createMemoryHistory())
    connectSession(pinia, router)
    fetchMock.mockResolvedValue(json(401, { error: { code: 'unauthorized', message: '请先登录' } }))
    await router.push('/bills')
    expect(router.currentRoute.value.name).toBe('login')
    await router.push('/settings')
    expect(router.currentRoute.value.name).toBe('login')
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })

  it('退出 ends the session on the server, then here', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    connectSession(pinia, createAppRouter(createMemoryHistory()))
    const auth = useAuthStore()
    auth.applyLogin(LOGIN)
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }))
    await auth.logout()
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/auth/logout')
    expect(fetchMock.mock.calls[0][1].headers.Authorization).toBe('Bearer tok-abc')
    expect(auth.token).toBeNull()
    expect(sessionStorage.getItem('shuiwu.session')).toBeNull()
  })

  it('tells the user why only when a session actually ended', async () => {
    setActivePinia(createPinia())
    const router = createAppRouter(createMemoryHistory())
    await router.push('/login')
    const auth = useAuthStore()
    const notify = vi.fn()
    handleUnauthorized(auth, router, notify)
    expect(notify).not.toHaveBeenCalled()
  })
})
