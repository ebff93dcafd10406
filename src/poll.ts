/**
 * The one poll loop: read live state until it is final, sleeping on the injected clock between
 * reads, with a deadline and an abort signal. Every wait in cfzd (jobs, packages, builds,
 * droplets, instances) is `until` with its own read, its own test of "final", and its own
 * schedule. Failed requests are retried below this, by the transport (capi/retry.ts); `tolerant`
 * lets a wait outlast an API outage that is longer than those retries.
 */
import {CapiError, NetworkError} from './capi/errors.js'
import type {Clock} from './clock.js'

/** The wait before read number n + 1 (n = 0 after the first read). */
export type Interval = number | ((n: number) => number)

export interface UntilOptions<T> {
  clock: Clock
  signal?: AbortSignal
  /** Milliseconds from now; no deadline when absent. */
  timeoutMs?: number
  interval: Interval
  /** The error to throw at the deadline, given the last value read. */
  onTimeout: (last: T) => Error
}

/**
 * Read until `final(value)` is true and return that value. `final` may throw to end the wait with
 * a failure (a FAILED build, say). The deadline is checked after each read, so the last value
 * read is always judged before giving up.
 */
export async function until<T>(read: (deadline: number) => Promise<T>, final: (value: T) => boolean, o: UntilOptions<T>): Promise<T> {
  const deadline = o.timeoutMs === undefined ? Number.POSITIVE_INFINITY : o.clock.now() + o.timeoutMs
  for (let n = 0; ; n++) {
    const value = await read(deadline)
    if (final(value)) return value
    if (o.clock.now() >= deadline) throw o.onTimeout(value)
    const wait = typeof o.interval === 'number' ? o.interval : o.interval(n)
    await o.clock.sleep(Math.min(wait, Math.max(0, deadline - o.clock.now())), o.signal)
  }
}

/** An interval that starts at `firstMs` and doubles up to `maxMs`. */
export function doubling(firstMs: number, maxMs: number): (n: number) => number {
  return (n) => Math.min(maxMs, firstMs * 2 ** n)
}

/** Transient API trouble while waiting (network, 429, 5xx) is not a failure of what is waited for. */
export function isTransient(e: unknown): boolean {
  return e instanceof NetworkError || (e instanceof CapiError && (e.status === 429 || e.status >= 500))
}

/**
 * A read that outlasts transient API trouble until `deadline`: after the transport's own retries
 * give up, wait `retryMs` and read again. Other errors, and any error after the deadline, are thrown.
 */
export async function tolerant<T>(read: () => Promise<T>, o: {clock: Clock; signal?: AbortSignal; deadline: number; retryMs?: number}): Promise<T> {
  for (;;) {
    try {
      return await read()
    } catch (error) {
      if (!isTransient(error) || o.clock.now() >= o.deadline) throw error
      await o.clock.sleep(o.retryMs ?? 1000, o.signal)
    }
  }
}
