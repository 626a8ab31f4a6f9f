// The knowledge-base editor's logic, kept out of the components so it can be tested: the form
// draft ↔ the API body, a new entry prefilled from a queued question, diff lines in blocks,
// a chosen file as base64, and the server's answer shape for the portal.

export const KIND = { faq: '常见问题', doc: '文档' }
export const STATUS = { published: '已发布', retired: '已下线' }
export const REASON = { unanswered: '智能客服答不上', downvoted: '居民点了没帮助' }

export const ID_RE = /^[a-z0-9][a-z0-9-]{1,63}$/

/** Tags typed as "缴费，自动扣款; 银行" → ['缴费', '自动扣款', '银行'] (no blanks, no repeats). */
export function splitTags(text) {
  const parts = String(text ?? '')
    .split(/[;；,，、\n]/)
    .map((t) => t.trim())
    .filter(Boolean)
  return [...new Set(parts)]
}

/** One alternative question per line. */
export function splitLines(text) {
  return String(text ?? '')
    .split('\n')
    .map((t) => t.trim())
    .filter(Boolean)
}

/** One year from `today`, as YYYY-MM-DD: the default review date. */
export function defaultReviewDate(today = new Date()) {
  const d = new Date(today.getTime())
  d.setFullYear(d.getFullYear() + 1)
  return d.toISOString().slice(0, 10)
}

export function blankDraft(today = new Date()) {
  return {
    id: '',
    kind: 'faq',
    category: '',
    title: '',
    body: '',
    tags: '',
    alt_questions: '',
    owner: '',
    review_date: defaultReviewDate(today),
    note: '',
    queue_item_id: null,
  }
}

/** An entry from the API → the form's draft (lists become editable text). */
export function draftFromEntry(entry) {
  return {
    ...blankDraft(),
    id: entry.id,
    kind: entry.kind,
    category: entry.category,
    title: entry.title,
    body: entry.body,
    tags: (entry.tags || []).join('，'),
    alt_questions: (entry.alt_questions || []).join('\n'),
    owner: entry.owner || '',
    review_date: entry.review_date || '',
  }
}

/** A new entry for a queued question: the question as title, the down-voted entry's category. */
export function draftFromQueueItem(item, entries = [], today = new Date()) {
  const related = entries.find((e) => e.id === item.entry_id)
  const draft = blankDraft(today)
  draft.title = item.question.slice(0, 200)
  draft.category = related?.category || ''
  draft.owner = related?.owner || ''
  draft.id = suggestId(draft.category, entries, related?.id)
  draft.queue_item_id = item.id
  return draft
}

/** The next free id in the style of the category's entries ("pay-07" → "pay-08"), or kb-<n>. */
export function suggestId(category, entries = [], like = null) {
  const taken = new Set(entries.map((e) => e.id))
  const sample = like || entries.find((e) => e.category === category)?.id || 'kb-00'
  const m = /^(.*?)(\d+)$/.exec(sample)
  const prefix = m ? m[1] : `${sample}-`
  const width = m ? m[2].length : 2
  for (let n = 1; n < 10000; n += 1) {
    const id = prefix + String(n).padStart(width, '0')
    if (!taken.has(id)) return id
  }
  return ''
}

/** The draft → the API body: for an edit, only what changed (plus the note). */
export function bodyFromDraft(draft, original = null) {
  const full = {
    kind: draft.kind,
    category: draft.category.trim(),
    title: draft.title.trim(),
    body: draft.body.trim(),
    tags: splitTags(draft.tags),
    alt_questions: splitLines(draft.alt_questions),
    owner: draft.owner.trim(),
    review_date: draft.review_date || null,
  }
  if (!original) {
    const body = { id: draft.id.trim(), ...full, note: draft.note.trim() }
    if (draft.queue_item_id) body.queue_item_id = draft.queue_item_id
    return body
  }
  const changed = {}
  for (const [key, value] of Object.entries(full)) {
    const before = original[key] ?? (Array.isArray(value) ? [] : key === 'review_date' ? null : '')
    if (JSON.stringify(before) !== JSON.stringify(value)) changed[key] = value
  }
  if (Object.keys(changed).length) changed.note = draft.note.trim()
  return changed
}

/** Diff lines from the API → blocks of the same op, so the view can shade runs together. */
export function diffBlocks(lines) {
  const blocks = []
  for (const line of lines || []) {
    const last = blocks[blocks.length - 1]
    if (last && last.op === line.op) last.lines.push(line.text)
    else blocks.push({ op: line.op, lines: [line.text] })
  }
  return blocks
}

export function diffSummary(lines) {
  let added = 0
  let removed = 0
  for (const l of lines || []) {
    if (l.op === 'added') added += 1
    else if (l.op === 'removed') removed += 1
  }
  return { added, removed }
}

/** The file the staff member picked → { name, base64 }; refuses the wrong type or size. */
export async function readImportFile(file, maxBytes = 5 * 1024 * 1024) {
  const name = file?.name || ''
  if (!/\.(csv|xlsx)$/i.test(name)) throw new Error('只支持 .csv 或 .xlsx 文件')
  if (!file.size) throw new Error('文件是空的')
  if (file.size > maxBytes) throw new Error('文件太大：不能超过 5 MB')
  const bytes = new Uint8Array(await file.arrayBuffer())
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000))
  }
  return { name, base64: btoa(binary) }
}

/** The portal's link to one entry. */
export const entryLink = (id) => ({ name: 'faq', query: { entry: id } })

/** A document's Markdown often opens with its own title as "# …": shown once, as the page title. */
export function bodyWithoutTitle(body, title) {
  const text = String(body ?? '')
  const m = /^\s*#\s+(.+?)\s*(?:\n|$)/.exec(text)
  return m && m[1].trim() === String(title ?? '').trim() ? text.slice(m[0].length).trimStart() : text
}
