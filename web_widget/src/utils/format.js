// Money, volumes and dates as residents read them. Money arrives as a decimal string and is
// handled as integer fen (BigInt) so that "2.675" shows as ¥2.68, never as a float's ¥2.67.

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/

/** A decimal string (or number) → integer fen, rounding half away from zero; null if not a number. */
export function toFen(value) {
  if (value === null || value === undefined) return null
  let text
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null
    text = value.toFixed(6)
  } else {
    text = String(value).trim()
  }
  const m = DECIMAL.exec(text)
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return null
  const [, sign, whole, frac = ''] = m
  const digits = (frac + '000').slice(0, 3)
  let fen = BigInt(whole || '0') * 100n + BigInt(digits.slice(0, 2))
  if (Number(digits[2]) >= 5) fen += 1n
  return sign === '-' ? -fen : fen
}

function groupThousands(intText) {
  return intText.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** Fen (BigInt) → "¥1,234.50". */
export function formatFen(fen, symbol = '¥') {
  if (fen === null || fen === undefined) return '—'
  const negative = fen < 0n
  const abs = negative ? -fen : fen
  const yuan = groupThousands((abs / 100n).toString())
  const cents = (abs % 100n).toString().padStart(2, '0')
  return `${negative ? '-' : ''}${symbol}${yuan}.${cents}`
}

/** "1234.5" → "¥1,234.50"; missing or malformed → "—". */
export function formatMoney(value, symbol = '¥') {
  return formatFen(toFen(value), symbol)
}

/** Exact sum of decimal strings, as fen. */
export function sumFen(values) {
  return values.reduce((total, v) => total + (toFen(v) ?? 0n), 0n)
}

/** Cubic metres for display: at most `digits` decimals, thousands grouped ("1,234.5"). */
export function formatVolume(value, digits = 2) {
  const n = Number(value)
  if (value === null || value === undefined || value === '' || !Number.isFinite(n)) return '—'
  return n.toLocaleString('zh-CN', { minimumFractionDigits: 0, maximumFractionDigits: digits })
}

// The utility's calendar, whatever the browser's timezone.
const LOCAL_TZ = 'Asia/Shanghai'
const dateTimeParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: LOCAL_TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** "2026-05-31T00:10:00Z" → "2026-05-31 08:10" (Beijing time). */
export function formatDateTime(iso) {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  const p = Object.fromEntries(dateTimeParts.formatToParts(d).map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

function ymd(text) {
  const [y, m, d] = String(text).split('-').map(Number)
  return { y, m, d }
}

/** "2026-05-31" → "2026年5月31日". */
export function formatDate(text) {
  if (!text) return '—'
  const { y, m, d } = ymd(text)
  return `${y}年${m}月${d}日`
}

/** A bill period: "2026年5月", "2026年5月–6月", or "2025年12月–2026年1月". */
export function formatPeriod(start, end) {
  const a = ymd(start)
  const b = ymd(end)
  if (a.y === b.y && a.m === b.m) return `${a.y}年${a.m}月`
  if (a.y === b.y) return `${a.y}年${a.m}月–${b.m}月`
  return `${a.y}年${a.m}月–${b.y}年${b.m}月`
}

/** Chart axis label for a usage period: day "5/31", month "2026年5月", year "2026年". */
export function periodLabel(period, granularity) {
  const { y, m, d } = ymd(period)
  if (granularity === 'day') return `${m}/${d}`
  if (granularity === 'month') return `${y}年${m}月`
  return `${y}年`
}
