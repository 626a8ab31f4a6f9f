// The staff side of human handoff: the chat queue, replies, closing.
import { request } from './client'

const post = (path, body) => request(path, { method: 'POST', body: body ?? {} })

export const listHandoffs = (status = 'open') => request('/api/v1/chat/handoffs', { query: { status } })

export const getHandoff = (id) => request(`/api/v1/chat/handoffs/${id}`)

export const acceptHandoff = (id) => post(`/api/v1/chat/handoffs/${id}/accept`)

export const sendHandoffMessage = (id, text) => post(`/api/v1/chat/handoffs/${id}/messages`, { text })

export const closeHandoff = (id) => post(`/api/v1/chat/handoffs/${id}/close`)
