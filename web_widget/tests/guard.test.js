import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { createPinia, setActivePinia } from 'pinia'
import { checkAccess, safeRedirect } from '@/router/guard'
import { createAppRouter } from '@/router'
import { useAuthStore } from '@/stores/auth'

const anonymous = { isAuthenticated: false, role: null, isStaff: false }
const resident = { isAuthenticated: true, role: 'resident', isStaff: false }
const staff = { isAuthenticated: true, role: 'staff', isStaff: true }
const admin = { isAuthenticated: true, role: 'admin', isStaff: true }

const route = (name, fullPath, meta = {}) => ({ name, fullPath, meta })
const login = route('login', '/login', { public: true })
const home = route('home', '/')
const bills = route('bills', '/bills?x=1')
const consolePage = route('console', '/console', { roles: ['staff', 'admin'] })

describe('checkAccess', () => {
  it('sends visitors to the login page, remembering where they were going', () => {
    expect(checkAccess(home, anonymous)).toEqual({ name: 'login' })
    expect(checkAccess(bills, anonymous)).toEqual({ name: 'login', query: { redirect: '/bills?x=1' } })
    expect(checkAccess(login, anonymous)).toBe(true)
  })

  it('keeps residents out of the staff console', () => {
    expect(checkAccess(consolePage, resident)).toEqual({ name: 'home' })
    expect(checkAccess(home, resident)).toBe(true)
    expect(checkAccess(bills, resident)).toBe(true)
  })

  it('lets staff and admins into the console', () => {
    expect(checkAccess(consolePage, staff)).toBe(true)
    expect(checkAccess(consolePage, admin)).toBe(true)
  })

  it('sends a signed-in user away from the login page to their start page', () => {
    expect(checkAccess(login, resident)).toEqual({ name: 'home' })
    expect(checkAccess(login, staff)).toEqual({ name: 'console' })
    expect(checkAccess(route('register', '/register', { public: true, guestOnly: true }), resident)).toEqual({ name: 'home' })
    // The email link and the "not me" alert work whether signed in or not.
    expect(checkAccess(route('not-me', '/not-me?token=x', { public: true }), resident)).toBe(true)
    expect(checkAccess(route('not-me', '/not-me?token=x', { public: true }), anonymous)).toBe(true)
  })

  it('only follows in-app redirects after login', () => {
    expect(safeRedirect('/bills')).toBe('/bills')
    expect(safeRedirect('//evil.example/x')).toBeNull()
    expect(safeRedirect('https://evil.example')).toBeNull()
    expect(safeRedirect('/login?redirect=/')).toBeNull()
    expect(safeRedirect('/register')).toBeNull()
    expect(safeRedirect('/settings')).toBe('/settings')
    expect(safeRedirect(undefined)).toBeNull()
  })
})

describe('the router with the real session store', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('guards every portal route and the role-limited console', async () => {
    // No refresh cookie: the one silent sign-in attempt is refused.
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{}', { status: 401 })))
    setActivePinia(createPinia())
    const router = createAppRouter(createMemoryHistory())
    const auth = useAuthStore()

    await router.push('/console')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/console')

    auth.$patch({ token: 't', user: { id: 1, username: 'r', display_name: '居民', role: 'resident' }, expiresAt: Date.now() + 60_000 })
    await router.push('/console')
    expect(router.currentRoute.value.name).toBe('home')

    auth.$patch({ user: { id: 2, username: 's', display_name: '客服', role: 'staff' } })
    await router.push('/console')
    expect(router.currentRoute.value.name).toBe('console')

    auth.$patch({ user: { id: 3, username: 'a', display_name: '管理员', role: 'admin' } })
    await router.push('/console/users')
    expect(router.currentRoute.value.name).toBe('console-users')
    auth.$patch({ user: { id: 2, username: 's', display_name: '客服', role: 'staff' } })
    await router.push('/console/outbox')
    expect(router.currentRoute.value.name).toBe('home')

    await router.push('/repairs')
    expect(router.currentRoute.value.name).toBe('repairs')
    await router.push('/console/tickets')
    expect(router.currentRoute.value.name).toBe('console-tickets')
    auth.$patch({ user: { id: 1, username: 'r', display_name: '居民', role: 'resident' } })
    await router.push('/repairs')
    await router.push('/console/tickets')
    expect(router.currentRoute.value.name).toBe('home')
    auth.$patch({ user: { id: 2, username: 's', display_name: '客服', role: 'staff' } })

    auth.$patch({ expiresAt: Date.now() - 1 })
    await router.push('/bills')
    expect(router.currentRoute.value.name).toBe('login')
  })
})
