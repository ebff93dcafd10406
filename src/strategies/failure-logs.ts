/**
 * Logs on failure: when staging failed, the last lines of the staging log; when instances crashed,
 * the app's recent log lines. Both are read from log-cache as `cf logs --recent` reads them (the
 * app guid as source id). They are added after the failure's own message, never in its place: if
 * log-cache can't be read, the failure is reported as it was, with one line saying why there are
 * no logs.
 */
import type {CapiClient} from '../capi/client.js'
import type {LogLine} from '../capi/log-cache.js'
import {CfzdError, errorMessage} from '../errors.js'
import {WaitFailure} from './wait.js'

/** Lines shown at most (the newest). */
export const FAILURE_LOG_LINES = 30

export type FailureLogKind = 'staging' | 'app'

/** What `--json` carries in `error.logs`. */
export interface FailureLogs {
  kind: FailureLogKind
  appGuid: string
  /** Oldest first. */
  lines: LogLine[]
  /** Why there are no lines, when log-cache could not be read. */
  error?: string
}

/** The WaitFailure behind an error, looking through its causes. */
function waitFailureIn(error: unknown): WaitFailure | undefined {
  for (let e = error, depth = 0; e && depth < 10; e = (e as {cause?: unknown}).cause, depth++) {
    if (e instanceof WaitFailure) return e
  }
  return undefined
}

/** Whether a failure calls for logs, and which: staging output for a failed build, app output for crashed instances. */
export function failureLogKind(error: unknown): {kind: FailureLogKind; appGuid: string} | undefined {
  const failure = waitFailureIn(error)
  const appGuid = failure?.appGuid
  if (!failure || !appGuid) return undefined
  if (failure.kind === 'staging-failed') return {kind: 'staging', appGuid}
  if (failure.kind === 'crashed' || (failure.observed.instances?.crashed ?? 0) > 0) return {kind: 'app', appGuid}
  return undefined
}

/** The lines of one kind: STG for staging; for the app, everything but staging and the router's access log. */
export function pickLines(kind: FailureLogKind, lines: LogLine[], max = FAILURE_LOG_LINES): LogLine[] {
  const wanted = lines.filter((l) => (kind === 'staging' ? l.sourceType === 'STG' : l.sourceType !== 'STG' && l.sourceType !== 'RTR'))
  return wanted.slice(-max)
}

/** Read the logs a failure calls for. Never throws: a log-cache problem becomes `error`. */
export async function readFailureLogs(capi: CapiClient, want: {kind: FailureLogKind; appGuid: string}, signal?: AbortSignal): Promise<FailureLogs> {
  try {
    const lines = await capi.logCache.recent(want.appGuid, {signal})
    return {...want, lines: pickLines(want.kind, lines)}
  } catch (error) {
    return {...want, lines: [], error: errorMessage(error)}
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** The cf CLI's log timestamp (2006-01-02T15:04:05.00-0700), in local time. */
export function formatLogTime(iso: string, tzOffsetMinutes?: number): string {
  const d = new Date(iso)
  const offset = tzOffsetMinutes ?? -d.getTimezoneOffset()
  const local = new Date(d.getTime() + offset * 60_000)
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `.${pad(Math.floor(local.getUTCMilliseconds() / 10))}${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  )
}

/** One line as `cf logs` prints it: three spaces, time, [SOURCE/INSTANCE], OUT|ERR, message. */
export function formatLogLine(l: LogLine, tzOffsetMinutes?: number): string {
  return `   ${formatLogTime(l.timestamp, tzOffsetMinutes)} [${l.sourceType}/${l.instanceId}] ${l.type} ${l.message}`
}

/** The text after the failure: a heading and the lines, or why there are none. */
export function renderFailureLogs(logs: FailureLogs, appName: string, tzOffsetMinutes?: number): string[] {
  const what = logs.kind === 'staging' ? `staging log of app ${appName}` : `recent logs of app ${appName}`
  if (logs.error) return [`Could not read recent logs: ${logs.error}`]
  if (logs.lines.length === 0) return [`No ${logs.kind === 'staging' ? 'staging log lines' : 'recent log lines'} for app ${appName} in log-cache.`]
  const n = logs.lines.length
  const heading =
    logs.kind === 'staging'
      ? `Last ${n} line${n === 1 ? '' : 's'} of the ${what}:`
      : `Last ${n} line${n === 1 ? '' : 's'} of the ${what} (cf logs ${appName} --recent):`
  return [heading, ...logs.lines.map((l) => formatLogLine(l, tzOffsetMinutes))]
}

/**
 * Add the logs a failure calls for to the error reported for it (its message, and `logs` in its
 * details for --json). Anything else, and interruptions, pass through unchanged.
 */
export async function withFailureLogs(capi: CapiClient, error: unknown, appName: string, signal?: AbortSignal): Promise<unknown> {
  if (signal?.aborted) return error
  const want = failureLogKind(error)
  if (!want) return error
  const logs = await readFailureLogs(capi, want)
  const message = [errorMessage(error), '', ...renderFailureLogs(logs, appName)].join('\n')
  const base = error instanceof CfzdError ? error : undefined
  return new CfzdError(message, {
    exitCode: base?.exitCode,
    suggestions: base?.suggestions ?? [],
    details: {...base?.details, logs},
    cause: base ? (base.cause ?? error) : error,
  })
}
