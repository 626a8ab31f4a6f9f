import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, h } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ElementPlus from 'element-plus'
import { flush, json } from './support'
import { useAuthStore } from '@/stores/auth'
import TicketsView from '@/views/console/TicketsView.vue'

const TICKET = {
  id: 5,
  ticket_no: 'T202612070001',
  household_id: 3,
  account_no: '0501000001',
  category: 'leak',
  category_label: '漏水/爆管',
  status: 'in_progress',
  status_label: '处理中',
  description: '位置：厨房水槽下面\n情况：接头一直在滴水\n方便联系时间：明天上午',
  created_at: '2026-12-07T11:30:00Z',
  updated_at: '2026-12-07T12:00:00Z',
  events: [{ at: '2026-12-07T11:30:00Z', status: 'submitted', label: '已提交', note: '居民在线报修', by: '居民' }],
  attachments: [],
  actions: ['resolved'],
  address: '清河市东湖区滨江路01号',
  contact_phone: '13900001111',
  assignee: 'fixer1',
}

const byText = (text, selector = 'button') =>
  [...document.body.querySelectorAll(selector)].find((el) => el.textContent.trim() === text)

async function click(text, selector) {
  const el = byText(text, selector)
  expect(el, `${selector || 'button'} ${text}`).toBeTruthy()
  el.click()
  await flush()
}

describe('TicketsView (报修工单)', () => {
  let fetchMock, root, app

  async function mount(user) {
    const pinia = createPinia()
    setActivePinia(pinia)
    const auth = useAuthStore()
    auth.token = 'token'
    auth.expiresAt = Date.now() + 3600_000
    auth.user = user
    const stub = { render: () => null }
    const router = createRouter({
      history: createMemoryHistory(),
      routes: ['console', 'console-bindings', 'console-knowledge', 'console-readings', 'console-chats', 'console-users', 'console-outbox']
        .map((name) => ({ path: `/${name}`, name, component: stub }))
        .concat([{ path: '/console/tickets', name: 'console-tickets', component: stub }]),
    })
    router.push('/console/tickets')
    await router.isReady()
    root = document.createElement('div')
    document.body.appendChild(root)
    app = createApp({ render: () => h(TicketsView) }).use(pinia).use(router).use(ElementPlus)
    app.mount(root)
    await flush()
  }

  const calls = (method = 'GET') => fetchMock.mock.calls.filter(([, init]) => (init?.method || 'GET') === method)

  beforeEach(() => {
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
  })

  afterEach(() => {
    app?.unmount()
    root?.remove()
    document.body.innerHTML = ''
    vi.unstubAllGlobals()
  })

  it('says when there are no tickets, and when a filter matches none', async () => {
    fetchMock.mockImplementation(async () => json(200, []))
    await mount({ id: 1, username: 'clerk', role: 'staff', staff_function: 'customer_service' })
    expect(document.body.textContent).toContain('暂无报修工单')
    expect(document.body.textContent).toContain('只看派给我的')

    await click('已撤销', 'label')
    const [url] = calls().at(-1)
    expect(url).toBe('/api/v1/tickets/queue?status=cancelled')
    expect(document.body.textContent).toContain('没有符合条件的工单')
  })

  it('shows a failed load with 重试, which loads again', async () => {
    fetchMock.mockResolvedValueOnce(json(500, { error: { code: 'internal', message: '服务器开小差了，请稍后再试' } }))
    await mount({ id: 2, username: 'fixer1', role: 'staff', staff_function: 'field_repair' })
    expect(document.body.textContent).toContain('服务器开小差了，请稍后再试')
    expect(document.body.textContent).not.toContain('只看派给我的') // repairers see only their own anyway

    fetchMock.mockResolvedValueOnce(json(200, [TICKET]))
    await click('重试')
    expect(document.body.textContent).toContain('T202612070001')
    expect(document.body.textContent).toContain('位置：厨房水槽下面')
    expect(document.body.textContent).not.toContain('情况：接头一直在滴水') // only the first line in the list
    // Only the queue was asked for: repairers have no one to dispatch to.
    expect(fetchMock.mock.calls.every(([url]) => url.startsWith('/api/v1/tickets/queue'))).toBe(true)
  })

  it('asks for the 处理结果 before marking a ticket repaired, and shows the server’s refusal', async () => {
    fetchMock.mockImplementation(async (url) => json(200, url.includes('/queue') ? [TICKET] : TICKET))
    await mount({ id: 2, username: 'fixer1', role: 'staff', staff_function: 'field_repair' })
    await click('T202612070001')
    expect(document.body.textContent).toContain('清河市东湖区滨江路01号')
    expect(document.body.querySelector('a[href="tel:13900001111"]')).toBeTruthy()
    expect(byText('开始维修')).toBeFalsy() // not among the ticket's actions

    await click('已修好')
    await click('确认已修好')
    await new Promise((r) => setTimeout(r, 150)) // el-form-item shows its error after a debounce
    await flush()
    expect(document.body.textContent).toContain('请填写处理结果')
    expect(calls('POST')).toHaveLength(0)

    fetchMock.mockImplementationOnce(async () =>
      json(422, { error: { code: 'invalid_input', message: '这张报修单目前已关闭，不能改为“已修好”', fields: [] } }),
    )
    const box = document.body.querySelector('.note-dialog textarea')
    box.value = '更换了角阀'
    box.dispatchEvent(new Event('input'))
    await flush()
    await click('确认已修好')
    const [url, init] = calls('POST')[0]
    expect(url).toBe('/api/v1/tickets/5/status')
    expect(JSON.parse(init.body)).toEqual({ status: 'resolved', note: '更换了角阀' })
    expect(document.body.querySelector('.note-dialog').textContent).toContain('这张报修单目前已关闭，不能改为“已修好”')
  })
})
