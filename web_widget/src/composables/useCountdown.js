// "60 秒后重新获取": a countdown that survives throttled background timers by reading the clock.
import { computed, getCurrentScope, onScopeDispose, ref } from 'vue'

export function createCountdown(seconds = 60, { now = () => Date.now() } = {}) {
  const remaining = ref(0)
  let endsAt = 0
  let timer = null

  function tick() {
    remaining.value = Math.max(0, Math.ceil((endsAt - now()) / 1000))
    if (remaining.value === 0) stop()
  }

  function stop() {
    if (timer) clearInterval(timer)
    timer = null
    remaining.value = 0
  }

  function start(from = seconds) {
    stop()
    endsAt = now() + from * 1000
    remaining.value = from
    timer = setInterval(tick, 250)
  }

  return { remaining, running: computed(() => remaining.value > 0), start, stop }
}

/** createCountdown, stopped when the component goes away. */
export function useCountdown(seconds = 60) {
  const countdown = createCountdown(seconds)
  if (getCurrentScope()) onScopeDispose(countdown.stop)
  return countdown
}
