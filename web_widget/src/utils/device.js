// A random id for this browser, kept in localStorage and sent with every login, so the server
// can tell a known device from a new one (and say so in its "new sign-in" alert).

export const DEVICE_KEY = 'shuiwu.device_id'

function randomId() {
  const c = globalThis.crypto
  if (c?.randomUUID) return c.randomUUID().replace(/-/g, '')
  const bytes = new Uint8Array(16)
  if (c?.getRandomValues) c.getRandomValues(bytes)
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

let memory = null // when storage is blocked (private mode, policies): stable for this page at least

export function getDeviceId(storage = globalThis.localStorage) {
  try {
    const saved = storage?.getItem(DEVICE_KEY)
    if (saved && /^[0-9a-f]{16,64}$/.test(saved)) return saved
    const id = randomId()
    storage?.setItem(DEVICE_KEY, id)
    return id
  } catch {
    memory = memory || randomId()
    return memory
  }
}
