// Connects the API client to the signed-in session: the token goes out with every call and is
// renewed before it expires; a 401 gets one silent refresh and retry, and only when that fails
// too does the user go back to the login page (and then back here).
import { ElMessage } from 'element-plus'
import { configureClient, refreshSession } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import { useHouseholdsStore } from '@/stores/households'

const EARLY_MS = 60_000 // renew a minute before the token runs out
const EXPIRING_MS = 30_000 // a request this close to expiry renews first

export function handleUnauthorized(auth, router, notify = () => {}) {
  const wasSignedIn = Boolean(auth.token)
  auth.clear()
  const current = router.currentRoute.value
  if (current.name === 'login' || current.meta?.public) return
  if (wasSignedIn) notify('登录已失效，请重新登录')
  const redirect = current.fullPath && current.fullPath !== '/' ? current.fullPath : undefined
  router.replace({ name: 'login', query: redirect ? { redirect } : {} })
}

export function connectSession(pinia, router) {
  const auth = useAuthStore(pinia)
  configureClient({
    getToken: () => auth.token,
    refresh: () => auth.refresh(),
    isExpiring: () => Boolean(auth.token) && auth.expiresAt - Date.now() < EXPIRING_MS,
    onUnauthorized: () => {
      useHouseholdsStore(pinia).$reset()
      handleUnauthorized(auth, router, (message) => ElMessage.warning(message))
    },
  })

  // Renew ahead of expiry so an open page never meets an expired token.
  let timer = null
  const schedule = () => {
    clearTimeout(timer)
    timer = null
    if (!auth.token || !auth.expiresAt) return
    const wait = Math.max(5_000, auth.expiresAt - Date.now() - EARLY_MS)
    timer = setTimeout(() => refreshSession(), Math.min(wait, 2 ** 31 - 1))
  }
  auth.$subscribe(schedule)
  schedule()
  return () => clearTimeout(timer)
}
