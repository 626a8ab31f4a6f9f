// The chat widget on the portal's pages, signed in as the portal's user: it takes the access
// token from the auth store, renews it through the portal's refresh, and hears of new tokens.
import { onBeforeUnmount, onMounted, watch } from 'vue'
import { refreshSession } from '@/api/client'
import { mount } from './main.js'

// Element Plus marks <body> with this class while a modal dialog locks the page. The launcher sits
// above everything (so it stays visible on any host page); on a phone it would cover the dialog's
// buttons, so it steps aside while such a dialog is open.
const MODAL_OPEN = 'el-popup-parent--hidden'

function yieldToModals() {
  const sync = () => {
    const host = document.getElementById('shuiwu-chat')
    if (host) host.style.display = document.body.classList.contains(MODAL_OPEN) ? 'none' : ''
  }
  const observer = new MutationObserver(sync)
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] })
  sync()
  return observer
}

export function usePortalChat(auth) {
  let widget = null
  let gone = false
  let observer = null
  const token = () => (auth.isAuthenticated ? auth.token : null)
  onMounted(async () => {
    const mounted = await mount({ apiBase: '', getToken: token, refreshToken: refreshSession })
    if (gone) mounted.destroy()
    else {
      widget = mounted
      observer = yieldToModals()
    }
  })
  watch(() => auth.token, () => widget?.setToken(token()))
  onBeforeUnmount(() => {
    gone = true
    observer?.disconnect()
    widget?.destroy()
  })
}
