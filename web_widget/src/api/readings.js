// Meter photos (/api/v1/readings): the staff review queue, its images, approve/correct/reject.
import { request } from './client'

const post = (path, body) => request(path, { method: 'POST', body: body ?? {} })

export const reviewQueue = (status = 'review') => request('/api/v1/readings/review', { query: { status } })

/** An image the API serves behind the bearer token, as an object URL for <img>. */
export async function photoImageUrl(photoId, which = 'image') {
  const path = which === 'window' ? 'window.png' : 'image'
  const response = await request(`/api/v1/readings/photos/${photoId}/${path}`, { as: 'response' })
  return URL.createObjectURL(await response.blob())
}

export const approvePhoto = (photoId, note) => post(`/api/v1/readings/photos/${photoId}/approve`, { note })
export const correctPhoto = (photoId, value, note) =>
  post(`/api/v1/readings/photos/${photoId}/correct`, { value, note })
export const rejectPhoto = (photoId, note) => post(`/api/v1/readings/photos/${photoId}/reject`, { note })

// ── The resident's own meter photos ─────────────────────────────────────────────────────────

/** Send a photo of `householdId`'s meter → {photo_id, status, reading, digits, reason, …}. */
export function readMeterPhoto(householdId, file) {
  const form = new FormData()
  form.append('household_id', String(householdId))
  form.append('file', file)
  return request('/api/v1/readings/photo', { method: 'POST', body: form })
}

/** Confirm the reading as read (`value` null) or send the resident's own value (goes to staff). */
export const confirmMeterPhoto = (photoId, value = null) =>
  post(`/api/v1/readings/photos/${photoId}/confirm`, { value })
