import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import DocumentConfirm from '@/components/DocumentConfirm.vue'
import { flush, json } from './support'

const READ = {
  read_id: 'abc.def',
  type: 'id_card',
  type_label: '居民身份证',
  required: ['name', 'id_number'],
  warnings: [],
  rotation: 0,
  seconds: 1.2,
  fields: {
    name: { label: '姓名', value: '张伟', confidence: 0.99 },
    birth_date: { label: '出生日期', value: '1990-01-01', confidence: 0.62 },
    id_number: { label: '公民身份号码', value: '1101**********002X', confidence: 0.98 },
  },
}

async function choosePhoto(root) {
  const input = root.querySelector('input[type=file]')
  Object.defineProperty(input, 'files', { value: [new File(['x'], 'card.jpg', { type: 'image/jpeg' })], configurable: true })
  input.dispatchEvent(new Event('change'))
  await flush()
}

describe('DocumentConfirm', () => {
  let fetchMock, root, app

  beforeEach(() => {
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    root = document.createElement('div')
    document.body.appendChild(root)
    app = createApp(DocumentConfirm, { accountNo: '3101000007' }).use(createPinia()).use(ElementPlus)
    app.mount(root)
  })

  afterEach(() => {
    app.unmount()
    root.remove()
    vi.unstubAllGlobals()
  })

  it('shows what was read, marks doubtful fields, keeps the ID masked and confirms the corrections', async () => {
    fetchMock.mockResolvedValueOnce(json(200, READ))
    await choosePhoto(root)
    expect(fetchMock.mock.calls[0][0]).toBe('/api/v1/documents/read')
    expect(root.textContent).toContain('识别为「居民身份证」')
    const inputs = Object.fromEntries([...root.querySelectorAll('input[name]')].map((i) => [i.name, i]))
    expect(inputs.id_number.value).toBe('1101**********002X')
    expect(inputs.birth_date.closest('.doubtful')).not.toBeNull() // confidence 0.62
    expect(inputs.name.closest('.doubtful')).toBeNull()

    inputs.name.value = '张伟国'
    inputs.name.dispatchEvent(new Event('input'))
    fetchMock.mockResolvedValueOnce(json(200, { message: '已提交过户材料（居民身份证），客服将在 1–2 个工作日内审核并联系您。', stored: 'transfer_request' }))
    root.querySelector('form').dispatchEvent(new Event('submit'))
    await flush()
    const [url, init] = fetchMock.mock.calls[1]
    expect(url).toContain('/api/v1/documents/abc.def/confirm')
    const body = JSON.parse(init.body)
    expect(body.fields).toMatchObject({ name: '张伟国', id_number: '1101**********002X' })
    expect(body.account_no).toBe('3101000007')
    expect(root.textContent).toContain('已提交过户材料')
  })

  it('shows the server’s Chinese reason when a photo is refused', async () => {
    fetchMock.mockResolvedValueOnce(
      json(422, { error: { code: 'invalid_input', message: '图片中没有找到文字：请把票据或证件平铺、对准、光线充足后重新拍照。', fields: [] } }),
    )
    await choosePhoto(root)
    expect(root.textContent).toContain('图片中没有找到文字')
    expect(root.querySelector('form')).toBeNull()
  })
})
