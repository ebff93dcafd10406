/**
 * How many API requests a bulk restage needs, against the rate limit Cloud Controller reports.
 *
 * When an operator turns the rate limiter on, every response carries X-RateLimit-Limit (requests
 * per user per window), X-RateLimit-Remaining (an estimate, rounded down to 10 % of the limit)
 * and X-RateLimit-Reset (when the window ends, epoch seconds). The window's length is not sent:
 * Cloud Controller's default (reset_interval_in_minutes) is 60 minutes.
 *
 * Before the run (--dry-run) the requests per app are an estimate per strategy; during the run
 * they are what the finished apps took. The ETA is the later of: the apps left at the rate they
 * finish, and the start of the last rate-limit window the requests left need.
 */
import type {RateLimitInfo} from '../capi/http.js'

/** Requests per restaged app before any is measured: rolling, 2 instances, polls included (bench). */
export const PER_APP_ESTIMATE: Record<string, number> = {rolling: 10, canary: 12, 'blue-green': 45}
/** Cloud Controller's default rate-limit window (reset_interval_in_minutes: 60). */
export const DEFAULT_WINDOW_MS = 60 * 60_000

export interface RequestBudget {
  /** Apps left to restage. */
  apps: number
  /** Requests per app: measured over the finished apps, or the strategy's estimate. */
  perApp: number
  perAppFrom: 'estimate' | 'measured'
  /** Requests the apps left need. */
  needed: number
  /** Requests made so far (during a run). */
  made?: number
  /** From the latest response's X-RateLimit-* headers. */
  limit?: number
  remaining?: number
  resetAt?: string
  /** Rate-limit windows that must reset before the requests left fit (0: they fit now). */
  waits?: number
  /** When the run should end (ISO), when it can be told. */
  eta?: string
}

export interface BudgetInput {
  apps: number
  strategy: string
  now: number
  rateLimit?: RateLimitInfo
  /** Requests made by the run so far, and the apps finished with them (restaged, failed or skipped). */
  made?: number
  finished?: number
  /** ms per finished app at the run's concurrency (elapsed / finished), when measured. */
  msPerApp?: number
  windowMs?: number
}

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z')

export function requestBudget(i: BudgetInput): RequestBudget {
  const measured = i.made !== undefined && i.finished !== undefined && i.finished > 0
  const perApp = measured ? i.made! / i.finished! : (PER_APP_ESTIMATE[i.strategy] ?? PER_APP_ESTIMATE.rolling)
  const needed = Math.ceil(i.apps * perApp)
  const b: RequestBudget = {apps: i.apps, perApp: Math.round(perApp * 10) / 10, perAppFrom: measured ? 'measured' : 'estimate', needed}
  if (i.made !== undefined) b.made = i.made
  let byApps = i.msPerApp !== undefined ? i.now + i.apps * i.msPerApp : undefined
  if (i.apps === 0) byApps = i.now
  const rl = i.rateLimit
  if (rl?.limit && rl.remaining !== undefined && Number.isFinite(rl.remaining)) {
    b.limit = rl.limit
    b.remaining = rl.remaining
    const resetAt = rl.resetAt && rl.resetAt > i.now ? rl.resetAt : undefined
    if (resetAt) b.resetAt = iso(resetAt)
    b.waits = needed <= rl.remaining ? 0 : Math.ceil((needed - rl.remaining) / rl.limit)
    if (b.waits > 0 && resetAt) {
      // The last window starts after `waits - 1` full windows past the reset.
      const lastWindow = resetAt + (b.waits - 1) * (i.windowMs ?? DEFAULT_WINDOW_MS)
      const leftInLast = needed - rl.remaining - (b.waits - 1) * rl.limit
      const tail = i.msPerApp !== undefined ? (leftInLast / perApp) * i.msPerApp : 0
      byApps = Math.max(byApps ?? 0, lastWindow + tail)
    }
  }
  if (byApps !== undefined) b.eta = iso(byApps)
  return b
}

const n = (x: number) => x.toLocaleString('en-US')
const hhmm = (isoTime: string) => `${isoTime.slice(11, 16)} UTC`

/** One line for the plan and the progress, e.g. "API requests: about 8,000 (8 per app, estimate); 1,800 of 2,000 left until 22:00 UTC: 4 windows must reset first; done at the earliest 02:00 UTC". */
export function budgetLine(b: RequestBudget): string {
  const parts = [
    `API requests: ${b.made !== undefined ? `${n(b.made)} made, ` : ''}about ${n(b.needed)} ${b.made !== undefined ? 'more' : 'needed'} (${b.perApp} per app, ${b.perAppFrom}, ${n(b.apps)} app${b.apps === 1 ? '' : 's'})`,
  ]
  if (b.limit !== undefined && b.remaining !== undefined) {
    parts.push(`rate limit: ${n(b.remaining)} of ${n(b.limit)} left${b.resetAt ? ` until ${hhmm(b.resetAt)}` : ''}`)
    if (b.waits === 0) parts.push('fits in what is left')
    else parts.push(`needs ${b.waits} more window${b.waits === 1 ? '' : 's'} (pauses until each resets)`)
  }
  if (b.eta) parts.push(`ETA ${hhmm(b.eta)}`)
  return parts.join('; ')
}
