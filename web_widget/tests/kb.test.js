import { describe, expect, it } from 'vitest'
import {
  blankDraft,
  bodyWithoutTitle,
  bodyFromDraft,
  diffBlocks,
  diffSummary,
  draftFromEntry,
  draftFromQueueItem,
  readImportFile,
  splitTags,
  suggestId,
} from '@/components/kb/entryForm'

const ENTRY = {
  id: 'pay-03',
  kind: 'faq',
  category: '缴费方式',
  title: '怎么开通自动扣款？',
  body: '带上银行卡到营业厅签约即可。',
  tags: ['缴费', '自动扣款'],
  alt_questions: ['代扣怎么办', '银行代缴'],
  owner: '营业部',
  review_date: '2027-06-30',
}
const ENTRIES = [ENTRY, { ...ENTRY, id: 'pay-01' }, { ...ENTRY, id: 'pay-02' }, { ...ENTRY, id: 'qual-01', category: '水质' }]

describe('tags and lines', () => {
  it('splits on Chinese and English separators, drops blanks and repeats', () => {
    expect(splitTags('缴费，自动扣款; 银行、缴费 ,, ')).toEqual(['缴费', '自动扣款', '银行'])
    expect(splitTags('')).toEqual([])
  })
})

describe('the API body from the form', () => {
  it('sends every field for a new entry, with the queue item it answers', () => {
    const draft = { ...blankDraft(new Date('2026-11-25T00:00:00Z')), id: ' misc-01 ', category: '其他', title: ' 问 题 ', body: '答', tags: '甲，乙', alt_questions: '一\n\n二', queue_item_id: 7 }
    const body = bodyFromDraft(draft)
    expect(body).toMatchObject({ id: 'misc-01', title: '问 题', tags: ['甲', '乙'], alt_questions: ['一', '二'], queue_item_id: 7, review_date: '2027-11-25' })
  })

  it('sends only what changed for an edit, and nothing when nothing did', () => {
    const draft = draftFromEntry(ENTRY)
    expect(bodyFromDraft(draft, ENTRY)).toEqual({})
    draft.body = '在手机银行里也能签约。'
    draft.tags = '缴费，自动扣款，手机银行'
    draft.note = '新增手机银行'
    expect(bodyFromDraft(draft, ENTRY)).toEqual({
      body: '在手机银行里也能签约。',
      tags: ['缴费', '自动扣款', '手机银行'],
      note: '新增手机银行',
    })
  })
})

describe('写新条目 from the queue', () => {
  it('prefills the question, the down-voted entry’s category and owner, and a free id', () => {
    const draft = draftFromQueueItem({ id: 5, question: '能用信用卡交水费吗', entry_id: 'pay-03' }, ENTRIES)
    expect(draft).toMatchObject({ title: '能用信用卡交水费吗', category: '缴费方式', owner: '营业部', id: 'pay-04', queue_item_id: 5 })
  })

  it('falls back to a generic id for an unanswered question', () => {
    const draft = draftFromQueueItem({ id: 6, question: '明天股市会涨吗', entry_id: null }, ENTRIES)
    expect(draft.category).toBe('')
    expect(draft.id).toBe('kb-01')
  })

  it('suggests the next free number in the category’s style', () => {
    expect(suggestId('水质', ENTRIES)).toBe('qual-02')
    expect(suggestId('新分类', [])).toBe('kb-01')
  })
})

describe('history diff', () => {
  const lines = [
    { op: 'same', text: '标题：怎么开通自动扣款？' },
    { op: 'removed', text: '带上银行卡到营业厅签约即可。' },
    { op: 'added', text: '在手机银行里也能签约。' },
    { op: 'added', text: '签约后次月生效。' },
    { op: 'gap', text: '…' },
  ]

  it('groups runs of the same change and counts them', () => {
    expect(diffBlocks(lines).map((b) => [b.op, b.lines.length])).toEqual([['same', 1], ['removed', 1], ['added', 2], ['gap', 1]])
    expect(diffSummary(lines)).toEqual({ added: 2, removed: 1 })
    expect(diffBlocks(undefined)).toEqual([])
  })
})

describe('import file', () => {
  const file = (name, content) => ({ name, size: content.length, arrayBuffer: async () => new TextEncoder().encode(content).buffer })

  it('reads a CSV as base64', async () => {
    const r = await readImportFile(file('kb.csv', 'id,title\n'))
    expect(r.name).toBe('kb.csv')
    expect(atob(r.base64)).toBe('id,title\n')
  })

  it('refuses other types, empty and oversized files in Chinese', async () => {
    await expect(readImportFile(file('kb.pdf', 'x'))).rejects.toThrow('只支持 .csv 或 .xlsx 文件')
    await expect(readImportFile(file('kb.csv', ''))).rejects.toThrow('文件是空的')
    await expect(readImportFile(file('kb.xlsx', 'x'.repeat(20)), 10)).rejects.toThrow('文件太大')
  })
})

describe('entry page', () => {
  it('does not repeat a document’s own title heading', () => {
    expect(bodyWithoutTitle('# 用水开户指南\n\n## 新户开户\n内容', '用水开户指南')).toBe('## 新户开户\n内容')
    expect(bodyWithoutTitle('# 别的标题\n内容', '用水开户指南')).toBe('# 别的标题\n内容')
    expect(bodyWithoutTitle('答案正文', '问题')).toBe('答案正文')
  })
})
