/** What a probe run reports, as --json and the summaries show it. */
import type {CanaryPinSummary} from './pin.js'

export interface ProbeDropletSpan {
  droplet: string
  /** old: it answered the baseline request, before the operation started; new: any other. */
  role: 'old' | 'new'
  /** First and last answer, in ms since the probe started. */
  fromMs: number
  toMs: number
  count: number
}

/** What --json shows under `probe` (and under `error.probe` when the command failed). */
export interface ProbeSummary {
  url: string
  ratePerSec: number
  sent: number
  ok: number
  failed: number
  /** Percentage of finished requests that got a 2xx, three decimals. */
  availability: number
  longestFailureRun: number
  p50Ms: number
  p99Ms: number
  durationMs: number
  /** Which droplet answered, in order of first answer (from X-Cfzd-Droplet-Guid; empty when the app doesn't say). */
  droplets: ProbeDropletSpan[]
  /** The first 20 failures, in ms since the probe started. */
  failures: {atMs: number; status?: number; error?: string}[]
  thresholds?: {errors?: number; errorRate?: number; sample?: number}
  /** The probe aborted the operation. */
  aborted?: {reason: string; atMs: number}
  /** A threshold was crossed when stopping could no longer undo anything. */
  notAborted?: {reason: string; atMs: number; why: string}
  /** The route did not answer 2xx before the operation started, so automatic abort was off. */
  unhealthyBefore?: string
  /** Each canary pause: requests pinned to the canary process (X-CF-PROCESS-INSTANCE), or why they could not be. */
  canary?: CanaryPinSummary[]
  /** Second by second since the probe started (the chart under the summary). */
  seconds?: ProbeSecond[]
}

/** One second of the probe, counted from its start. */
export interface ProbeSecond {
  ok: number
  failed: number
  /** Latency of the second's successful requests (0 when none). */
  p50Ms: number
  p95Ms: number
  /** Successful answers from the old droplet (the one that answered before the operation) and from any other. */
  old: number
  new: number
}
