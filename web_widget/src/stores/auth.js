// The signed-in session: token and user, kept in sessionStorage so a reload stays signed in
// but closing the tab signs out.
import { defineStore } from 'pinia'
import * as api from '@/api'

const KEY = 'shuiwu.session'

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

export const useAuthStore = defineStore('auth', {
  state: () => {
    const saved = restore()
    return {
      token: saved?.token ?? null,
      user: saved?.user ?? null,
      expiresAt: saved?.expiresAt ?? 0,
    }
  },
  getters: {
    isAuthenticated: (s) => Boolean(s.token) && s.expiresAt > Date.now(),
    role: (s) => s.user?.role ?? null,
    isStaff: (s) => s.user?.role === 'staff' || s.user?.role === 'admin',
    displayName: (s) => s.user?.display_name || s.user?.username || '',
  },
  actions: {
    async login(username, password) {
      const result = await api.login(username.trim(), password)
      this.token = result.access_token
      this.user = result.user
      this.expiresAt = Date.now() + result.expires_in * 1000
      sessionStorage.setItem(
        KEY,
        JSON.stringify({ token: this.token, user: this.user, expiresAt: this.expiresAt }),
      )
      return result.user
    },
    logout() {
      this.token = null
      this.user = null
      this.expiresAt = 0
      sessionStorage.removeItem(KEY)
    },
  },
})
