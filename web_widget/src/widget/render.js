// Bot answers are Markdown from our assistant, but may quote what a resident typed: rendered
// with markdown-it (raw HTML off) and then sanitised by DOMPurify before touching the DOM.
import MarkdownIt from 'markdown-it'
import createDOMPurify from 'dompurify'

const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false })

let purifier = null
const purify = () => (purifier ||= createDOMPurify(window))

const ALLOWED_TAGS = [
  'p', 'br', 'strong', 'em', 'b', 'i', 'code', 'pre', 'ul', 'ol', 'li', 'a', 'blockquote',
  'table', 'thead', 'tbody', 'tr', 'th', 'td', 'h1', 'h2', 'h3', 'h4', 'hr', 'del', 's',
]

/** Markdown → safe HTML (links only http(s), mailto, tel or site-relative). */
export function renderMarkdown(text) {
  const html = md.render(String(text ?? ''))
  const fragment = purify().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'title'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|tel:|\/(?!\/)|#)/i,
    RETURN_DOM_FRAGMENT: true,
  })
  // Our own pages (/login, /bills) open in place; anything else in a new tab, without opener.
  for (const a of fragment.querySelectorAll('a[href]')) {
    if (/^https?:\/\//i.test(a.getAttribute('href'))) {
      a.setAttribute('target', '_blank')
      a.setAttribute('rel', 'noopener noreferrer')
    }
  }
  const box = document.createElement('div')
  box.append(fragment)
  return box.innerHTML
}

/** Plain text for what the resident typed: never interpreted as HTML or Markdown. */
export function escapeText(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
}

/** What one bot_uttered event becomes in the log: {kind, html?, buttons?, chart?, image?}. */
export function botEntry(message) {
  const entry = { from: 'bot' }
  if (message?.text) entry.text = String(message.text)
  if (Array.isArray(message?.buttons)) {
    entry.buttons = message.buttons
      .filter((b) => b && typeof b.title === 'string' && typeof b.payload === 'string')
      .slice(0, 8)
      .map((b) => ({ title: b.title, payload: b.payload }))
  } else if (Array.isArray(message?.quick_replies)) {
    entry.buttons = message.quick_replies.map((b) => ({ title: String(b.title), payload: String(b.payload) }))
  }
  const custom = message?.custom
  if (custom && custom.type === 'chart' && custom.option && typeof custom.option === 'object') {
    entry.chart = { title: String(custom.title || ''), option: custom.option }
  } else if (custom && custom.type === 'login' && /^\/(?!\/)/.test(String(custom.url || ''))) {
    // "Please log in" from the assistant: a button to the portal's login page.
    entry.link = { title: String(custom.title || '登录网上营业厅'), url: String(custom.url) }
  } else if (custom && typeof custom.text === 'string' && !entry.text) {
    entry.text = custom.text
  }
  if (typeof message?.image === 'string' && /^(https?:|\/(?!\/))/i.test(message.image)) entry.image = message.image
  return entry
}
