// The embeddable chat widget: one script tag on any page.
//
//   <script src="https://水务站点/widget/widget.js" defer></script>
//
// Optional attributes: data-socket-url (the chat socket's origin; default from the service's
// /widget/config.json), data-api-base (the service's origin; default the script's),
// data-photo-text (message sent with a photo when nothing was typed), data-auto="false"
// (do not mount; call window.ShuiwuChat.mount({...}) yourself, e.g. with getToken).
// Without a token the visitor chats anonymously (FAQ, outages, how-to).
import { ChatWidget } from './view.js'

const script = typeof document !== 'undefined' ? document.currentScript : null

function scriptOrigin() {
  try {
    return script?.src ? new URL(script.src, location.href).origin : location.origin
  } catch {
    return location.origin
  }
}

/** Where the chat socket is: the attribute, else what the service says, else beside the script. */
export async function resolveSocketUrl(base, given, fetcher = globalThis.fetch) {
  if (given) return given
  try {
    const response = await fetcher(`${base}/widget/config.json`, { credentials: 'omit' })
    if (response.ok) {
      const config = await response.json()
      if (config.socket_url) return config.socket_url
    }
  } catch {
    // Offline or an old service: the same origin as the script (reverse proxy).
  }
  return base
}

export async function mount(options = {}) {
  const apiBase = options.apiBase ?? script?.dataset.apiBase ?? scriptOrigin()
  const base = apiBase || location.origin
  const socketUrl = await resolveSocketUrl(base, options.socketUrl ?? script?.dataset.socketUrl)
  const widget = new ChatWidget({
    ...options,
    apiBase: apiBase === location.origin ? '' : apiBase,
    socketUrl,
    photoText: options.photoText ?? script?.dataset.photoText ?? undefined,
  })
  return widget.mount(options.target || document.body)
}

if (typeof window !== 'undefined') {
  window.ShuiwuChat = { mount, ChatWidget }
  if (script && script.dataset.auto !== 'false' && !document.querySelector('[data-shuiwu-widget]')) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mount())
    else mount()
  }
}
