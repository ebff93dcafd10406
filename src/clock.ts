/**
 * Time is injected everywhere cfzd waits, so tests never sleep for real.
 * `sleep` resolves early (rejecting with an AbortError) when its signal aborts.
 */
export interface Clock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export class AbortError extends Error {
  constructor(message = 'The operation was interrupted') {
    super(message)
    this.name = 'AbortError'
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortError())
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
        Math.max(0, ms),
      )
      const onAbort = () => {
        clearTimeout(timer)
        reject(new AbortError())
      }
      signal?.addEventListener('abort', onAbort, {once: true})
    })
  },
}

/**
 * A clock whose sleeps complete immediately while advancing virtual time.
 * Good for unit tests of polling loops: a loop that would wait 10 minutes finishes at once,
 * and `now()` reflects the waits so timeouts still trigger.
 */
export class FakeClock implements Clock {
  public sleeps: number[] = []
  constructor(public t = Date.parse('2026-01-01T00:00:00Z')) {}
  now() {
    return this.t
  }
  async sleep(ms: number, signal?: AbortSignal) {
    if (signal?.aborted) throw new AbortError()
    this.sleeps.push(ms)
    this.t += Math.max(0, ms)
    await Promise.resolve()
  }
  advance(ms: number) {
    this.t += ms
  }
}

/** Parse durations like "5s", "250ms", "2m", "1h" or a bare number of seconds. */
export function parseDuration(input: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(input)
  if (!m) throw new Error(`Invalid duration "${input}". Use a number with a unit, for example 500ms, 5s, 2m, 1h or 3d.`)
  const n = Number(m[1])
  switch ((m[2] ?? 's').toLowerCase()) {
    case 'ms':
      return n
    case 's':
      return n * 1000
    case 'm':
      return n * 60_000
    case 'h':
      return n * 3_600_000
    default:
      return n * 86_400_000
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const m = Math.floor(ms / 60_000)
  const s = Math.round((ms % 60_000) / 1000)
  return `${m}m${String(s).padStart(2, '0')}s`
}
