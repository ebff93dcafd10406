/**
 * The probe's flags as settings, and the rule that decides when its failures are too many. Kept
 * apart from the session so flag validation stays cheap to load and to test.
 */
import {UsageError} from '../errors.js'

export interface ProbeFlags {
  probe?: string
  'probe-rate'?: number
  'probe-timeout'?: number
  'abort-on-errors'?: number
  'abort-on-error-rate'?: number
  'abort-sample'?: number
}

export interface AbortThresholds {
  /** Abort once this many requests have failed in all. */
  errors?: number
  /** Abort once more than this percentage of the last `sample` requests failed. */
  errorRate?: number
  sample: number
}

export interface ProbeSettings {
  /** Undefined: the app's first route; "/path": that path on it; otherwise a URL. */
  target?: string
  ratePerSec: number
  timeoutMs: number
  abort: AbortThresholds
}

export const PROBE_DEFAULTS = {ratePerSec: 10, timeoutMs: 5000, sample: 20}

/** Flags → settings; undefined when no probe was asked for. Any probe flag implies --probe. */
export function probeSettings(flags: ProbeFlags): ProbeSettings | undefined {
  const implied = [flags['probe-rate'], flags['probe-timeout'], flags['abort-on-errors'], flags['abort-on-error-rate'], flags['abort-sample']].some(
    (v) => v !== undefined,
  )
  if (flags.probe === undefined && !implied) return undefined
  const target = flags.probe?.trim() || undefined
  if (target !== undefined) {
    const isUrl = /^https?:\/\//i.test(target)
    if (!isUrl && !target.startsWith('/'))
      throw new UsageError(`--probe takes a URL (http:// or https://) or a /path on the app's first route, or nothing (got "${target}").`)
    if (isUrl && !URL.canParse(target)) throw new UsageError(`--probe: "${target}" is not a valid URL.`)
  }
  if (flags['abort-sample'] !== undefined && flags['abort-on-error-rate'] === undefined) throw new UsageError("'--abort-sample' needs --abort-on-error-rate.")
  return {
    target,
    ratePerSec: flags['probe-rate'] ?? PROBE_DEFAULTS.ratePerSec,
    timeoutMs: flags['probe-timeout'] ?? PROBE_DEFAULTS.timeoutMs,
    abort: {errors: flags['abort-on-errors'], errorRate: flags['abort-on-error-rate'], sample: flags['abort-sample'] ?? PROBE_DEFAULTS.sample},
  }
}

/**
 * Decides when the probe's failures are too many. `--abort-on-errors N`: N failed requests in all.
 * `--abort-on-error-rate P`: more than P % of the last `sample` requests, once `sample` have finished.
 *
 *   errors 3:                 ok ok ✗ ok ✗ ✗ → abort on the 3rd failure
 *   errorRate 5, sample 20:   1 failure in the last 20 is 5 % (not over); 2 in the last 20 abort
 */
export class AbortWatch {
  private failed = 0
  private readonly window: boolean[] = []
  private windowFailed = 0

  constructor(readonly thresholds: AbortThresholds) {}

  get armed(): boolean {
    return this.thresholds.errors !== undefined || this.thresholds.errorRate !== undefined
  }

  /** Record one finished request; returns why to abort once a threshold is crossed. */
  record(ok: boolean): string | undefined {
    const t = this.thresholds
    if (!ok) this.failed++
    if (t.errorRate !== undefined) {
      this.window.push(ok)
      if (!ok) this.windowFailed++
      if (this.window.length > t.sample && !this.window.shift()) this.windowFailed--
    }
    if (t.errors !== undefined && !ok && this.failed >= t.errors) {
      return `the probe saw ${this.failed} failed request${this.failed === 1 ? '' : 's'} (--abort-on-errors ${t.errors})`
    }
    if (t.errorRate !== undefined && this.window.length >= t.sample) {
      const rate = (this.windowFailed / this.window.length) * 100
      if (rate > t.errorRate) {
        return `${this.windowFailed} of the last ${this.window.length} probe requests failed (${round(rate)}%, over --abort-on-error-rate ${t.errorRate}%)`
      }
    }
    return undefined
  }
}

const round = (n: number) => Math.round(n * 10) / 10
