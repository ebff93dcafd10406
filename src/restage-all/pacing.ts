/**
 * How fast a bulk restage goes, and what to do when one app fails. Pure decisions with injected
 * time, so they are tested without waiting.
 *
 * Pacing (when to start the next app):
 * - at most `max` apps at once (--concurrency);
 * - a 429, or X-RateLimit-Remaining at or below 10 % of the limit, pauses new starts until the
 *   window resets (X-RateLimit-Reset), while apps in flight carry on with what is left. Each
 *   request still waits out its own 429 in the transport;
 * - a staging-capacity error or a 429 halves how many run at once; each success adds one back
 *   (additive increase, multiplicative decrease).
 *
 * Failures (what to do with the app that failed):
 * - staging capacity (InsufficientResources, NoCompatibleCell, …), a build already staging
 *   (CF-StagingInProgress), the rate limit, quota taken by other apps in flight, an API that keeps
 *   failing: put the app back and retry it later with exponential backoff, a few times;
 * - anything else fails that app only.
 */
import {CapiError, CapiUnprocessable, NetworkError} from '../capi/errors.js'
import {backoffMs} from '../capi/retry.js'
import type {ResponseEvent} from '../capi/http.js'
import {AbortError} from '../clock.js'
import {CfzdError, ExitCode, errorMessage} from '../errors.js'
import {WaitFailure} from '../strategies/wait.js'
import type {FailureKind} from './types.js'

export interface PacerOptions {
  /** Pause new starts when X-RateLimit-Remaining ≤ this fraction of X-RateLimit-Limit. */
  lowFraction: number
  /** Pause this long after a 429 or a low reading that comes without X-RateLimit-Reset. */
  defaultPauseMs: number
  /** Never trust a reset further away than this (clock skew, bad headers). */
  maxPauseMs: number
}

export const defaultPacerOptions: PacerOptions = {lowFraction: 0.1, defaultPauseMs: 30_000, maxPauseMs: 60 * 60_000}

export class Pacer {
  /** How many apps may run at once now (≤ max). */
  effective: number
  pausedUntil = 0
  pauseReason = ''
  private readonly o: PacerOptions

  constructor(
    readonly max: number,
    opts: Partial<PacerOptions> = {},
  ) {
    this.effective = max
    this.o = {...defaultPacerOptions, ...opts}
  }

  /** How many apps may be in flight at `now`: 0 while paused. */
  limit(now: number): number {
    return now < this.pausedUntil ? 0 : this.effective
  }

  /** Feed every API response here (CapiHttp.observe). Returns true when it starts or extends a pause. */
  onResponse(e: Pick<ResponseEvent, 'status' | 'rateLimit'>, now: number): boolean {
    const rl = e.rateLimit
    const resetAt = rl?.resetAt && rl.resetAt > now && rl.resetAt - now <= this.o.maxPauseMs ? rl.resetAt : undefined
    if (e.status === 429) {
      this.slowDown()
      return this.pause(resetAt ?? now + this.o.defaultPauseMs, 'rate limited (HTTP 429)')
    }
    if (rl?.limit && rl.remaining !== undefined && Number.isFinite(rl.remaining) && rl.remaining <= rl.limit * this.o.lowFraction) {
      return this.pause(resetAt ?? now + this.o.defaultPauseMs, `rate limit low: ${rl.remaining} of ${rl.limit} requests left`)
    }
    return false
  }

  /** The foundation is short of staging capacity: run fewer at once. */
  slowDown(): void {
    this.effective = Math.max(1, Math.floor(this.effective / 2))
  }

  /** An app went through: run one more at once, up to the maximum. */
  onSuccess(): void {
    if (this.effective < this.max) this.effective++
  }

  private pause(until: number, reason: string): boolean {
    if (until <= this.pausedUntil) return false
    this.pausedUntil = until
    this.pauseReason = reason
    return true
  }
}

export interface Failure {
  kind: FailureKind
  message: string
}

/** Staging errors that mean "no room to stage right now", not "this app cannot stage". */
const CAPACITY = /\b(InsufficientResources|NoCompatibleCell|CellCommunicationError|StagerUnavailable|StagingBackendInvalid|insufficient resources)\b/i

function causes(e: unknown): unknown[] {
  const out: unknown[] = []
  for (let x: unknown = e; x !== undefined && x !== null && out.length < 10; x = (x as {cause?: unknown}).cause) out.push(x)
  return out
}

/** What kind of failure an error from operate() is, looking through its causes. */
export function classifyFailure(error: unknown, interrupted = false): Failure {
  const message = errorMessage(error)
  const chain = causes(error)
  if (interrupted || chain.some((e) => e instanceof AbortError) || (error instanceof CfzdError && error.exitCode === ExitCode.INTERRUPTED)) {
    return {kind: 'interrupted', message}
  }
  if (chain.some((e) => e instanceof CapiUnprocessable && e.is('CF-StagingInProgress'))) return {kind: 'staging-in-progress', message}
  if (error instanceof CfzdError && error.exitCode === ExitCode.CONFLICT && /is already staging/.test(message)) return {kind: 'staging-in-progress', message}
  if (chain.some((e) => e instanceof WaitFailure && e.kind === 'staging-failed' && CAPACITY.test(e.message))) return {kind: 'capacity', message}
  if (chain.some((e) => e instanceof CapiError && e.status === 429)) return {kind: 'rate-limited', message}
  if (error instanceof CfzdError && error.exitCode === ExitCode.QUOTA) return {kind: 'quota', message}
  if (chain.some((e) => e instanceof CapiError && e.status === 422 && CAPACITY.test(e.detail))) return {kind: 'capacity', message}
  if (chain.some((e) => e instanceof NetworkError || (e instanceof CapiError && e.status >= 500))) return {kind: 'api', message}
  if (error instanceof CfzdError && error.exitCode === ExitCode.CONFLICT) return {kind: 'conflict', message}
  return {kind: 'failed', message}
}

export interface RetryPolicy {
  /** Attempts in all (the first one included). */
  maxAttempts: Partial<Record<FailureKind, number>>
  baseMs: number
  capMs: number
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: {capacity: 6, 'staging-in-progress': 6, quota: 6, 'rate-limited': 4, api: 3},
  baseMs: 15_000,
  capMs: 5 * 60_000,
}

export type RetryDecision = {retry: true; delayMs: number; why: string} | {retry: false}

const WHY: Partial<Record<FailureKind, string>> = {
  capacity: 'the foundation is short of staging capacity',
  'staging-in-progress': 'a build is already staging for this app',
  quota: 'the quota is taken by other apps restaging now',
  'rate-limited': 'the API rate limit was reached',
  api: 'the API kept failing',
}

/**
 * Retry this app later, or give up on it? `attempt` is how many times it has run (1 after the
 * first failure). Quota shortfalls are retried only while other apps hold some of that quota.
 */
export function decideRetry(
  f: Failure,
  attempt: number,
  ctx: {othersInFlight: number; random?: () => number},
  policy: RetryPolicy = defaultRetryPolicy,
): RetryDecision {
  const max = policy.maxAttempts[f.kind]
  if (!max || attempt >= max) return {retry: false}
  if (f.kind === 'quota' && ctx.othersInFlight === 0) return {retry: false}
  // Jitter in [0.75, 1) so apps that failed together do not come back together.
  const delayMs = backoffMs(attempt - 1, policy, ctx.random, 0.25)
  return {retry: true, delayMs, why: WHY[f.kind] ?? f.kind}
}
