import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, h } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import { flush, json } from './support'
import MeterPhotoDialog, { checkReading, photoStatus, splitDigits } from '@/components/MeterPhotoDialog.vue'

const HOUSEHOLD = { id: 7, account_no: '3101000007', meter: { serial_no: 'NB1', digits: 5, decimals: 3 } }
const digit = (value, confidence = 0.97) => ({ value, confidence })
const READ = {
  photo_id: 41,
  household_id: 7,
  status: 'confirm',
  reading: '131.456',
  digits: [digit('0'), digit('0'), digit('1'), digit('3'), digit('1'), digit('4'), digit('5', 0.55), digit('6', 0.62)],
  reason: '本次读数折合每天用水 55.73 立方米，是平时（0.45）的 124 倍：请核对读数；若读数无误，请检查家中是否漏水',
  created_at: '2026-11-25T05:00:00+00:00',
}


const byText = (text, selector = 'button') =>
  [...document.body.querySelectorAll(selector)].find((el) => el.textContent.trim() === text)

async function click(text) {
  const button = byText(text)
  expect(button, `button ${text}`).toBeTruthy()
  button.click()
  await flush()
}

async function choosePhoto(name = 'meter.jpg', type = 'image/jpeg') {
  const input = document.body.querySelector('input[type=file][aria-label=选择水表照片]')
  Object.defineProperty(input, 'files', { value: [new File(['x'], name, { type })], configurable: true })
  input.dispatchEvent(new Event('change'))
  await flush()
}

async function typeReading(value) {
  const input = document.body.querySelector('input[name=reading]')
  input.value = value
  input.dispatchEvent(new Event('input'))
  input.closest('form').dispatchEvent(new Event('submit'))
  await new Promise((r) => setTimeout(r, 150)) // el-form-item shows its error after a 100 ms debounce
  await flush()
}

describe('checkReading', () => {
  it('takes a number with the meter’s decimals and refuses the rest in Chinese', () => {
    const meter = { digits: 5, decimals: 3 }
    expect(checkReading(' 131.456 ', meter)).toEqual({ value: '131.456' })
    expect(checkReading('131', meter)).toEqual({ value: '131' })
    expect(checkReading('131.', meter)).toEqual({ value: '131' })
    expect(checkReading('131。5', meter)).toEqual({ value: '131.5' })
    expect(checkReading('', meter).error).toBe('请填写水表上的读数')
    expect(checkReading('一百', meter).error).toContain('读数格式不对')
    expect(checkReading('-3', meter).error).toContain('读数格式不对')
    expect(checkReading('1.2.3', meter).error).toContain('读数格式不对')
    expect(checkReading('131.4567', meter).error).toBe('该水表读数最多 3 位小数')
    expect(checkReading('123456', meter).error).toBe('该水表读数整数部分最多 5 位')
    expect(checkReading('00131.4', meter)).toEqual({ value: '00131.4' })
    expect(checkReading('12.5', { digits: 4, decimals: 0 }).error).toContain('没有小数')
  })
})

describe('splitDigits and photoStatus', () => {
  it('puts the last `decimals` positions after the point and marks unsure ones', () => {
    const wheels = splitDigits(READ.digits, 3)
    const shown = wheels.map((d) => (d.pointBefore ? '.' : '') + d.value).join('')
    expect(shown).toBe('00131.456')
    expect(wheels.filter((d) => d.fraction).map((d) => d.value)).toEqual(['4', '5', '6'])
    expect(wheels.filter((d) => d.doubtful).map((d) => d.value)).toEqual(['5', '6'])
    expect(splitDigits([digit('1'), digit('2')], 0).some((d) => d.pointBefore || d.fraction)).toBe(false)
  })

  it('names each status in Chinese', () => {
    expect(photoStatus('accepted').text).toBe('已自动入账')
    expect(photoStatus('confirm').text).toBe('请确认读数')
    expect(photoStatus('review').text).toBe('已提交人工审核')
  })
})

describe('MeterPhotoDialog', () => {
  let fetchMock, root, app, stored

  beforeEach(() => {
    fetchMock = vi.fn()
    stored = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    root = document.createElement('div')
    document.body.appendChild(root)
    app = createApp({
      render: () => h(MeterPhotoDialog, { modelValue: true, household: HOUSEHOLD, onStored: stored }),
    })
      .use(createPinia())
      .use(ElementPlus)
    app.mount(root)
    return flush()
  })

  afterEach(() => {
    app.unmount()
    root.remove()
    document.body.innerHTML = ''
    vi.unstubAllGlobals()
  })

  it('shows the tips, uploads the photo for this household and shows the reading digit by digit', async () => {
    expect(document.body.textContent).toContain('正对表盘')
    expect(document.body.textContent).toContain('光线充足')
    expect(document.body.textContent).toContain('对准计数窗口')
    expect(byText('上传识别').disabled).toBe(true) // nothing chosen yet

    await choosePhoto()
    fetchMock.mockResolvedValueOnce(json(200, READ))
    await click('上传识别')

    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/v1/readings/photo')
    expect(init.body.get('household_id')).toBe('7')
    expect(init.body.get('file').name).toBe('meter.jpg')
    expect(document.body.querySelector('[data-testid=photo-reading]').textContent).toContain('131.456')
    expect(document.body.querySelector('[data-testid=photo-status]').textContent).toBe('请确认读数')
    expect(document.body.textContent).toContain('请核对读数')
    const marked = [...document.body.querySelectorAll('.wheel.doubtful')].map((el) => el.textContent)
    expect(marked).toEqual(['5', '6'])
    expect(document.body.textContent).toContain('标黄的 2 位数字识别把握不大')
    expect(stored).not.toHaveBeenCalled()
  })

  it('shows that it is working while the photo is read, and cannot be sent twice', async () => {
    await choosePhoto()
    let answer
    fetchMock.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)))
    await click('上传识别')
    expect(document.body.querySelector('[role=status]').textContent).toContain('正在上传并识别读数')
    byText('上传识别').click()
    await flush()
    expect(fetchMock).toHaveBeenCalledTimes(1)
    answer(json(200, READ))
    await flush()
    expect(document.body.querySelector('[role=status]')).toBeNull()
    expect(document.body.querySelector('[data-testid=photo-reading]').textContent).toContain('131.456')
  })

  it('checks a corrected reading before sending it, then says it went to staff review', async () => {
    await choosePhoto()
    fetchMock.mockResolvedValueOnce(json(200, READ))
    await click('上传识别')
    await click('修改读数')
    expect(document.body.querySelector('input[name=reading]').value).toBe('131.456')

    await typeReading('')
    expect(document.body.textContent).toContain('请填写水表上的读数')
    await typeReading('131.4567')
    expect(document.body.textContent).toContain('该水表读数最多 3 位小数')
    expect(fetchMock).toHaveBeenCalledTimes(1) // neither was sent

    fetchMock.mockResolvedValueOnce(
      json(200, { ...READ, status: 'review', reading: '31.456', reason: '住户更正读数为 31.456（识别为 131.456），待工作人员复核' }),
    )
    await typeReading('31.456')
    const [url, init] = fetchMock.mock.calls[1]
    expect(url).toBe('/api/v1/readings/photos/41/confirm')
    expect(JSON.parse(init.body)).toEqual({ value: '31.456' })
    const outcome = document.body.querySelector('[data-testid=photo-outcome]')
    expect(outcome.textContent).toContain('已提交人工审核')
    expect(outcome.textContent).toContain('住户更正读数为 31.456')
    expect(byText('读数正确')).toBeUndefined() // answered: no second confirmation
    expect(stored).not.toHaveBeenCalled()
  })

  it('confirms the reading as read and tells the page a reading was stored', async () => {
    await choosePhoto()
    fetchMock.mockResolvedValueOnce(json(200, READ))
    await click('上传识别')
    fetchMock.mockResolvedValueOnce(json(200, { ...READ, status: 'accepted', reason: '住户已确认读数' }))
    await click('读数正确')
    expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toEqual({ value: null })
    expect(document.body.querySelector('[data-testid=photo-status]').textContent).toBe('已确认入账')
    expect(document.body.textContent).toContain('读数 131.456 m³ 已确认并入账')
    expect(stored).toHaveBeenCalledTimes(1)
  })

  it('reports an automatically accepted reading at once', async () => {
    await choosePhoto()
    fetchMock.mockResolvedValueOnce(json(200, { ...READ, status: 'accepted', reason: '' }))
    await click('上传识别')
    expect(document.body.querySelector('[data-testid=photo-status]').textContent).toBe('已自动入账')
    expect(byText('读数正确')).toBeUndefined()
    expect(stored).toHaveBeenCalledWith(expect.objectContaining({ reading: '131.456', status: 'accepted' }))
  })

  it('shows what the photo read and why only its whole cubic metres went in', async () => {
    await choosePhoto()
    const reason = '整数部分清晰，已按 131 立方米入账；指针表盘上的小数部分看得不够准，这次不计，会在下次抄表时一并计入'
    fetchMock.mockResolvedValueOnce(
      json(200, { ...READ, status: 'accepted', reading: '131.000', proposed_reading: '131.456', reason }),
    )
    await click('上传识别')
    expect(document.body.querySelector('[data-testid=photo-reading]').textContent).toBe('131.456 m³')
    expect(document.body.querySelector('[data-testid=photo-reason]').textContent).toBe(reason)
    expect(stored).toHaveBeenCalledWith(expect.objectContaining({ reading: '131.000' }))
  })

  it('shows the server’s reason for a bad photo and asks for another one', async () => {
    await choosePhoto()
    fetchMock.mockResolvedValueOnce(
      json(422, { error: { code: 'invalid_input', message: '照片太暗，看不清读数：请在光线充足处或打开闪光灯重拍。', fields: [] } }),
    )
    await click('上传识别')
    expect(document.body.querySelector('[role=alert]').textContent).toContain('照片太暗')
    expect(document.body.textContent).toContain('请按上面的要点重新拍一张')
    expect(document.body.querySelector('[data-testid=photo-reading]')).toBeNull()
    expect(byText('上传识别').disabled).toBe(true) // the same photo would be refused again
    expect(stored).not.toHaveBeenCalled()

    await choosePhoto('second.jpg')
    expect(document.body.querySelector('[role=alert]')).toBeNull()
    expect(byText('上传识别').disabled).toBe(false)
  })

  it('refuses a file that is not a picture without sending it', async () => {
    await choosePhoto('bill.pdf', 'application/pdf')
    expect(document.body.textContent).toContain('请选择一张水表照片')
    expect(byText('上传识别').disabled).toBe(true)
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('on a phone offers the back camera as well as the album', async () => {
    app.unmount()
    vi.stubGlobal('matchMedia', (query) => ({
      matches: query === '(pointer: coarse)',
      addEventListener() {},
      removeEventListener() {},
    }))
    app = createApp({ render: () => h(MeterPhotoDialog, { modelValue: true, household: HOUSEHOLD }) }).use(ElementPlus)
    app.mount(root)
    await flush()
    const camera = document.body.querySelector('input[type=file][aria-label=拍照]')
    expect(camera.getAttribute('capture')).toBe('environment')
    expect(camera.getAttribute('accept')).toBe('image/*')
    expect(document.body.querySelector('input[aria-label=选择水表照片]').hasAttribute('capture')).toBe(false)
    expect(document.body.textContent).toContain('从相册选择')
  })
})
