// Online bill payment.
import { request } from './client'

const post = (path, body) => request(path, { method: 'POST', body: body ?? {} })

// ── Payments ────────────────────────────────────────────────────────────────────────────────
export const startPayment = (billId, method, amount) =>
  post('/api/v1/payments', { bill_id: billId, method, amount })

export const getPayment = (id) => request(`/api/v1/payments/${id}`)

export const paymentHistory = (householdId, limit = 50) =>
  request(`/api/v1/households/${householdId}/payments`, { query: { limit } })

// Asks the gateway itself: for a payment made whose notify has not arrived.
export const syncPayment = (id) => request(`/api/v1/payments/${id}/sync`, { method: 'POST', body: {} })
