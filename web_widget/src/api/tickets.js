// Repair tickets (/api/v1/tickets): the resident's own, and the staff queue with dispatch.
import { request } from './client'

const post = (path, body) => request(path, { method: 'POST', body: body ?? {} })

// ── The resident ────────────────────────────────────────────────────────────────────────────
export const myTickets = (householdId) => request('/api/v1/tickets', { query: { household_id: householdId } })

/** {household_id, category, location, description, contact_time, upload_ids} → the new ticket. */
export const fileTicket = (body) => post('/api/v1/tickets', body)

export const getTicket = (id) => request(`/api/v1/tickets/${id}`)

/** status: cancelled | in_progress | resolved | closed; note: why / what was done. */
export const moveTicket = (id, status, note = null) => post(`/api/v1/tickets/${id}/status`, { status, note })

/** A photo or video for a ticket → {upload_id, kind, content_type, size}; checked by content on the server. */
export function uploadFile(file) {
  const form = new FormData()
  form.append('file', file)
  return request('/api/v1/uploads', { method: 'POST', body: form })
}

/** An attachment served behind the bearer token, as an object URL for <img>/<video>. */
export async function attachmentUrl(attachment) {
  const response = await request(attachment.url, { as: 'response' })
  return URL.createObjectURL(await response.blob())
}

// ── Staff ───────────────────────────────────────────────────────────────────────────────────
/** status: one of the ticket statuses, or nothing for every open (and repaired) one. */
export const ticketQueue = ({ status, mine } = {}) =>
  request('/api/v1/tickets/queue', { query: { status, mine: mine ? 'true' : undefined } })

export const repairStaff = () => request('/api/v1/tickets/repair-staff')

export const assignTicket = (id, assigneeId, note = null) =>
  post(`/api/v1/tickets/${id}/assign`, { assignee_id: assigneeId, note })
