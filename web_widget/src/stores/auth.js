// The signed-in session. The access token and user live in memory and sessionStorage (a reload
// stays signed in); the refresh token is an HttpOnly cookie the browser keeps, which renews the
// access token before it expires and — with 记住我 — signs the resident back in after a restart.
import { defineStore } from 'pinia'
import * as api from '@/api'
import { getDeviceId } from '@/utils/device'

const KEY = 'shuiwu.session'
let inflight = null // one /auth/refresh at a time in this tab

function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || 'null')
    if (saved?.token && saved?.user && saved.expiresAt > Date.now()) return saved
  } catch {
    // A damaged entry is the same as none.
  }
  sessionStorage.removeItem(KEY)
  return null
}

/** Across tabs, too: two tabs rotating the same refresh cookie at once would look like theft. */
function exclusively(task) {
  const locks = globalThis.navigator?.locks
  return locks?.request ? locks.request('shuiwu.refresh', task) : task()
}

export const useAuthStore = defineStore('auth', {
  state: () => {
    const saved = restore()
    return {
      token: saved?.token ?? null,
      user: saved?.user ?? null,
      expiresAt: saved?.expiresAt ?? 0,
      sessionId: saved?.sessionId ?? null,
      restoreTried: false,
    }
  },
  getters: {
    isAuthenticated: (s) => Boolean(s.token) && s.expiresAt > Date.now(),
    role: (s) => s.user?.role ?? null,
    isStaff: (s) => s.user?.role === 'staff' || s.user?.role === 'admin',
    isAdmin: (s) => s.user?.role === 'admin',
    // 绑定审核: customer service and admins. Older servers do not say which function a staff member has.
    canReviewBindings: (s) =>
      s.user?.role === 'admin' ||
      (s.user?.role === 'staff' && (s.user?.staff_function ?? 'customer_service') === 'customer_service'),
    displayName: (s) => s.user?.display_name || s.user?.username || '',
  },
  actions: {
    /** Take in a login, registration or refresh response. */
    applyLogin(result) {
      this.token = result.access_token
      this.user = result.user ?? this.user
      this.expiresAt = Date.now() + Number(result.expires_in || 0) * 1000
      this.sessionId = result.session_id ?? this.sessionId
      this.restoreTried = true
      sessionStorage.setItem(
        KEY,
        JSON.stringify({ token: this.token, user: this.user, expiresAt: this.expiresAt, sessionId: this.sessionId }),
      )
      return this.user
    },
    async login(username, password, { remember = false } = {}) {
      const result = await api.login({ username: username.trim(), password, remember, device_id: getDeviceId() })
      return this.applyLogin(result)
    },
    async loginSms(phone, code, { remember = false } = {}) {
      const result = await api.loginSms({ phone: phone.trim(), code: code.trim(), remember, device_id: getDeviceId() })
      return this.applyLogin(result)
    },
    /** A new access token from the refresh cookie: true if renewed, false if the session is over. */
    refresh() {
      if (!inflight) {
        inflight = exclusively(async () => {
          try {
            this.applyLogin(await api.refresh())
            return true
          } catch {
            return false
          }
        }).finally(() => {
          inflight = null
        })
      }
      return inflight
    },
    /** Once per page load, with no token: a remembered (or still open) session may be waiting in the cookie. */
    async restore() {
      if (this.isAuthenticated) return true
      if (this.restoreTried) return false
      this.restoreTried = true
      return this.refresh()
    },
    updateUser(patch) {
      this.user = { ...this.user, ...patch }
      if (this.token) {
        sessionStorage.setItem(
          KEY,
          JSON.stringify({ token: this.token, user: this.user, expiresAt: this.expiresAt, sessionId: this.sessionId }),
        )
      }
    },
    /** 退出: end the session on the server (and its cookie), then here. */
    async logout() {
      try {
        await api.logout()
      } catch {
        // Already over on the server, or offline: this browser forgets it either way.
      }
      this.clear()
    },
    /** Forget the session in this tab only. */
    clear() {
      this.token = null
      this.user = null
      this.expiresAt = 0
      this.sessionId = null
      this.restoreTried = true
      sessionStorage.removeItem(KEY)
    },
  },
})
