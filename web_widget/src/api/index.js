// The endpoints the portal uses, one function each.
import { request } from './client'

export const login = (username, password) =>
  request('/api/v1/auth/login', { method: 'POST', body: { username, password }, auth: false })

export const listHouseholds = () => request('/api/v1/households')

export const findHouseholds = (accountNo) =>
  request('/api/v1/households', { query: { account_no: accountNo } })

export const getUsage = (householdId, granularity, { start, end } = {}) =>
  request(`/api/v1/households/${householdId}/usage`, { query: { granularity, start, end } })

export const usageCsv = (householdId, granularity, { start, end } = {}) =>
  request(`/api/v1/households/${householdId}/usage.csv`, {
    query: { granularity, start, end },
    as: 'response',
  })

export const listBills = (householdId, limit = 24) =>
  request(`/api/v1/households/${householdId}/bills`, { query: { limit } })

export const districtSummary = () => request('/api/v1/districts/summary')
