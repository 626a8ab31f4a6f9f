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
