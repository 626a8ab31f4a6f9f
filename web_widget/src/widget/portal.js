// The chat widget on the portal's pages, signed in as the portal's user: it takes the access
// token from the auth store, renews it through the portal's refresh, and hears of new tokens.
import { onBeforeUnmount, onMounted, watch } from 'vue'
import { refreshSession } from '@/api/client'
import { mount } from './main.js'

export function usePortalChat(auth) {
  let widget = null
  let gone = false
  const token = () => (auth.isAuthenticated ? auth.token : null)
  onMounted(async () => {
    const mounted = await mount({ apiBase: '', getToken: token, refreshToken: refreshSession })
    if (gone) mounted.destroy()
    else widget = mounted
  })
  watch(() => auth.token, () => widget?.setToken(token()))
  onBeforeUnmount(() => {
    gone = true
    widget?.destroy()
  })
}
