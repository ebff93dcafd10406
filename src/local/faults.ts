/**
 * Fault controls: settable when the foundation starts and at run time (in-process through
 * `foundation.faults`, or `PATCH /_local/faults`). Every random decision uses the foundation's
 * seedable random source, so a fault scenario repeats with the same seed.
 */
import {z} from 'zod'

export const FaultErrorKind = z.enum(['500', '502', '503', 'reset', 'lost'])
export type FaultErrorKind = z.infer<typeof FaultErrorKind>

export const Faults = z.object({
  /** Added to every API and UAA response. */
  latencyMs: z.number().min(0),
  /** Up to this much more, at random. */
  latencyJitterMs: z.number().min(0),
  /** Fraction (0..1) of API/UAA requests that fail with one of errorKinds. */
  errorRate: z.number().min(0).max(1),
  /**
   * How injected failures look: an HTTP 500/502/503, the connection reset before any response, or
   * `lost`: the request is carried out and then the connection is reset instead of answering (an
   * ambiguous failure: the client cannot tell whether it took effect).
   */
  errorKinds: z.array(FaultErrorKind).min(1),
  /** Only requests whose "METHOD /path" matches this regular expression get injected errors (null: all). */
  errorPathPattern: z.string().nullable(),
  /** At most this many more injected errors, then none (null: no limit). Counts down as they happen. */
  errorBudget: z.number().int().min(0).nullable(),
  /** Cloud Controller's per-user rate limit: `limit` requests per window; null disables it. */
  rateLimit: z.object({limit: z.number().int().min(1), windowSec: z.number().positive()}).nullable(),
  /** The API and UAA stop listening (connections are refused) until this is set back to false. */
  apiDown: z.boolean(),
  /** When apiDown is set, come back by itself after this long (0: stay down until apiDown is false). */
  apiDownMs: z.number().min(0),
  /** Lifetime of new access tokens. */
  tokenLifetimeSec: z.number().positive(),
  /** Lifetime of new refresh tokens. */
  refreshTokenLifetimeSec: z.number().positive(),
  /** How long a build stays STAGING. */
  stagingMs: z.number().min(0),
  /** Every new build fails (as if each app had CFZD_LOCAL_STAGING_FAIL set). */
  stagingFail: z.boolean(),
  /** Builds that reach the end of their staging time stay STAGING until this is set back to false. */
  stagingHold: z.boolean(),
  /** How long a new instance stays STARTING before its health check. */
  startupMs: z.number().min(0),
  /** Fraction (0..1) of newly started instances that crash instead of becoming healthy. */
  crashRate: z.number().min(0).max(1),
  /**
   * Diego's shortest wait before restarting an instance that crashed 3 times or more (30 s); it
   * doubles per crash up to 32 times this (16 min). Smaller values speed up tests.
   */
  crashBackoffMs: z.number().min(0),
  /** The router ignores X-CF-PROCESS-INSTANCE, as gorouter before Routing release 0.332 does. */
  routerIgnoresProcessInstance: z.boolean(),
})
export type Faults = z.infer<typeof Faults>
export const FaultsPatch = Faults.partial()
export type FaultsPatch = z.infer<typeof FaultsPatch>

export const defaultFaults: Faults = {
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  errorKinds: ['503', 'reset'],
  errorPathPattern: null,
  errorBudget: null,
  rateLimit: null,
  apiDown: false,
  apiDownMs: 0,
  tokenLifetimeSec: 7199,
  refreshTokenLifetimeSec: 30 * 24 * 3600,
  stagingMs: 3000,
  stagingFail: false,
  stagingHold: false,
  startupMs: 2000,
  crashRate: 0,
  crashBackoffMs: 30_000,
  routerIgnoresProcessInstance: false,
}

/** Validate a partial update and merge it into the current settings. Throws a ZodError on bad input. */
export function mergeFaults(current: Faults, patch: unknown): Faults {
  return Faults.parse({...current, ...FaultsPatch.parse(patch)})
}

/**
 * Cloud Controller's rate limiter: fixed windows per user (or per IP when unauthenticated).
 * `X-RateLimit-Remaining` is an estimate, as in CC: the fraction left, rounded down to 10 %,
 * times the limit.
 */
export class RateLimiter {
  private windows = new Map<string, {count: number; resetAt: number}>()

  check(key: string, limit: number, windowSec: number, now: number): {allowed: boolean; limit: number; remaining: number; resetAt: number} {
    let w = this.windows.get(key)
    if (!w || now >= w.resetAt) {
      w = {count: 0, resetAt: now + windowSec * 1000}
      this.windows.set(key, w)
    }
    w.count++
    const left = Math.max(0, limit - w.count)
    const remaining = Math.floor((left / limit) * 10) / 10
    return {allowed: w.count <= limit, limit, remaining: Math.floor(remaining * limit), resetAt: w.resetAt}
  }

  reset(): void {
    this.windows.clear()
  }
}
