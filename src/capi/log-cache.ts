/**
 * log-cache's read API, as `cf logs --recent` uses it: the endpoint is the `log_cache` link of
 * `GET /`, and `GET <log_cache>/api/v1/read/<source_id>` (source_id = the app guid) answers with a
 * batch of loggregator v2 envelopes in protojson form:
 *
 *   {"envelopes": {"batch": [{"timestamp": "<ns>", "source_id": "<app guid>", "instance_id": "0",
 *     "tags": {"source_type": "STG"}, "log": {"payload": "<base64>", "type": "ERR"}}]}}
 *
 * int64 timestamps are strings, the payload is base64, and protojson leaves out defaults (type
 * OUT, an empty instance id). Requests carry the same bearer token and go through the same retry
 * policy as Cloud Controller requests.
 */
import {z} from 'zod'
import {CapiError} from './errors.js'
import type {CapiHttp} from './http.js'
import type {RootResource} from './resources/root.js'

const Envelope = z
  .object({
    timestamp: z.union([z.string(), z.number()]).optional(),
    source_id: z.string().optional(),
    instance_id: z.string().optional(),
    tags: z.record(z.string(), z.string()).optional(),
    log: z
      .object({payload: z.string().optional(), type: z.enum(['OUT', 'ERR']).optional()})
      .passthrough()
      .optional(),
  })
  .passthrough()
export type Envelope = z.infer<typeof Envelope>

export const ReadResponse = z
  .object({
    envelopes: z
      .object({batch: z.array(Envelope).optional()})
      .passthrough()
      .optional(),
  })
  .passthrough()

/** One log line, as `cf logs` prints it: `<time> [<source type>/<instance>] <OUT|ERR> <message>`. */
export interface LogLine {
  /** ISO 8601, UTC. */
  timestamp: string
  sourceType: string
  instanceId: string
  type: 'OUT' | 'ERR'
  message: string
}

export interface ReadOptions {
  /** Nanoseconds since the epoch; log-cache's default is 0. */
  startTime?: bigint | number
  endTime?: bigint | number
  /** At most 1000 (log-cache's limit). */
  limit?: number
  envelopeTypes?: ('LOG' | 'COUNTER' | 'GAUGE' | 'TIMER' | 'EVENT' | 'ANY')[]
  descending?: boolean
  signal?: AbortSignal
}

/** log-cache could not be read: not advertised, not reachable, or it refused. */
export class LogCacheError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'LogCacheError'
  }
}

/** Lines `cf logs --recent` asks for at most (sharedaction.RecentLogsLines). */
export const RECENT_LOGS_LINES = 1000

export class LogCache {
  private http?: Promise<CapiHttp>

  constructor(private readonly capi: {readonly http: CapiHttp; readonly root: RootResource}) {}

  /** The endpoint from the root's `log_cache` link, read once. */
  endpoint(): Promise<CapiHttp> {
    this.http ??= this.capi.root.root().then(
      (root) => {
        const href = root.links.log_cache?.href
        if (!href) throw new LogCacheError('the API does not advertise a log-cache endpoint (no log_cache link in GET /)')
        return this.capi.http.forEndpoint(href)
      },
      (error) => {
        this.http = undefined
        throw error
      },
    )
    return this.http
  }

  /** GET /api/v1/read/<source_id>: the envelopes, in the order log-cache sends them. */
  async read(sourceId: string, o: ReadOptions = {}): Promise<Envelope[]> {
    const http = await this.endpoint()
    const query = [`start_time=${o.startTime ?? 0}`]
    if (o.endTime !== undefined) query.push(`end_time=${o.endTime}`)
    if (o.limit !== undefined) query.push(`limit=${o.limit}`)
    for (const t of o.envelopeTypes ?? []) query.push(`envelope_types=${t}`)
    if (o.descending) query.push('descending=true')
    try {
      const r = await http.request({path: `/api/v1/read/${encodeURIComponent(sourceId)}?${query.join('&')}`, schema: ReadResponse, signal: o.signal})
      return r.data.envelopes?.batch ?? []
    } catch (error) {
      if (error instanceof CapiError)
        throw new LogCacheError(
          `log-cache answered HTTP ${error.status}${error.detail && error.detail !== `HTTP ${error.status}` ? `: ${error.detail}` : ''}`,
          {cause: error},
        )
      throw error
    }
  }

  /**
   * The app's most recent log lines, oldest first, as `cf logs --recent` reads them: LOG envelopes,
   * newest first with a limit, the limit halved while log-cache answers 429.
   */
  async recent(sourceId: string, o: {limit?: number; signal?: AbortSignal} = {}): Promise<LogLine[]> {
    let limit = Math.min(o.limit ?? RECENT_LOGS_LINES, RECENT_LOGS_LINES)
    for (;;) {
      try {
        const batch = await this.read(sourceId, {envelopeTypes: ['LOG'], limit, descending: true, signal: o.signal})
        return batch.flatMap(toLogLine).reverse()
      } catch (error) {
        const status = error instanceof LogCacheError && error.cause instanceof CapiError ? error.cause.status : 0
        if (status !== 429 || limit <= 1) throw error
        limit = Math.floor(limit / 2)
      }
    }
  }
}

/** A LOG envelope as a line (other envelope types give none). */
export function toLogLine(e: Envelope): LogLine[] {
  if (!e.log) return []
  const ns = /^\d+$/.test(String(e.timestamp ?? '')) ? BigInt(String(e.timestamp)) : 0n
  const message = e.log.payload ? Buffer.from(e.log.payload, 'base64').toString('utf8') : ''
  return [
    {
      timestamp: new Date(Number(ns / 1_000_000n)).toISOString(),
      sourceType: e.tags?.source_type ?? '',
      instanceId: e.instance_id ?? '',
      type: e.log.type ?? 'OUT',
      message: message.replace(/[\r\n]+$/, ''),
    },
  ]
}
