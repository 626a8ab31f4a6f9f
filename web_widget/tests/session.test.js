import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import { createAppRouter } from '@/router'
import { useAuthStore } from '@/stores/auth'
import { connectSession, handleUnauthorized } from '@/session'
import * as api from '@/api'

const LOGIN = {
  access_token: 'tok-abc',
  token_type: 'bearer',
  expires_in: 900,
  user: { id: 7, username: 'zhang_wei', display_name: '张伟', role: 'resident' },
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('session', () => {
  let fetchMock

  beforeEach(() => {
    sessionStorage.clear()
    setActivePinia(createPinia())
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
  })

  afterEach(() => vi.unstubAllGlobals())

  it('keeps the login in sessionStorage so a reload stays signed in', async () => {
    fetchMock.mockResolvedValue(json(200, LOGIN))
    const auth = useAuthStore()
    await auth.login('  zhang_wei ', 'Qinghe2026water')
    expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({ username: 'zhang_wei', password: 'Qinghe2026water' })
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.displayName).toBe('张伟')

    setActivePinia(createPinia()) // a page reload
    const reloaded = useAuthStore()
    expect(reloaded.token).toBe('tok-abc')
    expect(reloaded.user.username).toBe('zhang_wei')

    reloaded.logout()
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

    fetchMock.mockResolvedValueOnce(json(401, { error: { code: 'unauthorized', message: '登录已失效，请重新登录' } }))
    await expect(api.listHouseholds()).rejects.toThrow('登录已失效，请重新登录')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('login'))
    expect(router.currentRoute.value.query.redirect).toBe('/bills')
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
