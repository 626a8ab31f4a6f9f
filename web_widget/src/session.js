// Connects the API client to the signed-in session: the token goes out with every call, and a
// 401 (token expired or revoked) signs out and returns to the login page, then back here.
import { ElMessage } from 'element-plus'
import { configureClient } from '@/api/client'
import { useAuthStore } from '@/stores/auth'
import { useHouseholdsStore } from '@/stores/households'

export function handleUnauthorized(auth, router, notify = () => {}) {
  const wasSignedIn = Boolean(auth.token)
  auth.logout()
  const current = router.currentRoute.value
  if (current.name === 'login') return
  if (wasSignedIn) notify('登录已过期，请重新登录')
  const redirect = current.fullPath && current.fullPath !== '/' ? current.fullPath : undefined
  router.replace({ name: 'login', query: redirect ? { redirect } : {} })
}

export function connectSession(pinia, router) {
  const auth = useAuthStore(pinia)
  configureClient({
    getToken: () => auth.token,
    onUnauthorized: () => {
      useHouseholdsStore(pinia).$reset()
      handleUnauthorized(auth, router, (message) => ElMessage.warning(message))
    },
  })
}
