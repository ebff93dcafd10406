/**
 * Log-cache, as far as `cf logs --recent` needs it: every app's log lines (staging, instances,
 * router) kept in a ring buffer per source id (the app guid, see log-store.ts), and log-cache's read endpoint
 * `GET <log_cache>/api/v1/read/:source_id` (log-cache-release's gateway over
 * internal/routing/local_store_reader.go) answering with the envelope batch in protojson form:
 *
 *   {"envelopes": {"batch": [{"timestamp": "<ns>", "source_id": "<app guid>", "instance_id": "0",
 *     "tags": {"source_type": "APP/PROC/WEB"}, "log": {"payload": "<base64>", "type": "ERR"}}]}}
 *
 * Read parameters as in log-cache: start_time (ns, inclusive, default 0), end_time (ns, exclusive,
 * default now), limit (default 100, at most 1000), envelope_types (only LOG is kept here, so any
 * other type reads nothing), descending. A source is kept after its app is deleted, as log-cache
 * keeps it until evicted, so a rolled-back copy's crash output can still be read.
 */
import {json, type Reply, type Routes} from './api/routes.js'
import type {Foundation} from './kernel.js'
import type {LogType, Stored} from './log-store.js'

/** One envelope in protojson form (int64 as a string, bytes as base64; the OUT enum default is omitted, as protojson does). */
export function envelope(s: Stored): Record<string, unknown> {
  return {
    timestamp: s.ns.toString(),
    source_id: s.sourceId,
    instance_id: s.line.instanceId,
    tags: {source_type: s.line.sourceType},
    log: {payload: Buffer.from(s.line.message, 'utf8').toString('base64'), ...(s.line.type === 'ERR' ? {type: 'ERR'} : {})},
  }
}

/** The gateway's error for a bad request: gRPC InvalidArgument (code 3) as HTTP 400. */
const invalid = (message: string): Reply => json(400, {code: 3, message, details: []})

function nanos(value: string | null, name: string): bigint | Reply | undefined {
  if (value === null || value === '') return undefined
  if (!/^-?\d+$/.test(value)) return invalid(`invalid value for ${name}: ${value}`)
  return BigInt(value)
}

/** Mount log-cache under the path the root's `log_cache` link names (`/log-cache`). The API's token check applies. */
export function register(r: Routes, f: Foundation): void {
  r.get('/log-cache/api/v1/info', () => json(200, {version: '3.0.0-cfzd-local', vm_uptime: String(Math.floor(process.uptime()))}))
  r.get('/log-cache/api/v1/read/:sourceId', (ctx) => {
    const params = new URLSearchParams(new URL(ctx.req.url ?? '/', 'http://local').search)
    const startTime = nanos(params.get('start_time'), 'start_time')
    const endTime = nanos(params.get('end_time'), 'end_time')
    if (startTime !== undefined && typeof startTime !== 'bigint') return startTime
    if (endTime !== undefined && typeof endTime !== 'bigint') return endTime
    const limitText = params.get('limit')
    const limit = limitText ? Number(limitText) : 0
    if (!Number.isInteger(limit)) return invalid(`invalid value for limit: ${limitText}`)
    if (limit > 1000) return invalid(`limit (${limit}) must be 1000 or less`)
    if (limit < 0) return invalid(`limit (${limit}) must be greater than zero`)
    if (startTime !== undefined && endTime !== undefined && endTime !== 0n && startTime > endTime) {
      return invalid(`StartTime (${startTime}) must be before EndTime (${endTime})`)
    }
    // envelope_types may repeat (envelope_types=LOG&envelope_types=GAUGE) or be comma-separated.
    const envelopeTypes = params
      .getAll('envelope_types')
      .flatMap((t) => t.split(','))
      .filter(Boolean)
      .map((t) => t.toUpperCase())
    const descending = /^(true|1)$/i.test(params.get('descending') ?? '')
    const batch = f.logs.read(ctx.params.sourceId, {startTime, endTime: endTime || undefined, limit, envelopeTypes, descending}).map(envelope)
    return json(200, {envelopes: {batch}})
  })
}

/** What the local runtime says about an instance, in the source types Diego and Cloud Controller use. */
export function instanceLog(
  f: Foundation,
  inst: {appGuid: string; processType: string; index: number; guid: string},
  event: {kind: 'creating' | 'listening' | 'healthy' | 'crashed' | 'stopping'; port?: number; details?: string},
): void {
  const i = String(inst.index)
  const app = `APP/PROC/${inst.processType.toUpperCase()}`
  const emit = (sourceType: string, message: string, type: LogType = 'OUT', instanceId = i) =>
    f.logs.emit(inst.appGuid, {sourceType, instanceId, type, message})
  switch (event.kind) {
    case 'creating':
      return emit('CELL', `Cell cfzd-local creating container for instance ${inst.guid}`)
    case 'listening':
      return emit(app, `cfzd-local responder listening on 127.0.0.1:${event.port}`)
    case 'healthy':
      return emit('CELL', 'Container became healthy')
    case 'crashed':
      emit(app, event.details ?? 'crashed', 'ERR')
      emit(app, 'Exit status 1')
      emit('CELL', `Cell cfzd-local stopping instance ${inst.guid}`)
      return emit('API', `Process has crashed with type: "${inst.processType}"`, 'OUT', '0')
    case 'stopping':
      return emit('CELL', `Cell cfzd-local stopping instance ${inst.guid}`)
  }
}

/** What staging prints: the buildpack's output on STG/0, and the failure on ERR. */
export function stagingLog(f: Foundation, appGuid: string, message: string, type: LogType = 'OUT'): void {
  f.logs.emit(appGuid, {sourceType: 'STG', instanceId: '0', type, message})
}

/** gorouter's access log line for one request, on RTR (as `cf logs` shows it). */
export function routerLog(
  f: Foundation,
  r: {
    host: string
    method: string
    path: string
    status: number
    bytesIn: number
    bytesOut: number
    userAgent?: string
    remote: string
    backend: string
    requestId: string
    seconds: number
    appGuid: string
    index: number
    instanceGuid: string
  },
): void {
  const when = new Date(f.now()).toISOString().replace('Z', '+0000')
  const message =
    `${r.host} - [${when}] "${r.method} ${r.path} HTTP/1.1" ${r.status} ${r.bytesIn} ${r.bytesOut} "-" "${r.userAgent ?? '-'}" "${r.remote}" "${r.backend}" ` +
    `x_forwarded_for:"${r.remote}" x_forwarded_proto:"http" vcap_request_id:"${r.requestId}" response_time:${r.seconds.toFixed(6)} ` +
    `app_id:"${r.appGuid}" app_index:"${r.index}" instance_id:"${r.instanceGuid}"`
  f.logs.emit(r.appGuid, {sourceType: 'RTR', instanceId: '0', type: 'OUT', message})
}
