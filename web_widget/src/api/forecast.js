// The forecast page's endpoints (/api/v1/forecasts): options, uploads, background jobs.
import { postFile, request } from './client'

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

/** A CSV/Excel series file → its parsed series (validated by the server, messages in Chinese). */
export const uploadForecastSeries = (file) => postFile('/api/v1/forecasts/uploads', file)
