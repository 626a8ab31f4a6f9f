// The knowledge-base endpoints (/api/v1/kb): residents and visitors ask, browse and rate;
// staff edit, look at history, roll back, import/export and work the queue.
import { request } from './client'

const post = (path, body) => request(path, { method: 'POST', body: body ?? {} })

export const askKb = (question) => post('/api/v1/kb/ask', { question, channel: 'web' })

export const listEntries = ({ category, q, includeRetired, status } = {}) =>
  request('/api/v1/kb/entries', {
    query: { category, q, include_retired: includeRetired ? 'true' : undefined, status },
  })

export const getEntry = (id) => request(`/api/v1/kb/entries/${encodeURIComponent(id)}`)

export const rateEntry = (id, helpful, question = '') =>
  post(`/api/v1/kb/entries/${encodeURIComponent(id)}/rate`, { helpful, question, channel: 'web' })

export const createEntry = (body) => post('/api/v1/kb/entries', body)

export const updateEntry = (id, body) =>
  request(`/api/v1/kb/entries/${encodeURIComponent(id)}`, { method: 'PUT', body })

export const retireEntry = (id, note = '') => post(`/api/v1/kb/entries/${encodeURIComponent(id)}/retire`, { note })

export const entryHistory = (id) => request(`/api/v1/kb/entries/${encodeURIComponent(id)}/history`)

export const rollbackEntry = (id, version) =>
  post(`/api/v1/kb/entries/${encodeURIComponent(id)}/rollback`, { version })

export const exportEntries = (format) => request('/api/v1/kb/export', { query: { format }, as: 'response' })

export const importEntries = (filename, contentBase64) =>
  post('/api/v1/kb/import', { filename, content_base64: contentBase64 })

export const listQueue = (status = 'open') => request('/api/v1/kb/queue', { query: { status } })

export const closeQueueItem = (id, entryId) => post(`/api/v1/kb/queue/${id}/close`, entryId ? { entry_id: entryId } : {})
