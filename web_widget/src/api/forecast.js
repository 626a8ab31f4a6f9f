// The forecast page's endpoints (/api/v1/forecasts): options, uploads, background jobs.
import { ApiError, errorFrom, refreshSession, request } from './client'
import { useAuthStore } from '@/stores/auth'

const post = (path, body, opts = {}) => request(path, { method: 'POST', body: body ?? {}, ...opts })

export const forecastOptions = () => request('/api/v1/forecasts/options')

export const createForecastJob = (config, name = '') => post('/api/v1/forecasts/jobs', { config, name })

export const saveForecastDraft = (config, name) => post('/api/v1/forecasts/drafts', { config, name })

export const getForecastJob = (id) => request(`/api/v1/forecasts/jobs/${id}`)

export const listForecastJobs = (saved = true) => request('/api/v1/forecasts/jobs', { query: { saved } })

export const cancelForecastJob = (id) => post(`/api/v1/forecasts/jobs/${id}/cancel`)

export const saveForecastJob = (id, name) => post(`/api/v1/forecasts/jobs/${id}/save`, { name })

export const deleteForecastJob = (id) => request(`/api/v1/forecasts/jobs/${id}`, { method: 'DELETE' })

export const exportForecast = (id, format) =>
  request(`/api/v1/forecasts/jobs/${id}/export`, { query: { format }, as: 'response' })

export const findHousehold = (accountNo) => request('/api/v1/households', { query: { account_no: accountNo } })

/** Multipart POST of one file (request() sends JSON only), with one silent token refresh. */
export async function postFile(path, file) {
  const send = () => {
    const form = new FormData()
    form.append('file', file)
    const token = useAuthStore().token
    return fetch(path, {
      method: 'POST',
      body: form,
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      credentials: 'same-origin',
    })
  }
  let response
  try {
    response = await send()
    if (response.status === 401 && (await refreshSession())) response = await send()
  } catch {
    throw new ApiError(0, 'network', '网络连接失败，请检查网络后重试')
  }
  if (!response.ok) throw await errorFrom(response)
  return response.json()
}

/** A CSV/Excel series file → its parsed series (validated by the server, messages in Chinese). */
export const uploadForecastSeries = (file) => postFile('/api/v1/forecasts/uploads', file)
