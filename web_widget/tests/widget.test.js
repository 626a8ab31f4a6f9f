// The chat widget's logic: rendering and sanitising answers, history, the reconnect outbox.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { botEntry, renderMarkdown } from '../src/widget/render.js'
import { ChatHistory, MAX_ENTRIES, anonToken, draft } from '../src/widget/history.js'
import { ChatConnection } from '../src/widget/connection.js'
import { resolveSocketUrl } from '../src/widget/main.js'

describe('renderMarkdown', () => {
  it('renders the assistant’s Markdown', () => {
    const html = renderMarkdown('本月水费 **86.40 元**\n\n- 第一阶梯 12 m³\n- 第二阶梯 3 m³')
    expect(html).toContain('<strong>86.40 元</strong>')
    expect(html).toContain('<li>第一阶梯 12 m³</li>')
  })

  it('never lets HTML or scripts through, even quoted from the resident', () => {
    const html = renderMarkdown('您说：<img src=x onerror=alert(1)><script>alert(2)</script>[点我](javascript:alert(3))')
    const box = document.createElement('div')
    box.innerHTML = html
    expect(box.querySelector('img, script')).toBeNull()
    expect(html).not.toMatch(/<img|<script/i)
    expect(box.querySelector('a')).toBeNull() // javascript: links are not links
    expect(box.textContent).toContain('<img src=x onerror=alert(1)>')
  })

  it('opens outside links in a new tab without opener, our own pages in place', () => {
    const box = document.createElement('div')
    box.innerHTML = renderMarkdown('[登录](/login) 或 [水价公告](https://example.gov.cn/price)')
    const [own, outside] = box.querySelectorAll('a')
    expect(own.getAttribute('href')).toBe('/login')
    expect(own.getAttribute('target')).toBeNull()
    expect(outside.getAttribute('target')).toBe('_blank')
    expect(outside.getAttribute('rel')).toBe('noopener noreferrer')
  })
})

describe('botEntry', () => {
  it('keeps text, quick replies and charts in the shapes the channel sends', () => {
    expect(botEntry({ text: '请选择', buttons: [{ title: '查水费', payload: '/query_bill' }, { bad: 1 }] })).toEqual({
      from: 'bot', text: '请选择', buttons: [{ title: '查水费', payload: '/query_bill' }],
    })
    const chart = botEntry({ custom: { type: 'chart', title: '近 12 个月用水', option: { series: [] } } })
    expect(chart.chart).toEqual({ title: '近 12 个月用水', option: { series: [] } })
  })

  it('turns the assistant’s login prompt into a link to our own login page only', () => {
    expect(botEntry({ custom: { type: 'login', url: '/login' } }).link).toEqual({ title: '登录网上营业厅', url: '/login' })
    expect(botEntry({ custom: { type: 'login', url: '//evil.example/login' } }).link).toBeUndefined()
    expect(botEntry({ custom: { type: 'login', url: 'javascript:alert(1)' } }).link).toBeUndefined()
  })

  it('drops images from unsafe places', () => {
    expect(botEntry({ image: 'javascript:alert(1)' }).image).toBeUndefined()
    expect(botEntry({ image: '/api/v1/uploads/3' }).image).toBe('/api/v1/uploads/3')
  })
})

describe('ChatHistory', () => {
  beforeEach(() => {
    localStorage.clear()
    sessionStorage.clear()
  })

  it('survives a reload, per person', () => {
    const mine = new ChatHistory(sessionStorage, 'user-1')
    mine.add({ id: 'a', from: 'user', text: '你好' })
    mine.update('a', { status: 'sent' })
    const reloaded = new ChatHistory(sessionStorage, 'user-1')
    expect(reloaded.entries).toMatchObject([{ id: 'a', text: '你好', status: 'sent' }])
    expect(new ChatHistory(sessionStorage, 'user-2').entries).toEqual([])
  })

  it('keeps only the newest entries and shrugs off damaged storage', () => {
    const h = new ChatHistory(localStorage, 'anon-x')
    for (let i = 0; i < MAX_ENTRIES + 10; i++) h.add({ id: String(i), from: 'user', text: String(i) })
    expect(h.entries).toHaveLength(MAX_ENTRIES)
    expect(h.entries[0].id).toBe('10')
    localStorage.setItem('shuiwu.chat.history.anon-y', '{not json')
    expect(new ChatHistory(localStorage, 'anon-y').entries).toEqual([])
  })

  it('keeps the draft and the anonymous token', () => {
    draft.set(sessionStorage, '我家水表')
    expect(draft.get(sessionStorage)).toBe('我家水表')
    draft.set(sessionStorage, '')
    expect(draft.get(sessionStorage)).toBe('')
    anonToken.set(localStorage, 'tok')
    expect(anonToken.get(localStorage)).toBe('tok')
  })
})

/** A stand-in for socket.io-client's socket: records emits, lets the test play the server. */
function fakeIo() {
  const sockets = []
  const io = vi.fn((url, opts) => {
    const handlers = {}
    const socket = {
      url, opts, connected: false, emitted: [],
      on: (ev, fn) => { handlers[ev] = fn },
      connect: vi.fn(() => { socket.connected = true }),
      disconnect: vi.fn(() => { socket.connected = false }),
      timeout: () => socket,
      emit: (ev, data, ack) => socket.emitted.push({ ev, data, ack }),
      emitWithAck: vi.fn(async (ev, data) => socket.onAuthenticate?.(data)),
      server: (ev, ...args) => handlers[ev]?.(...args),
      auth: () => new Promise((resolve) => opts.auth(resolve)),
    }
    sockets.push(socket)
    return socket
  })
  return { io, sockets }
}

function connection(extra = {}) {
  const { io, sockets } = fakeIo()
  const events = { bot: [], acks: [], status: [], confirm: [] }
  const conn = new ChatConnection({
    io,
    url: 'http://127.0.0.1:5005',
    getToken: () => extra.token ?? null,
    getAnonToken: () => extra.anon ?? null,
    refreshToken: extra.refreshToken,
    on: {
      bot: (m) => events.bot.push(m),
      ack: (id, ack) => events.acks.push([id, ack]),
      status: (s) => events.status.push(s),
      confirm: (c) => events.confirm.push(c),
    },
  })
  conn.start()
  return { conn, socket: sockets[0], events }
}

const online = (socket, confirm = { sender_id: 'user-1', user_id: 1 }) => {
  socket.connected = true
  socket.server('session_confirm', confirm)
}

describe('ChatConnection', () => {
  it('connects over WebSocket with the token, or as a returning anonymous visitor', async () => {
    const { socket } = connection({ token: 'jwt' })
    expect(socket.opts.transports).toEqual(['websocket'])
    expect(await socket.auth()).toEqual({ token: 'jwt' })
    expect(await connection({ anon: 'a1' }).socket.auth()).toEqual({ anon_token: 'a1' })
    expect(await connection().socket.auth()).toEqual({})
  })

  it('keeps messages typed while offline and sends them, in order, after reconnecting', () => {
    const { conn, socket, events } = connection({ token: 'jwt' })
    const first = conn.send('你好')
    const second = conn.send('查水费', { upload_id: 7 })
    expect(socket.emitted).toEqual([])
    online(socket)
    expect(socket.emitted.map((e) => e.data)).toEqual([
      { message: '你好', id: first },
      { message: '查水费', id: second, metadata: { upload_id: 7 } },
    ])
    // The network drops before the server answers: both go again, once, after reconnecting.
    socket.server('disconnect', 'transport close')
    expect(events.status.at(-1)).toBe('offline')
    online(socket)
    expect(socket.emitted).toHaveLength(4)
    for (const e of socket.emitted.slice(2)) e.ack(null, { ok: true, id: e.data.id })
    expect(events.acks.map(([id]) => id)).toEqual([first, second])
    expect(conn.outbox).toEqual([])
  })

  it('renews an expired token and retries the message', async () => {
    let token = 'old'
    const refreshToken = vi.fn(async () => { token = 'new'; return true })
    const { io, sockets } = fakeIo()
    const acks = []
    const conn = new ChatConnection({ io, getToken: () => token, refreshToken, on: { ack: (id, a) => acks.push(a) } })
    conn.start()
    const socket = sockets[0]
    socket.onAuthenticate = (data) => ({ ok: data.token === 'new' })
    online(socket)
    conn.send('本月水费')
    await socket.emitted[0].ack(null, { ok: false, error: 'expired', message: '登录已过期' })
    expect(refreshToken).toHaveBeenCalled()
    expect(socket.emitWithAck).toHaveBeenCalledWith('authenticate', { token: 'new' })
    expect(socket.emitted).toHaveLength(2)
    socket.emitted[1].ack(null, { ok: true })
    expect(acks).toEqual([{ ok: true }])
  })

  it('reports a refused message with the server’s reason and does not resend it', () => {
    const { conn, socket, events } = connection()
    online(socket, { sender_id: 'anon-1', user_id: null })
    const id = conn.send('水'.repeat(3000))
    socket.emitted[0].ack(null, { ok: false, error: 'too_long', message: '消息太长了' })
    expect(events.acks).toEqual([[id, { ok: false, error: 'too_long', message: '消息太长了' }]])
    online(socket, { sender_id: 'anon-1', user_id: null })
    expect(socket.emitted).toHaveLength(1)
  })

  it('falls back to anonymous when the login is refused and cannot be renewed', async () => {
    const { conn, socket, events } = connection({ token: 'stale', refreshToken: async () => false })
    await conn.onConnectError({ message: '登录已过期，请重新登录后再试', data: { code: 'auth_failed' } })
    expect(events.status.at(-1)).toBe('refused')
    expect(await socket.auth()).toEqual({})
    expect(socket.connect).toHaveBeenCalled()
  })
})

describe('resolveSocketUrl', () => {
  it('takes the attribute, else the service’s config, else the service itself', async () => {
    expect(await resolveSocketUrl('https://a', 'https://chat')).toBe('https://chat')
    const fetcher = vi.fn(async () => ({ ok: true, json: async () => ({ socket_url: 'http://127.0.0.1:5005' }) }))
    expect(await resolveSocketUrl('https://a', '', fetcher)).toBe('http://127.0.0.1:5005')
    expect(fetcher).toHaveBeenCalledWith('https://a/widget/config.json', { credentials: 'omit' })
    const empty = async () => ({ ok: true, json: async () => ({ socket_url: '' }) })
    expect(await resolveSocketUrl('https://a', '', empty)).toBe('https://a')
    expect(await resolveSocketUrl('https://a', '', async () => { throw new Error('offline') })).toBe('https://a')
  })
})
