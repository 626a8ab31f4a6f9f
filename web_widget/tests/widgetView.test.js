// The chat window itself (happy-dom): what a resident sees and can do, with the server played
// by a stand-in socket.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ChatWidget } from '../src/widget/view.js'

function fakeIo() {
  const sockets = []
  const io = (url, opts) => {
    const handlers = {}
    const socket = {
      url, opts, connected: true, emitted: [],
      on: (ev, fn) => { handlers[ev] = fn },
      connect: vi.fn(), disconnect: vi.fn(),
      timeout: () => socket,
      emit: (ev, data, ack) => socket.emitted.push({ ev, data, ack }),
      server: (ev, ...args) => handlers[ev]?.(...args),
    }
    sockets.push(socket)
    return socket
  }
  return { io, sockets }
}

function open(options = {}) {
  const { io, sockets } = fakeIo()
  const widget = new ChatWidget({ socketUrl: 'http://chat', io, getToken: () => 'jwt', ...options }).mount(document.body)
  widget.launcher.click()
  const socket = sockets[0]
  socket.server('session_confirm', { sender_id: 'user-5', user_id: 5, role: 'resident' })
  return { widget, socket, root: widget.root }
}

beforeEach(() => {
  document.body.innerHTML = ''
  sessionStorage.clear()
  localStorage.clear()
})

describe('ChatWidget', () => {
  it('is an accessible dialog in its own shadow root', () => {
    const { widget, root } = open()
    expect(document.querySelector('#shuiwu-chat').shadowRoot).toBe(root)
    expect(widget.launcher.getAttribute('aria-expanded')).toBe('true')
    const log = root.querySelector('[role=log]')
    expect(log.getAttribute('aria-live')).toBe('polite')
    expect(root.querySelector('label[for=sw-input]').textContent).toBe('输入您的问题')
    expect(root.querySelector('input[type=file]').getAttribute('accept')).toBe('image/*')
    expect(root.querySelector('input[type=file]').getAttribute('capture')).toBe('environment')
    expect(log.textContent).toContain('您好')
    expect(document.head.querySelector('style')).toBeNull() // nothing added to the host page
  })

  it('sends on Enter, shows the answer as Markdown and the quick replies as buttons', () => {
    const { widget, socket, root } = open()
    widget.input.value = '我家这个月水费多少'
    widget.input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    expect(socket.emitted[0].data).toMatchObject({ message: '我家这个月水费多少' })
    expect(widget.input.value).toBe('')
    socket.server('bot_typing', { typing: true, reply_to: socket.emitted[0].data.id })
    expect(root.querySelector('.typing').hidden).toBe(false)
    socket.server('bot_uttered', { text: '本月应缴 **86.40 元**<img src=x onerror=alert(1)>', buttons: [{ title: '去缴费', payload: '/pay_bill' }] })
    socket.server('bot_typing', { typing: false, reply_to: socket.emitted[0].data.id })
    expect(root.querySelector('.typing').hidden).toBe(true)
    const answer = [...root.querySelectorAll('.msg.bot')].at(-1)
    expect(answer.querySelector('strong').textContent).toBe('86.40 元')
    expect(answer.querySelector('img')).toBeNull()
    const button = answer.querySelector('.replies button')
    button.click()
    expect(socket.emitted[1].data).toMatchObject({ message: '/pay_bill' })
    expect([...root.querySelectorAll('.msg.user')].at(-1).textContent).toContain('去缴费')
    expect(button.disabled).toBe(true)
  })

  it('keeps the conversation across a reload and the typed text across a lost connection', () => {
    const first = open()
    first.widget.input.value = '你好'
    first.widget.submit()
    first.socket.emitted[0].ack(null, { ok: true, id: first.socket.emitted[0].data.id })
    first.socket.server('bot_uttered', { text: '您好！' })
    first.widget.destroy()

    const again = open()
    const texts = [...again.root.querySelectorAll('.msg')].map((m) => m.textContent.trim())
    expect(texts).toEqual(expect.arrayContaining(['你好', '您好！']))

    again.widget.input.value = '我还没写完'
    again.widget.input.dispatchEvent(new Event('input'))
    again.socket.connected = false
    again.socket.server('disconnect', 'transport close')
    expect(again.root.querySelector('[role=status]').textContent).toContain('正在重新连接')
    expect(again.widget.input.value).toBe('我还没写完')
    again.widget.destroy()
    expect(open().widget.input.value).toBe('我还没写完') // even after a reload
  })

  it('shows why the server refused a message', () => {
    const { widget, socket, root } = open()
    widget.input.value = '水'
    widget.submit()
    socket.emitted[0].ack(null, { ok: false, error: 'too_fast', message: '发送太频繁了，请稍等片刻再试' })
    const mine = [...root.querySelectorAll('.msg.user')].at(-1)
    expect(mine.querySelector('[role=alert]').textContent).toContain('发送太频繁了')
  })

  it('uploads a photo with the token and sends its id, with the typed text or the meter-reading intent', async () => {
    const fetch = vi.fn(async () => ({ ok: true, json: async () => ({ upload_id: 42, kind: 'image' }) }))
    vi.stubGlobal('fetch', fetch)
    URL.createObjectURL = () => 'blob:x'
    const { widget, socket } = open({ photoText: undefined })
    await widget.uploadPhoto(new File(['x'], 'meter.jpg', { type: 'image/jpeg' }))
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe('/api/v1/uploads')
    expect(init.headers.Authorization).toBe('Bearer jwt')
    expect(init.body.get('file').name).toBe('meter.jpg')
    expect(socket.emitted.at(-1).data).toMatchObject({ message: '/submit_meter_reading', metadata: { upload_id: 42 } })

    widget.input.value = '楼道水表漏水'
    await widget.uploadPhoto(new File(['x'], 'leak.jpg', { type: 'image/jpeg' }))
    expect(socket.emitted.at(-1).data).toMatchObject({ message: '楼道水表漏水', metadata: { upload_id: 42 } })
    expect(widget.input.value).toBe('')

    await widget.uploadPhoto(new File(['x'], 'notes.txt', { type: 'text/plain' }))
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(widget.log.textContent).toContain('请选择图片文件')
    vi.unstubAllGlobals()
  })

  it('does not offer photo upload to anonymous visitors', () => {
    const { io, sockets } = fakeIo()
    const widget = new ChatWidget({ socketUrl: 'http://chat', io }).mount(document.body)
    widget.launcher.click()
    sockets[0].server('session_confirm', { sender_id: 'anon-1', user_id: null, anon_token: 't' })
    expect(widget.uploadLabel.hidden).toBe(true)
    expect(localStorage.getItem('shuiwu.chat.anon')).toBe('t')
  })
})
