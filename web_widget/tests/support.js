// Helpers shared by the component tests: a JSON Response as fetch returns it, and a wait until
// Vue and the promises a click started have settled.
import { nextTick } from 'vue'

export function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

export async function flush() {
  for (let i = 0; i < 6; i += 1) {
    await new Promise((r) => setTimeout(r, 0))
    await nextTick()
  }
}
