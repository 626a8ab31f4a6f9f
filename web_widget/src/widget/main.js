// The embeddable chat widget (placeholder). One script, no framework, styles inside a shadow
// root so nothing leaks into or out of the host page. The assistant itself comes later.

const TEXT = {
  button: '在线客服',
  title: '智慧水务在线客服',
  body: '智能客服即将上线，届时可在这里查询水费、办理报修、咨询用水问题。',
  close: '关闭',
}

const STYLE = `
:host { all: initial; }
.btn { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex; align-items: center; gap: 6px;
  padding: 10px 16px; border: 0; border-radius: 22px; background: #0b5cad; color: #fff; cursor: pointer;
  font: 500 14px/1.2 -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif;
  box-shadow: 0 4px 14px rgba(8, 70, 127, .35); }
.btn:hover { background: #08467f; }
.panel { position: fixed; right: 20px; bottom: 72px; z-index: 2147483000; width: 280px; max-width: calc(100vw - 40px);
  padding: 16px; border-radius: 10px; background: #fff; color: #1f2d3d; box-shadow: 0 8px 30px rgba(15, 45, 80, .18);
  font: 14px/1.6 -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif; }
.panel[hidden] { display: none; }
.head { display: flex; justify-content: space-between; align-items: center; margin-bottom: 8px; font-weight: 600; }
.x { border: 0; background: none; color: #6b7785; font-size: 18px; cursor: pointer; line-height: 1; }
`

export function mount(target = document.body) {
  if (document.getElementById('shuiwu-widget')) return
  const host = document.createElement('div')
  host.id = 'shuiwu-widget'
  const root = host.attachShadow({ mode: 'open' })
  root.innerHTML = `<style>${STYLE}</style>
    <div class="panel" role="dialog" aria-label="${TEXT.title}" hidden>
      <div class="head"><span>${TEXT.title}</span><button class="x" type="button" aria-label="${TEXT.close}">×</button></div>
      <div>${TEXT.body}</div>
    </div>
    <button class="btn" type="button" aria-expanded="false">💬 ${TEXT.button}</button>`
  const panel = root.querySelector('.panel')
  const button = root.querySelector('.btn')
  const toggle = (open) => {
    panel.hidden = !open
    button.setAttribute('aria-expanded', String(open))
  }
  button.addEventListener('click', () => toggle(panel.hidden))
  root.querySelector('.x').addEventListener('click', () => toggle(false))
  target.appendChild(host)
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mount())
  else mount()
}
