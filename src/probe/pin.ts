/**
 * Pinning checks to the canary. Routing release 0.332 and later (gorouter) sends a request that
 * carries `X-CF-PROCESS-INSTANCE: <process guid>[:<instance index>]` only to that process's
 * instances (to that one instance with an index) on the requested route:
 *
 *   value not `<lowercase uuid>[:<digits>]`          → 400, X-Cf-Routererror: invalid_cf_process_instance_header
 *   no instance of that process (and index) on route → 400, X-Cf-Routererror: unknown_route
 *                                                       "Requested instance with process guid ('…') does not exist for route ('…')"
 *
 * An older router ignores the header and balances the request over every instance, old ones
 * included. So before trusting pinned answers cfzd asks the router for a process that cannot exist:
 * a router that honours the header answers 400 unknown_route, one that ignores it answers from the
 * app. Answers that name their process (X-Cfzd-Process-Guid, as the local foundation's instances
 * do) are checked as well.
 */
import {randomUUID} from 'node:crypto'
import {requestOnce} from './probe.js'

export const PROCESS_INSTANCE_HEADER = 'X-CF-PROCESS-INSTANCE'
/** Response header naming the process that answered (the local foundation's instances set it). */
export const PROCESS_GUID_RESPONSE_HEADER = 'x-cfzd-process-guid'

/** The canary a check is pinned to: the deployment's new web process. */
export interface CanaryPin {
  processGuid: string
  /** Canary step (1-based) and steps in all, for messages. */
  step: number
  steps: number
}

export interface PinCheck {
  /** The router sends pinned requests only to the canary. */
  pinned: boolean
  /** Why not, in words, when not pinned. */
  why?: string
}

/** The header's value for a process (any of its instances) or one instance of it. */
export const processInstanceValue = (processGuid: string, index?: number) => (index === undefined ? processGuid : `${processGuid}:${index}`)

/**
 * Does the router behind `url` honour X-CF-PROCESS-INSTANCE? Ask for a process that does not
 * exist: 400 with X-Cf-Routererror unknown_route means yes; an answer from the app means the
 * router ignored the header. Then one request pinned to the canary: an answer naming another
 * process also means no.
 */
export async function checkPinning(url: string, processGuid: string, opts: {timeoutMs?: number; insecure?: boolean} = {}): Promise<PinCheck> {
  const bogus = await requestOnce(url, {...opts, headers: {[PROCESS_INSTANCE_HEADER]: processInstanceValue(randomUUID())}})
  if (bogus.status === undefined) return {pinned: false, why: `the router did not answer (${bogus.error ?? 'no answer'})`}
  if (!(bogus.status === 400 && bogus.routerError === 'unknown_route')) {
    return {
      pinned: false,
      why: `the router ignored ${PROCESS_INSTANCE_HEADER} (a request for a process that does not exist got HTTP ${bogus.status}${bogus.routerError ? ` ${bogus.routerError}` : ' from the app'}, not 400 unknown_route; pinning needs Routing release 0.332 or later)`,
    }
  }
  const real = await requestOnce(url, {...opts, headers: {[PROCESS_INSTANCE_HEADER]: processInstanceValue(processGuid)}})
  if (real.processGuid && real.processGuid !== processGuid) {
    return {pinned: false, why: `a request pinned to process ${processGuid} was answered by process ${real.processGuid}`}
  }
  if (real.status === 400 && real.routerError === 'unknown_route') {
    return {pinned: false, why: `the router knows no instance of the canary process ${processGuid} on this route`}
  }
  return {pinned: true}
}

/**
 * Checks at a canary pause, pinned to the canary (the probe's, under --probe): resolves when they
 * are done; when they find too many failures, the operation's signal is aborted.
 */
export type CanaryCheck = (pin: CanaryPin) => Promise<void>

/** What --json shows for each canary pause the probe checked (under probe.canary). */
export interface CanaryPinSummary {
  step: number
  steps: number
  processGuid: string
  /** The router sent the pinned requests only to the canary. */
  pinned: boolean
  /** Why not, when not pinned. */
  why?: string
  /** Requests pinned to the canary at this pause, and how they ended. */
  sent: number
  ok: number
  failed: number
}
