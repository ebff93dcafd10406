/**
 * The Cloud Controller HTTP server (with UAA under /uaa and the admin endpoints under /_local).
 * Every request goes through one pipeline:
 *
 *   request id → request log → faults (latency, injected 5xx / resets) → UAA, or:
 *   token check → rate limit (X-RateLimit-* headers, 429) → 401 if unauthenticated →
 *   route → handler → JSON reply or the error envelope.
 */
import http, {type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'
import {ZodError} from 'zod'
import type {Foundation, RequestLogEntry} from '../kernel.js'
import {newGuid, sleep} from '../util.js'
import {readBody} from './body.js'
import {ApiError, invalidAuthToken, notAuthenticated, notAuthorized, rateLimited, serverError, unknownRequest, unprocessable} from './errors.js'
import {Query} from './query.js'
import {type Ctx, type Reply, Routes} from './routes.js'

/** Requests that need no token. */
const PUBLIC = new Set(['/', '/v3', '/v3/', '/v3/info', '/healthz'])
/** Requests the rate limiter does not count (rate_limiter middleware). */
const EXEMPT = new Set(['/', '/v3', '/v3/', '/healthz'])

export class ApiServer {
  readonly server: http.Server
  readonly routes = new Routes()
  port = 0
  private readonly sockets = new Set<Socket>()
  private downTimer?: NodeJS.Timeout

  constructor(private readonly f: Foundation) {
    this.server = http.createServer((req, res) => void this.handle(req, res))
    this.server.keepAliveTimeout = 5000
    this.server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    this.server.on('clientError', (_e, socket) => socket.destroy())
  }

  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    this.port = (this.server.address() as AddressInfo).port
    return this.port
  }

  /** apiDown: stop listening, so connections are refused; `up` listens on the same port again. */
  async setDown(down: boolean, restoreAfterMs = 0): Promise<void> {
    clearTimeout(this.downTimer)
    if (down && this.server.listening) {
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve())
        for (const s of this.sockets) s.destroy()
      })
      if (restoreAfterMs > 0) {
        this.downTimer = setTimeout(() => {
          this.f.faults = {...this.f.faults, apiDown: false}
          void this.setDown(false)
        }, restoreAfterMs)
      }
    } else if (!down && !this.server.listening) {
      await this.listen(this.port)
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.downTimer)
    if (!this.server.listening) return
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeIdleConnections()
      setTimeout(() => this.server.closeAllConnections(), 1000).unref()
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const f = this.f
    const started = f.now()
    const requestId = newGuid()
    const url = new URL(req.url ?? '/', 'http://local')
    const path = url.pathname.replace(/\/+$/, '') || '/'
    const method = (req.method ?? 'GET').toUpperCase()
    const kind: RequestLogEntry['kind'] = path.startsWith('/_local') ? 'admin' : path === '/uaa' || path.startsWith('/uaa/') ? 'uaa' : 'api'
    const entry: RequestLogEntry = {at: started, method, path: url.pathname + url.search, status: 0, durationMs: 0, requestId, kind}
    res.setHeader('X-VCAP-Request-ID', requestId)
    res.on('close', () => {
      entry.status = entry.injected === 'reset' || entry.injected === 'lost' ? 0 : res.statusCode
      entry.durationMs = f.now() - started
      if (!res.writableFinished && !entry.injected) entry.injected = entry.injected ?? 'aborted'
      f.requestLog.push(entry)
      // Bounded for long runs: keep the newest entries.
      if (f.requestLog.length > 500_000) f.requestLog.splice(0, 100_000)
    })

    try {
      const body = await readBody(req)
      let lose = false
      if (kind !== 'admin') {
        const faults = f.faults
        const latency = faults.latencyMs + (faults.latencyJitterMs > 0 ? f.random() * faults.latencyJitterMs : 0)
        if (latency > 0) await sleep(latency)
        if (
          faults.errorRate > 0 &&
          faults.errorBudget !== 0 &&
          (!faults.errorPathPattern || new RegExp(faults.errorPathPattern).test(`${method} ${path}`)) &&
          f.random() < faults.errorRate
        ) {
          const pick = faults.errorKinds[Math.floor(f.random() * faults.errorKinds.length)]
          entry.injected = pick
          if (faults.errorBudget !== null) f.faults = {...faults, errorBudget: faults.errorBudget - 1}
          if (pick === 'reset') {
            req.socket.destroy()
            return
          }
          // 'lost': carry the request out below, then drop the answer
          if (pick === 'lost') lose = true
          else {
            const status = Number(pick)
            const e =
              status === 503
                ? new ApiError(503, [{code: 10015, title: 'CF-ServiceUnavailable', detail: 'Injected fault: service unavailable'}])
                : status === 502
                  ? new ApiError(502, [{code: 10001, title: 'UnknownError', detail: 'Injected fault: bad gateway'}])
                  : serverError('Injected fault: an unknown error occurred.')
            return this.send(res, {status: e.status, body: e.body})
          }
        }
      }

      if (kind === 'uaa') {
        const reply = f.uaa.handle(method, path.slice('/uaa'.length) || '/', req, body.toString('utf8'))
        return this.send(res, {status: reply.status, body: reply.body, headers: reply.headers})
      }

      const authorization = req.headers.authorization
      const user = f.uaa.verify(authorization)
      const rl = f.faults.rateLimit
      if (rl && kind === 'api' && !EXEMPT.has(path)) {
        const key = user ? `user:${user.sub}` : `ip:${req.socket.remoteAddress}`
        const r = f.rateLimiter.check(key, rl.limit, rl.windowSec, f.now())
        res.setHeader('X-RateLimit-Limit', String(r.limit))
        res.setHeader('X-RateLimit-Remaining', String(r.remaining))
        res.setHeader('X-RateLimit-Reset', String(Math.ceil(r.resetAt / 1000)))
        if (!r.allowed) {
          const e = rateLimited(Math.max(1, Math.ceil((r.resetAt - f.now()) / 1000)))
          if (!user)
            e.errors[0] = {
              code: 10014,
              title: 'CF-IPBasedRateLimitExceeded',
              detail: 'Rate Limit Exceeded: Unauthenticated requests from this IP address have exceeded the limit',
            }
          // Cloud Controller labels this JSON body text/plain.
          return this.send(res, {status: 429, text: JSON.stringify(e.body), contentType: 'text/plain', headers: e.headers})
        }
      }
      if (!PUBLIC.has(path) || kind === 'admin') {
        if (!authorization) throw notAuthenticated()
        if (!user) throw invalidAuthToken()
      }
      // The test-only endpoints need an admin token.
      if (kind === 'admin' && !user!.scope.includes('cloud_controller.admin')) throw notAuthorized()

      const match = this.routes.match(method, path)
      if (!match) throw unknownRequest()
      const ctx: Ctx = {f, req, method, path, params: match.params, query: new Query(url.search), user: user!, body}
      const reply = await match.handler(ctx)
      if (method !== 'GET') f.changed()
      if (lose) return void req.socket.destroy()
      this.send(res, reply)
    } catch (error) {
      if (error instanceof ApiError) return this.send(res, {status: error.status, body: error.body, headers: error.headers})
      if (error instanceof ZodError) {
        const e = unprocessable(error.issues.map((i) => `${i.path.join('.')} ${i.message}`.trim()).join(', '))
        return this.send(res, {status: e.status, body: e.body})
      }
      f.log(`500 on ${method} ${url.pathname}: ${(error as Error).stack ?? error}`)
      const e = serverError()
      this.send(res, {status: 500, body: e.body})
    }
  }

  private send(res: ServerResponse, reply: Reply): void {
    if (res.headersSent || res.destroyed) return
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v)
    if (reply.text !== undefined) {
      res.writeHead(reply.status, {'content-type': reply.contentType ?? 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(reply.text)})
      res.end(reply.text)
      return
    }
    if (reply.body === undefined || reply.status === 204) {
      res.writeHead(reply.status, reply.status === 204 ? {} : {'content-length': '0'})
      res.end()
      return
    }
    const text = JSON.stringify(reply.body)
    res.writeHead(reply.status, {'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text)})
    res.end(text)
  }
}
