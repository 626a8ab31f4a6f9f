// The chat window: launcher button, conversation log, quick replies, charts, photo upload,
// composer. Built with plain DOM inside a shadow root; state lives in ChatHistory/ChatConnection.
import { io as socketIo } from 'socket.io-client'
import { loadCharts } from './charts-loader.js'
import { ChatConnection } from './connection.js'
import { ChatHistory, anonToken, draft, storage } from './history.js'
import { botEntry, renderMarkdown } from './render.js'
import { STYLE } from './styles.js'

export const TEXT = {
  launcher: '在线客服',
  title: '智慧水务在线客服',
  close: '关闭客服窗口',
  input: '输入您的问题',
  placeholder: '请输入您的问题，Enter 发送，Shift+Enter 换行',
  send: '发送',
  upload: '上传照片或拍照',
  typing: '客服正在输入',
  log: '对话记录',
  welcome: '您好，我是智慧水务在线客服，可以帮您查水费、查用水、报修、抄表、了解停水通知和水价政策。请问有什么可以帮您？',
  connecting: '正在连接客服…',
  offline: '网络连接中断，正在重新连接…（您输入的内容不会丢失，恢复后自动发送）',
  refused: '登录状态已失效，当前以访客身份咨询。',
  pending: '等待发送',
  failed: '发送失败',
  guest: '访客',
  signedIn: '已登录',
  photo: '照片',
  uploading: '正在上传照片…',
  needLogin: '上传照片需要先登录网上营业厅。',
  notImage: '请选择图片文件（JPG、PNG、HEIC 等）。',
  tooBig: '照片太大，请选择 10 MB 以内的图片。',
  uploadFailed: '照片上传失败，请稍后重试。',
  newMessage: '（有新消息）',
}
const MAX_PHOTO_BYTES = 10 * 1024 * 1024

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue
    if (k === 'class') node.className = v
    else if (k === 'text') node.textContent = v
    else node.setAttribute(k, v === true ? '' : v)
  }
  for (const child of children) if (child) node.append(child)
  return node
}

export class ChatWidget {
  /**
   * @param {object} o
   * @param {string} o.socketUrl     origin of the chat socket
   * @param {string} [o.apiBase]     origin of the app (uploads); '' = this page
   * @param {Function} [o.getToken]  () => the user's access token, or null (anonymous)
   * @param {Function} [o.refreshToken] async () => boolean
   * @param {string} [o.photoText]   message text sent with a photo when nothing was typed
   */
  constructor(o = {}) {
    const defaults = { socketPath: '/socket.io', apiBase: '', photoText: '/submit_meter_reading', io: socketIo }
    // An option given as undefined (an absent data- attribute) keeps its default.
    this.o = { ...defaults, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) }
    this.getToken = o.getToken || (() => null)
    this.history = null
    this.waiting = [] // entries typed before the server said who we are
    this.typingFor = new Set()
  }

  storageFor(identity) {
    return identity?.user_id != null ? storage('sessionStorage') : storage('localStorage')
  }

  mount(target = document.body) {
    this.host = el('div', { id: 'shuiwu-chat', 'data-shuiwu-widget': '' })
    const root = this.host.attachShadow({ mode: 'open' })
    this.root = root
    const style = el('style')
    style.textContent = STYLE
    this.launcher = el('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'sw-panel', 'aria-label': TEXT.launcher }, `💬 ${TEXT.launcher}`)
    this.who = el('span', { class: 'who' })
    this.closeBtn = el('button', { class: 'close', type: 'button', 'aria-label': TEXT.close }, '×')
    this.status = el('div', { class: 'status', role: 'status', hidden: true })
    this.log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': TEXT.log, tabindex: '0' })
    this.typing = el('div', { class: 'typing', hidden: true }, TEXT.typing, el('span', { class: 'dot', 'aria-hidden': 'true' }), el('span', { class: 'dot', 'aria-hidden': 'true' }), el('span', { class: 'dot', 'aria-hidden': 'true' }))
    this.input = el('textarea', { id: 'sw-input', rows: '1', placeholder: TEXT.placeholder, maxlength: '2000', enterkeyhint: 'send' })
    this.sendBtn = el('button', { class: 'send', type: 'submit' }, TEXT.send)
    this.file = el('input', { type: 'file', accept: 'image/*', capture: 'environment', 'aria-label': TEXT.upload })
    this.uploadLabel = el('label', { class: 'upload', title: TEXT.upload, hidden: true }, el('span', { 'aria-hidden': 'true' }, '📷'), this.file)
    this.form = el('form', { class: 'composer' },
      el('label', { class: 'sr-only', for: 'sw-input' }, TEXT.input), this.uploadLabel, this.input, this.sendBtn)
    this.panel = el('section', { class: 'panel', id: 'sw-panel', role: 'dialog', 'aria-labelledby': 'sw-title', hidden: true },
      el('div', { class: 'head' }, el('h2', { id: 'sw-title' }, TEXT.title), this.who, this.closeBtn),
      this.status, this.log, this.typing, this.form)
    root.append(style, el('div', { class: 'root' }, this.panel, this.launcher))
    target.appendChild(this.host)

    this.input.value = draft.get(storage('sessionStorage'))
    this.launcher.addEventListener('click', () => this.toggle(this.panel.hidden))
    this.closeBtn.addEventListener('click', () => this.toggle(false))
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.toggle(false)
    })
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault()
        this.submit()
      }
    })
    this.input.addEventListener('input', () => draft.set(storage('sessionStorage'), this.input.value))
    this.form.addEventListener('submit', (e) => {
      e.preventDefault()
      this.submit()
    })
    this.file.addEventListener('change', () => {
      const file = this.file.files?.[0]
      this.file.value = ''
      if (file) this.uploadPhoto(file)
    })
    if (storage('sessionStorage').getItem('shuiwu.chat.open') === '1') this.toggle(true, { focus: false })
    return this
  }

  toggle(open, { focus = true } = {}) {
    this.panel.hidden = !open
    this.launcher.setAttribute('aria-expanded', String(open))
    storage('sessionStorage').setItem('shuiwu.chat.open', open ? '1' : '0')
    if (open) {
      this.launcher.setAttribute('aria-label', TEXT.launcher)
      this.connect()
      if (focus) this.input.focus()
      this.scrollDown()
    } else if (focus) {
      this.launcher.focus()
    }
  }

  connect() {
    if (this.connection) return
    this.connection = new ChatConnection({
      io: this.o.io,
      url: this.o.socketUrl,
      path: this.o.socketPath,
      getToken: this.getToken,
      refreshToken: this.o.refreshToken,
      getAnonToken: () => anonToken.get(storage('localStorage')),
      on: {
        confirm: (c, changed) => this.onConfirm(c, changed),
        bot: (m) => this.onBot(m),
        typing: (on, id) => this.onTyping(on, id),
        echo: (d) => this.onEcho(d),
        status: (s, detail) => this.onStatus(s, detail),
        ack: (id, ack) => this.onAck(id, ack),
      },
    })
    this.connection.start()
  }

  /** The page's login changed (portal: token renewed, logged in or out). */
  setToken(token) {
    this.connection?.setToken(token)
  }

  destroy() {
    this.connection?.stop()
    this.host?.remove()
  }

  onConfirm(confirm, changed) {
    if (confirm.anon_token) anonToken.set(storage('localStorage'), confirm.anon_token)
    this.who.textContent = confirm.user_id != null ? TEXT.signedIn : TEXT.guest
    this.uploadLabel.hidden = confirm.user_id == null
    if (!changed && this.history) return
    this.history = new ChatHistory(this.storageFor(confirm), confirm.sender_id)
    if (!this.history.entries.length) this.history.add({ from: 'bot', text: TEXT.welcome, id: 'welcome' })
    // Unacknowledged messages of a previous page load go again, in order.
    for (const e of this.history.entries) {
      if (e.from === 'user' && e.status === 'pending' && e.message) this.connection.send(e.message, e.metadata, e.id)
    }
    for (const e of this.waiting) this.history.add(e)
    this.waiting = []
    this.renderAll()
  }

  addEntry(entry) {
    const saved = this.history ? this.history.add(entry) : (this.waiting.push(entry), entry)
    this.log.append(this.renderEntry(saved))
    this.scrollDown()
    return saved
  }

  updateEntry(id, patch) {
    const entry = this.history?.update(id, patch) || this.waiting.find((e) => e.id === id)
    if (!entry) return
    Object.assign(entry, patch)
    const node = this.log.querySelector(`[data-id="${CSS.escape(id)}"]`)
    if (node) node.replaceWith(this.renderEntry(entry))
  }

  submit() {
    const text = this.input.value.trim()
    if (!text) return
    this.sendText(text, text)
    this.input.value = ''
    draft.set(storage('sessionStorage'), '')
    this.input.focus()
  }

  /** Show `shown`, send `message` (a button shows its title and sends its payload). */
  sendText(shown, message, metadata = null, extra = {}) {
    this.connect()
    const id = this.connection.send(message, metadata)
    return this.addEntry({ id, from: 'user', text: shown, message, metadata, status: 'pending', ...extra })
  }

  onAck(id, ack) {
    if (ack.ok) this.updateEntry(id, { status: 'sent' })
    else this.updateEntry(id, { status: 'failed', error: ack.message || TEXT.failed })
  }

  onBot(message) {
    const entry = botEntry(message)
    if (!entry.text && !entry.buttons?.length && !entry.chart && !entry.image && !entry.link) return
    this.addEntry(entry)
    if (this.panel.hidden) this.launcher.setAttribute('aria-label', TEXT.launcher + TEXT.newMessage)
  }

  onEcho(data) {
    if (data?.id && this.history?.has(data.id)) return
    this.addEntry({ id: data?.id, from: 'user', text: String(data?.message ?? ''), status: 'sent' })
  }

  onTyping(on, id) {
    if (on) this.typingFor.add(id)
    else this.typingFor.delete(id)
    this.typing.hidden = this.typingFor.size === 0
    this.scrollDown()
  }

  onStatus(status, detail) {
    const text = { connecting: TEXT.connecting, offline: TEXT.offline, refused: detail ? `${detail}。${TEXT.refused}` : TEXT.refused }[status]
    this.status.hidden = !text
    this.status.textContent = text || ''
    if (status === 'offline') {
      this.typingFor.clear()
      this.typing.hidden = true
    }
  }

  async uploadPhoto(file) {
    const token = this.connection?.identity?.user_id != null ? this.getToken() : null
    const fail = (why) => this.addEntry({ from: 'bot', text: why, id: `local-${Date.now()}` })
    if (!token) return fail(TEXT.needLogin)
    if (!String(file.type || '').startsWith('image/') && !/\.(heic|heif)$/i.test(file.name || '')) return fail(TEXT.notImage)
    if (file.size > MAX_PHOTO_BYTES) return fail(TEXT.tooBig)
    const typed = this.input.value.trim()
    const preview = URL.createObjectURL(file)
    const local = `up-${Date.now()}`
    this.addEntry({ id: local, from: 'user', text: typed || `[${TEXT.photo}]`, photo: file.name || TEXT.photo, preview, status: 'uploading' })
    try {
      const body = new FormData()
      body.append('file', file, file.name || 'photo.jpg')
      const response = await fetch(`${this.o.apiBase}/api/v1/uploads`, {
        method: 'POST', body, headers: { Authorization: `Bearer ${this.getToken()}` },
      })
      const result = await response.json().catch(() => ({}))
      if (!response.ok) throw new Error(result?.error?.message || TEXT.uploadFailed)
      const metadata = { upload_id: result.upload_id }
      const id = this.connection.send(typed || this.o.photoText, metadata)
      this.updateEntry(local, { status: 'pending', message: typed || this.o.photoText, metadata })
      this.relabel(local, id)
      if (typed) {
        this.input.value = ''
        draft.set(storage('sessionStorage'), '')
      }
    } catch (err) {
      this.updateEntry(local, { status: 'failed', error: err.message || TEXT.uploadFailed })
    }
  }

  /** The local placeholder id of an uploaded photo becomes the sent message's id. */
  relabel(oldId, newId) {
    const entry = this.history?.entries.find((e) => e.id === oldId) || this.waiting.find((e) => e.id === oldId)
    if (entry) entry.id = newId
    this.history?.save()
    const node = this.log.querySelector(`[data-id="${CSS.escape(oldId)}"]`)
    if (node) node.dataset.id = newId
  }

  renderAll() {
    this.log.replaceChildren(...(this.history?.entries || []).map((e) => this.renderEntry(e)), ...this.waiting.map((e) => this.renderEntry(e)))
    this.scrollDown()
  }

  renderEntry(entry) {
    const node = el('div', { class: `msg ${entry.from}`, 'data-id': entry.id || '' })
    if (entry.from === 'user') {
      if (entry.preview) node.append(el('img', { class: 'photo', src: entry.preview, alt: `${TEXT.photo}：${entry.photo}` }))
      else if (entry.photo) node.append(el('span', { 'aria-hidden': 'true' }, '📷 '))
      node.append(document.createTextNode(entry.text || ''))
      const meta = { pending: TEXT.pending, uploading: TEXT.uploading, failed: `${TEXT.failed}：${entry.error || ''}` }[entry.status]
      if (meta) node.append(el('span', { class: 'meta', role: entry.status === 'failed' ? 'alert' : null }, meta))
      if (entry.status === 'failed') node.classList.add('failed')
      return node
    }
    if (entry.text) {
      const body = el('div')
      body.innerHTML = renderMarkdown(entry.text)
      // On a host page elsewhere, our own links (/login) point back at the service's site.
      if (this.o.apiBase) {
        for (const a of body.querySelectorAll('a[href^="/"]')) a.setAttribute('href', this.o.apiBase + a.getAttribute('href'))
      }
      node.append(body)
    }
    if (entry.image) node.append(el('img', { class: 'photo', src: entry.image, alt: '' }))
    if (entry.link) {
      const back = encodeURIComponent(location.pathname + location.search)
      const url = `${this.o.apiBase}${entry.link.url}${this.o.apiBase ? '' : `?redirect=${back}`}`
      node.append(el('a', { class: 'action-link', href: url }, entry.link.title))
    }
    if (entry.chart) {
      node.classList.add('has-chart')
      if (entry.chart.title) node.append(el('div', { class: 'chart-title' }, entry.chart.title))
      const box = el('div', { class: 'chart', role: 'img', 'aria-label': entry.chart.title || '图表' })
      node.append(box)
      loadCharts(this.o.apiBase || location.origin)
        .then(({ renderChart }) => requestAnimationFrame(() => renderChart(box, entry.chart.option)))
        .catch(() => {
          box.textContent = '图表加载失败'
        })
    }
    if (entry.buttons?.length) {
      const group = el('div', { class: 'replies', role: 'group', 'aria-label': '快捷回复' })
      for (const b of entry.buttons) {
        const btn = el('button', { type: 'button', disabled: entry.used ? true : null }, b.title)
        btn.addEventListener('click', () => {
          this.sendText(b.title, b.payload)
          entry.used = true
          this.history?.save()
          for (const other of group.querySelectorAll('button')) other.disabled = true
        })
        group.append(btn)
      }
      node.append(group)
    }
    return node
  }

  scrollDown() {
    requestAnimationFrame?.(() => {
      this.log.scrollTop = this.log.scrollHeight
    })
  }
}
