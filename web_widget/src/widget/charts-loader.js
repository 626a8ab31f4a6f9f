// How the widget gets ECharts: the portal's bundle imports it as a chunk; the script-tag widget
// (built with __SHUIWU_WIDGET_SCRIPT__) adds charts.js from beside its own script, once.
let loading = null

export function loadCharts(scriptBase) {
  if (typeof __SHUIWU_WIDGET_SCRIPT__ === 'undefined') return import('./chart.js')
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      if (window.ShuiwuChatCharts) return resolve(window.ShuiwuChatCharts)
      const tag = document.createElement('script')
      tag.src = `${scriptBase}/widget/charts.js`
      tag.async = true
      tag.onload = () => resolve(window.ShuiwuChatCharts)
      tag.onerror = () => {
        loading = null
        reject(new Error('charts.js'))
      }
      document.head.appendChild(tag)
    })
  }
  return loading
}
