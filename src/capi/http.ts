/**
 * The transport under every CAPI call: auth header, retries as retry.ts decides them (capped
 * exponential backoff with jitter), 429 handling (Retry-After / X-RateLimit-Reset), a single token
 * refresh on 401 CF-InvalidAuthToken, X-Cf-Warnings, tracing with redaction, and zod validation.
 *
 * POSTs are never retried blindly after the request may have reached the server: the error is
 * surfaced as ambiguous (see isAmbiguous) so the caller can re-read state (see reconcile.ts). A
 * refused connection or a 503 means it did not, so those are retried for any method.
 */
import type {Got, OptionsInit, Response} from 'got'
import type {ZodType} from 'zod'
import {type Clock, systemClock} from '../clock.js'
import {CapiError, NetworkError, type RequestInfo, SchemaError} from './errors.js'
import {backoffMs, defaultRetryPolicy, isAmbiguousCode, retryAfterNetworkError, retryAfterStatus, type RetryPolicy, UNREACHABLE_CODES} from './retry.js'
import {formatTraceRequest, formatTraceResponse, type TraceSink} from './trace.js'

export {defaultRetryPolicy, type RetryPolicy} from './retry.js'

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined | null
export type Query = Record<string, QueryValue>

/** Supplies the Authorization header and refreshes it. Implemented in src/auth. */
export interface TokenProvider {
  /** The header value ("bearer <jwt>"), refreshed first if it expires within 60 s. */
  authorization(): Promise<string>
  /** Called after a 401 CF-InvalidAuthToken. Concurrent callers share a single refresh. */
  refresh(failedAuthorization: string): Promise<string>
}

export interface RateLimitInfo {
  limit?: number
  remaining?: number
  resetAt?: number
}

/** What an observer sees of every response: bulk callers pace themselves and count requests with it. */
export interface ResponseEvent {
  method: Method
  url: string
  status: number
  /** X-RateLimit-* values, when the response carried them. */
  rateLimit?: RateLimitInfo
}

export interface HttpOptions {
  apiUrl: string
  tokens?: TokenProvider
  skipSslValidation?: boolean
  clock?: Clock
  trace?: TraceSink
  onWarning?: (warning: string) => void
  /** Called with X-RateLimit-* values of every counted response, so bulk work can slow down. */
  onRateLimit?: (info: RateLimitInfo) => void
  retry?: Partial<RetryPolicy>
  /** Milliseconds to wait for a response before treating the request as failed. */
  responseTimeoutMs?: number
  userAgent?: string
  /** Random source for jitter; injectable for tests. */
  random?: () => number
}

export interface RequestOptions<T> {
  method?: Method
  /** A path like /v3/apps, or an absolute URL (pagination links, job locations). */
  path: string
  query?: Query
  json?: unknown
  /** A raw body: YAML for manifests, FormData for uploads. */
  body?: string | Buffer | FormData
  headers?: Record<string, string>
  schema?: ZodType<T>
  /** Safe to repeat. Defaults to true for everything but POST. */
  idempotent?: boolean
  /** Send the Authorization header (default true). */
  auth?: boolean
  /** Parse the body as JSON (default) or return it as text. */
  responseType?: 'json' | 'text'
  signal?: AbortSignal
}

export interface CapiResponse<T> {
  status: number
  headers: Record<string, string | string[] | undefined>
  data: T
  location?: string
  requestId?: string
}

export class CapiHttp {
  readonly apiUrl: string
  readonly clock: Clock
  private readonly retry: RetryPolicy
  private got?: Got
  private readonly random: () => number
  private readonly observers = new Set<(e: ResponseEvent) => void>()
  /** The API has answered at least once: a refused connection now means it is down for a while. */
  private answered = false
  private warnedUnreachable = false

  constructor(private readonly opts: HttpOptions) {
    this.apiUrl = opts.apiUrl.replace(/\/+$/, '')
    this.clock = opts.clock ?? systemClock
    this.retry = {...defaultRetryPolicy, ...opts.retry}
    this.random = opts.random ?? Math.random
  }

  private async client(): Promise<Got> {
    if (!this.got) {
      const {default: got} = await import('got')
      this.got = got.extend({
        throwHttpErrors: false,
        retry: {limit: 0},
        followRedirect: false,
        decompress: true,
        https: {rejectUnauthorized: !this.opts.skipSslValidation},
        timeout: {connect: 15_000, response: this.opts.responseTimeoutMs ?? 120_000},
        headers: {'user-agent': this.opts.userAgent ?? 'cfzd', accept: 'application/json'},
      })
    }
    return this.got
  }

  /**
   * A transport for another API of the same foundation (log-cache): the same token, TLS setting,
   * clock, tracing and retry policy, with its own base URL and its own "has answered" state.
   */
  forEndpoint(url: string): CapiHttp {
    return new CapiHttp({...this.opts, apiUrl: url})
  }

  /**
   * Watch every response (including ones that are retried: a 429, a 503), after it arrives and
   * before it is handled. Returns a function that stops watching.
   */
  observe(listener: (e: ResponseEvent) => void): () => void {
    this.observers.add(listener)
    return () => this.observers.delete(listener)
  }

  /**
   * The request URL. A list value becomes `k=a,b`: Cloud Controller ORs values separated by raw
   * commas and reads `%2C` as a comma inside one value, so each value is escaped on its own.
   */
  url(path: string, query?: Query): string {
    const u = new URL(/^https?:\/\//.test(path) ? path : this.apiUrl + path)
    if (query) {
      const pairs: string[] = []
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined || v === null) continue
        u.searchParams.delete(k)
        pairs.push(`${encodeURIComponent(k)}=${Array.isArray(v) ? v.map((x) => encodeURIComponent(String(x))).join(',') : encodeURIComponent(String(v))}`)
      }
      if (pairs.length > 0) u.search = [u.search.slice(1), ...pairs].filter(Boolean).join('&')
    }
    return u.toString()
  }

  async request<T = unknown>(o: RequestOptions<T>): Promise<CapiResponse<T>> {
    const method = o.method ?? 'GET'
    const url = this.url(o.path, o.query)
    const info: RequestInfo = {method, url}
    const idempotent = o.idempotent ?? method !== 'POST'
    const got = await this.client()
    let attempt = 0
    let rateLimited = 0
    let refreshed = false
    let unreachableSince: number | undefined
    let refused = 0

    for (;;) {
      const headers: Record<string, string> = {...o.headers}
      let authorization: string | undefined
      if (o.auth !== false && this.opts.tokens) {
        authorization = await this.opts.tokens.authorization()
        headers.authorization = authorization
      }
      let body: string | Buffer | FormData | undefined = o.body
      if (o.json !== undefined) {
        body = JSON.stringify(o.json)
        headers['content-type'] = 'application/json'
      }
      const started = this.clock.now()
      if (this.opts.trace) this.opts.trace(formatTraceRequest(method, url, headers, typeof body === 'string' ? body : body ? '[binary body]' : undefined))

      let res: Response<string>
      try {
        const options: OptionsInit = {method, headers, body: body as OptionsInit['body'], responseType: 'text', signal: o.signal}
        res = (await got(url, options)) as Response<string>
      } catch (error) {
        if (o.signal?.aborted) throw error
        const code = (error as {code?: string}).code
        const ambiguous = isAmbiguousCode(code)
        if (this.answered && UNREACHABLE_CODES.has(code ?? '')) {
          unreachableSince ??= this.clock.now()
          if (this.clock.now() - unreachableSince < this.retry.unreachableMs) {
            if (!this.warnedUnreachable) {
              this.warnedUnreachable = true
              this.opts.onWarning?.(`The Cloud Controller is not answering (${code}): retrying for up to ${Math.round(this.retry.unreachableMs / 1000)}s`)
            }
            await this.clock.sleep(Math.min(this.backoff(refused++), 2000), o.signal)
            continue
          }
        }
        if (retryAfterNetworkError(code, {idempotent, attempt}, this.retry)) {
          await this.clock.sleep(this.backoff(attempt++), o.signal)
          continue
        }
        throw new NetworkError(`${method} ${url} failed: ${(error as Error).message}`, {code, request: info, ambiguous, cause: error})
      }

      this.answered = true
      this.warnedUnreachable = false
      const resHeaders = res.headers as Record<string, string | string[] | undefined>
      if (this.opts.trace) this.opts.trace(formatTraceResponse(res.statusCode, resHeaders, res.body, this.clock.now() - started))
      this.emitWarnings(resHeaders)
      const rl = readRateLimit(resHeaders)
      if (rl && this.opts.onRateLimit) this.opts.onRateLimit(rl)
      for (const o of this.observers) o({method, url, status: res.statusCode, rateLimit: rl})
      const requestId = header(resHeaders, 'x-vcap-request-id')

      if (res.statusCode === 401 && authorization && this.opts.tokens && !refreshed && /CF-InvalidAuthToken/.test(res.body)) {
        refreshed = true
        await this.opts.tokens.refresh(authorization)
        continue
      }
      if (res.statusCode === 429 && rateLimited < this.retry.rateLimitRetries) {
        const wait = this.rateLimitWait(resHeaders, rateLimited++)
        if (wait <= this.retry.rateLimitMaxWaitMs) {
          if (wait >= 5000)
            this.opts.onWarning?.(`Rate limited by the Cloud Controller: waiting ${Math.ceil(wait / 1000)}s before retrying ${method} ${new URL(url).pathname}`)
          await this.clock.sleep(wait, o.signal)
          continue
        }
      }
      // 503: the request was turned away unprocessed (no healthy Cloud Controller), so even a POST
      // may be sent again; isAmbiguous() treats it the same way. See retry.ts.
      if (retryAfterStatus(res.statusCode, {idempotent, attempt}, this.retry)) {
        await this.clock.sleep(this.backoff(attempt++), o.signal)
        continue
      }
      if (res.statusCode >= 400) {
        throw CapiError.from(res.statusCode, res.body, {requestId, request: info, headers: resHeaders})
      }

      let data: unknown = res.body
      if ((o.responseType ?? 'json') === 'json') {
        data = res.body ? parseJson(res.body, info) : undefined
      }
      if (o.schema) {
        const parsed = o.schema.safeParse(data)
        if (!parsed.success) {
          throw new SchemaError(
            parsed.error.issues.map((i) => ({path: formatPath(i.path as PropertyKey[]), message: i.message})),
            info,
          )
        }
        data = parsed.data
      }
      return {status: res.statusCode, headers: resHeaders, data: data as T, location: header(resHeaders, 'location'), requestId}
    }
  }

  /** The wait before retry number `attempt` (retry.ts's backoff, with this client's random source). */
  backoff(attempt: number): number {
    return backoffMs(attempt, this.retry, this.random)
  }

  private rateLimitWait(headers: Record<string, string | string[] | undefined>, n: number): number {
    const retryAfter = header(headers, 'retry-after')
    if (retryAfter) {
      const secs = Number(retryAfter)
      if (Number.isFinite(secs)) return Math.max(0, secs * 1000)
      const date = Date.parse(retryAfter)
      if (Number.isFinite(date)) return Math.max(0, date - this.clock.now())
    }
    const reset = Number(header(headers, 'x-ratelimit-reset'))
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - this.clock.now()) + 100
    return this.backoff(n)
  }

  private emitWarnings(headers: Record<string, string | string[] | undefined>) {
    const raw = header(headers, 'x-cf-warnings')
    if (!raw || !this.opts.onWarning) return
    for (const w of raw.split(',')) {
      const text = safeDecode(w.trim())
      if (text) this.opts.onWarning(text)
    }
  }
}

export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()]
  return Array.isArray(v) ? v.join(',') : v
}

function readRateLimit(headers: Record<string, string | string[] | undefined>): RateLimitInfo | undefined {
  const limit = header(headers, 'x-ratelimit-limit')
  const remaining = header(headers, 'x-ratelimit-remaining')
  const reset = header(headers, 'x-ratelimit-reset')
  if (limit === undefined && remaining === undefined) return undefined
  return {
    limit: limit === undefined ? undefined : Number(limit),
    remaining: remaining === undefined ? undefined : Number(remaining),
    resetAt: reset === undefined ? undefined : Number(reset) * 1000,
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}

function parseJson(text: string, info: RequestInfo): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new SchemaError([{path: '', message: `expected JSON, got ${JSON.stringify(text.slice(0, 80))}`}], info)
  }
}

export function formatPath(path: PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p)
  return out
}
