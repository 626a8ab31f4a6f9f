// The conversation kept across page reloads, per person: a logged-in user's in sessionStorage
// (gone when the tab closes, like the portal's login), an anonymous visitor's in localStorage.
const PREFIX = 'shuiwu.chat.'
export const MAX_ENTRIES = 150

function safeParse(raw, fallback) {
  try {
    const value = JSON.parse(raw)
    return value ?? fallback
  } catch {
    return fallback
  }
}

export class ChatHistory {
  constructor(storage, senderId) {
    this.storage = storage
    this.key = `${PREFIX}history.${senderId}`
    const saved = safeParse(storage?.getItem(this.key), [])
    this.entries = Array.isArray(saved) ? saved.filter((e) => e && typeof e === 'object') : []
  }

  add(entry) {
    this.entries.push({ ts: Date.now(), ...entry })
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES)
    this.save()
    return this.entries[this.entries.length - 1]
  }

  update(id, patch) {
    const entry = this.entries.find((e) => e.id === id)
    if (entry) {
      Object.assign(entry, patch)
      this.save()
    }
    return entry
  }

  has(id) {
    return this.entries.some((e) => e.id === id)
  }

  clear() {
    this.entries = []
    this.storage?.removeItem(this.key)
  }

  save() {
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.entries))
    } catch {
      // Storage full or disabled (private mode): the conversation still works, unsaved.
      this.entries.splice(0, Math.ceil(this.entries.length / 2))
    }
  }
}

/** What the visitor was typing, kept through reloads and reconnects. */
export const draft = {
  get: (storage) => storage?.getItem(`${PREFIX}draft`) || '',
  set: (storage, text) => {
    try {
      if (text) storage?.setItem(`${PREFIX}draft`, text)
      else storage?.removeItem(`${PREFIX}draft`)
    } catch {
      // Not kept then.
    }
  },
}

export const anonToken = {
  get: (storage) => storage?.getItem(`${PREFIX}anon`) || null,
  set: (storage, token) => {
    try {
      if (token) storage?.setItem(`${PREFIX}anon`, token)
    } catch {
      // A new anonymous conversation after the next reload, then.
    }
  },
}

/** window.localStorage / sessionStorage, or a memory stand-in where the page may not use them
 *  (sandboxed frames, about:blank, storage disabled): the chat works, it is just not kept. */
const memory = {}
export function storage(kind) {
  try {
    const s = window[kind]
    s.getItem('shuiwu.chat.probe')
    return s
  } catch {
    const data = (memory[kind] ||= new Map())
    return {
      getItem: (k) => (data.has(k) ? data.get(k) : null),
      setItem: (k, v) => data.set(k, String(v)),
      removeItem: (k) => data.delete(k),
    }
  }
}
