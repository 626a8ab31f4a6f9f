// The socket to the assistant (channels/web.py on the Rasa server). Messages go through an
// outbox: sent when the socket is up, kept while it is down and flushed after reconnecting,
// removed only when the server acknowledged them. A token the server calls expired is renewed
// (refreshToken) and presented again with `authenticate`, then the message is retried.
const ACK_TIMEOUT_MS = 10_000
let counter = 0

export function newMessageId() {
  counter += 1
  return `w${Date.now().toString(36)}${counter.toString(36)}${Math.random().toString(36).slice(2, 6)}`
}

export class ChatConnection {
  /**
   * @param {object} o
   * @param {Function} o.io            socket.io-client's `io`
   * @param {string} o.url             origin of the chat socket ('' = this page's)
   * @param {Function} o.getToken      () => access token or null (anonymous)
   * @param {Function} [o.refreshToken] async () => boolean: renew the token
   * @param {Function} o.getAnonToken  () => token we were given as an anonymous visitor
   * @param {object} o.on              {confirm, bot, typing, echo, status, ack}
   */
  constructor({ io, url = '', path = '/socket.io', transports = ['websocket'], getToken, refreshToken, getAnonToken, on }) {
    this.io = io
    this.url = url
    this.path = path
    this.transports = transports
    this.getToken = getToken || (() => null)
    this.refreshToken = refreshToken || null
    this.getAnonToken = getAnonToken || (() => null)
    this.on = on || {}
    this.outbox = [] // [{id, message, metadata, inflight}]
    this.identity = null
    this.anonymousOnly = false
    this.socket = null
    this.status = 'idle'
  }

  authPayload() {
    const token = this.anonymousOnly ? null : this.getToken()
    if (token) return { token }
    const anon = this.getAnonToken()
    return anon ? { anon_token: anon } : {}
  }

  setStatus(status, detail) {
    this.status = status
    this.on.status?.(status, detail)
  }

  start() {
    if (this.socket) return
    this.setStatus('connecting')
    const socket = this.io(this.url || undefined, {
      path: this.path,
      transports: this.transports,
      auth: (cb) => cb(this.authPayload()),
      reconnectionDelay: 800,
      reconnectionDelayMax: 8000,
    })
    this.socket = socket
    socket.on('session_confirm', (confirm) => {
      const changed = this.identity?.sender_id !== confirm.sender_id
      this.identity = confirm
      this.setStatus('online')
      this.on.confirm?.(confirm, changed)
      this.flush()
    })
    socket.on('bot_uttered', (message) => this.on.bot?.(message))
    socket.on('bot_typing', (data) => this.on.typing?.(Boolean(data?.typing), data?.reply_to))
    socket.on('user_echo', (data) => this.on.echo?.(data))
    socket.on('disconnect', (reason) => {
      for (const item of this.outbox) item.inflight = false
      this.setStatus('offline', reason)
      // The server closed it (e.g. restarted): reconnect ourselves, socket.io will not.
      if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000)
    })
    socket.on('connect_error', (err) => this.onConnectError(err))
  }

  async onConnectError(err) {
    const refused = err?.data?.code === 'auth_failed'
    if (!refused) {
      this.setStatus('offline', 'connect_error')
      return // socket.io retries by itself
    }
    if (this.refreshToken && !this.anonymousOnly && (await this.refreshToken())) {
      this.socket.connect()
      return
    }
    // No usable login: chat on as an anonymous visitor rather than not at all.
    this.anonymousOnly = true
    this.setStatus('refused', err?.message)
    this.socket.connect()
  }

  /** Queue a message; returns its id. Sent now if online, after reconnecting otherwise. */
  send(message, metadata = null, id = newMessageId()) {
    this.outbox.push({ id, message, metadata, inflight: false })
    this.flush()
    return id
  }

  flush() {
    if (!this.socket?.connected || this.status !== 'online') return
    for (const item of this.outbox) {
      if (item.inflight) continue
      item.inflight = true
      const data = { message: item.message, id: item.id }
      if (item.metadata) data.metadata = item.metadata
      this.socket.timeout(ACK_TIMEOUT_MS).emit('user_uttered', data, (err, ack) => this.onAck(item, err, ack))
    }
  }

  async onAck(item, err, ack) {
    item.inflight = false
    if (err) {
      // No answer in time: the socket is probably down; it goes again after reconnecting.
      return
    }
    if (ack?.error === 'expired') {
      if (await this.reauthenticate()) this.flush()
      else this.drop(item, ack)
      return
    }
    this.drop(item, ack)
  }

  drop(item, ack) {
    this.outbox = this.outbox.filter((i) => i !== item)
    this.on.ack?.(item.id, ack || { ok: false })
  }

  /** A fresh token (after the page renewed it) for the live socket; true when accepted. */
  async reauthenticate() {
    if (this.refreshToken) await this.refreshToken()
    const token = this.anonymousOnly ? null : this.getToken()
    if (!token || !this.socket?.connected) return false
    const answer = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('authenticate', { token }).catch(() => null)
    return Boolean(answer?.ok)
  }

  /** The page's login changed: present the new token (or reconnect anonymous after logout). */
  setToken(token) {
    if (!this.socket) return
    if (token) {
      this.anonymousOnly = false
      if (this.socket.connected) this.socket.emit('authenticate', { token })
    } else if (this.identity?.user_id != null) {
      this.socket.disconnect()
      this.socket.connect()
    }
  }

  stop() {
    this.socket?.disconnect()
    this.socket = null
  }
}
