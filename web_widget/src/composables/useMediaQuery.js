import { onBeforeUnmount, ref } from 'vue'

/** A reactive boolean for a CSS media query, e.g. useMediaQuery('(max-width: 640px)'). */
export function useMediaQuery(query) {
  const mql = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query) : null
  const matches = ref(mql ? mql.matches : false)
  const update = (e) => (matches.value = e.matches)
  mql?.addEventListener('change', update)
  onBeforeUnmount(() => mql?.removeEventListener('change', update))
  return matches
}
