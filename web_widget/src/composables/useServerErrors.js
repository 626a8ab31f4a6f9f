// The server's field messages ({"error": {"fields": [{field, message}]}}) shown next to the
// fields they name, and its overall message (e.g. 429 "请 42 秒后再试") above the form.
import { reactive, ref } from 'vue'

export function useServerErrors(names) {
  const fields = reactive(Object.fromEntries(names.map((n) => [n, ''])))
  const message = ref('')

  function clear() {
    for (const n of names) fields[n] = ''
    message.value = ''
  }

  /**
   * Show an ApiError. A message naming one of our fields goes next to it; the overall message
   * is shown too, unless the field messages already say it all. `alias` maps server → form names.
   */
  function show(error, alias = {}) {
    clear()
    let placed = 0
    for (const f of error?.fields || []) {
      const name = alias[f.field] || f.field
      if (name in fields) {
        fields[name] = f.message
        placed += 1
      }
    }
    const all = error?.fields || []
    const repeated = all.some((f) => f.message === error?.message)
    const onlyFields = placed > 0 && placed === all.length && (error?.status === 422 || repeated)
    message.value = onlyFields ? '' : error?.message || '操作失败，请稍后再试'
  }

  return { fields, message, clear, show }
}
