/**
 * A gorouter-like HTTP router. It forwards by Host header (port stripped) to `<host>.<domain>`
 * routes, the longest matching path route winning, and round-robins over the routable instances
 * of every app process mapped to the route (so during a deployment old and new web processes
 * share the traffic). Like gorouter it retries another endpoint when one refuses the connection,
 * answers 404 with `X-Cf-Routererror: unknown_route` when the route does not exist or has no
 * endpoints (gorouter prunes routes without endpoints), and 502 `endpoint_failure` when the
 * backend fails.
 *
 * Route delay (settings.routeDelayMs): gorouter hears of an unmapped route only after route-emitter
 * and NATS pass it on, so for that long the router keeps sending requests to the destination's
 * instances, stopping ones included while they still listen. An instance that refuses the
 * connection is skipped (gorouter retries dial errors); a request an instance drops while serving
 * it (a kill stop) is cut: 502.
 * `X-CF-PROCESS-INSTANCE: <process guid>[:<index>]` narrows the endpoints to that process (and
 * instance index), as gorouter does since Routing release 0.332: a value of another form gets 400
 * `invalid_cf_process_instance_header`, no such endpoint on the route 400 `unknown_route`. The
 * fault routerIgnoresProcessInstance makes the router ignore the header, as older ones do.
 */
import http, {type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Foundation} from '../kernel.js'
import type {RouteRec} from '../state.js'
import {newGuid} from '../util.js'
import type {Instance} from './instance.js'
import {routerLog} from '../log-cache.js'

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-authenticate',
])
const MAX_ATTEMPTS = 3
/** gorouter's format for X-CF-PROCESS-INSTANCE: a lowercase UUID, optionally `:<index>`. */
const PROCESS_INSTANCE = /^([\da-f]{8}-(?:[\da-f]{4}-){3}[\da-f]{12})(?::(\d+))?$/

export class GoRouter {
  readonly server: http.Server
  private table = new Map<string, RouteRec[]>()
  private tableVersion = -1
  private readonly cursor = new Map<string, number>()
  /** Destinations unmapped within the route delay: route guid → process guids and until when. */
  private readonly stale = new Map<string, {routeGuid: string; processGuids: string[]; until: number}>()
  private destinations = new Map<string, {routeGuid: string; processGuids: string[]}>()

  constructor(private readonly f: Foundation) {
    f.bus.on('routes', () => this.noteUnmapped())
    this.server = http.createServer((req, res) => void this.handle(req, res))
    this.server.keepAliveTimeout = 5000
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
    return (this.server.address() as AddressInfo).port
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  /** The route serving this host and path, or undefined. */
  lookup(hostHeader: string, path: string): RouteRec | undefined {
    if (this.tableVersion !== this.f.routingVersion) this.rebuild()
    const host = hostHeader.replace(/:\d+$/, '').toLowerCase().replace(/\.$/, '')
    const candidates = this.table.get(host)
    if (!candidates) return undefined
    let best: RouteRec | undefined
    for (const r of candidates) {
      if (r.path && !(path === r.path || path.startsWith(r.path + '/'))) continue
      if (!best || r.path.length > best.path.length) best = r
    }
    return best
  }

  /** The routable instances behind a route, over every destination (app + process type). */
  endpoints(route: RouteRec): Instance[] {
    const out: Instance[] = []
    for (const d of route.destinations) {
      for (const p of this.f.store.processes.by('app', d.appGuid)) {
        if (p.type === d.processType) out.push(...this.f.runtime.routable(p.guid))
      }
    }
    return out
  }

  /** Instances of destinations unmapped less than the route delay ago. */
  staleEndpoints(route: RouteRec): Instance[] {
    const out: Instance[] = []
    const now = this.f.now()
    for (const [key, s] of this.stale) {
      if (s.until <= now) this.stale.delete(key)
      else if (s.routeGuid === route.guid) for (const p of s.processGuids) out.push(...this.f.runtime.lastKnown(p))
    }
    return out
  }

  /** Remember destinations that just went away, for the route delay. */
  private noteUnmapped(): void {
    const delay = this.f.settings.routeDelayMs ?? 0
    if (delay <= 0) return
    const now = new Map<string, {routeGuid: string; processGuids: string[]}>()
    for (const r of this.f.store.routes.all()) {
      for (const d of r.destinations) {
        const processGuids = this.f.store.processes
          .by('app', d.appGuid)
          .filter((p) => p.type === d.processType)
          .map((p) => p.guid)
        now.set(`${r.guid}|${d.appGuid}|${d.processType}`, {routeGuid: r.guid, processGuids})
      }
    }
    for (const [key, d] of this.destinations) if (!now.has(key)) this.stale.set(key, {...d, until: this.f.now() + delay})
    for (const key of now.keys()) this.stale.delete(key)
    this.destinations = now
  }

  private rebuild(): void {
    const table = new Map<string, RouteRec[]>()
    const domains = new Map(this.f.store.domains.all().map((d) => [d.guid, d]))
    for (const r of this.f.store.routes.all()) {
      const domain = domains.get(r.domainGuid)
      if (!domain || domain.internal || r.protocol !== 'http') continue
      const fqdn = (r.host ? `${r.host}.${domain.name}` : domain.name).toLowerCase()
      const list = table.get(fqdn)
      if (list) list.push(r)
      else table.set(fqdn, [r])
    }
    this.table = table
    this.tableVersion = this.f.routingVersion
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = String(req.headers['x-vcap-request-id'] ?? newGuid())
    const host = req.headers.host ?? ''
    const path = (req.url ?? '/').split('?')[0]
    const route = host ? this.lookup(host, path) : undefined
    const live = route ? this.endpoints(route) : []
    const stale = route && this.stale.size > 0 ? this.staleEndpoints(route).filter((i) => !live.includes(i)) : []
    let endpoints = [...live, ...stale]
    const pin = this.f.faults.routerIgnoresProcessInstance ? undefined : req.headers['x-cf-process-instance']
    if (typeof pin === 'string' && pin !== '') {
      const m = PROCESS_INSTANCE.exec(pin)
      if (!m) return this.fail(res, 400, 'invalid_cf_process_instance_header', '400 Bad Request: Invalid X-CF-Process-Instance Header\n', requestId)
      const [, processGuid, index] = m
      endpoints = endpoints.filter((i) => i.processGuid === processGuid && (index === undefined || String(i.index) === index))
      if (endpoints.length === 0) {
        const which =
          index === undefined
            ? `Requested instance with process guid ('${processGuid}')`
            : `Requested instance ('${index}') with process guid ('${processGuid}')`
        return this.fail(res, 400, 'unknown_route', `400 Bad Request: ${which} does not exist for route ('${host}')\n`, requestId)
      }
    }
    if (!route || endpoints.length === 0) {
      return this.fail(res, 404, 'unknown_route', `404 Not Found: Requested route ('${host.replace(/:\d+$/, '')}') does not exist.\n`, requestId)
    }
    const body = await readBody(req)
    const start = this.cursor.get(route.guid) ?? 0
    this.cursor.set(route.guid, start + 1)
    for (let attempt = 0; attempt < Math.min(MAX_ATTEMPTS, endpoints.length); attempt++) {
      const inst = endpoints[(start + attempt) % endpoints.length]
      if ((inst.draining && !stale.includes(inst)) || inst.state !== 'RUNNING' || !this.f.runtime.listening(inst)) continue
      const outcome = await this.forward(req, res, body, inst, requestId)
      if (outcome !== 'retry') return
    }
    if (!res.headersSent) this.fail(res, 502, 'endpoint_failure', '502 Bad Gateway: Registered endpoint failed to handle the request.\n', requestId)
    else res.destroy()
  }

  /** Proxy one request. 'retry' when the connection failed before anything was sent back. */
  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer, inst: Instance, requestId: string): Promise<'done' | 'retry'> {
    const headers: http.OutgoingHttpHeaders = {}
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v
    const remote = req.socket.remoteAddress ?? '127.0.0.1'
    headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${req.headers['x-forwarded-for']}, ${remote}` : remote
    headers['x-forwarded-proto'] = 'http'
    headers['x-vcap-request-id'] = requestId
    headers['x-cf-applicationid'] = inst.appGuid
    headers['x-cf-instanceindex'] = String(inst.index)
    headers['x-cf-instanceid'] = inst.guid
    headers['content-length'] = String(body.length)
    this.f.runtime.acquire(inst)
    const sentAt = this.f.now()
    // The instance exited (kill stop) while serving this request: it is cut, not retried.
    const dropped = () => inst.killedAt !== undefined && inst.killedAt >= sentAt
    let released = false
    const release = () => {
      if (!released) {
        released = true
        this.f.runtime.release(inst)
      }
    }
    return new Promise((resolve) => {
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: inst.port,
          method: req.method,
          path: req.url,
          headers,
          agent: (inst.agent ??= new http.Agent({keepAlive: true, maxSockets: 256})),
        },
        (up) => {
          const out: http.OutgoingHttpHeaders = {}
          for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v
          out['x-vcap-request-id'] = requestId
          res.writeHead(up.statusCode ?? 502, out)
          res.once('finish', () =>
            routerLog(this.f, {
              host: String(req.headers.host ?? ''),
              method: req.method ?? 'GET',
              path: req.url ?? '/',
              status: res.statusCode,
              bytesIn: body.length,
              bytesOut: Number(up.headers['content-length'] ?? 0),
              userAgent: req.headers['user-agent'],
              remote,
              backend: `127.0.0.1:${inst.port}`,
              requestId,
              seconds: (this.f.now() - sentAt) / 1000,
              appGuid: inst.appGuid,
              index: inst.index,
              instanceGuid: inst.guid,
            }),
          )
          up.pipe(res)
          up.on('end', () => {
            release()
            resolve('done')
          })
          up.on('error', () => {
            release()
            res.destroy()
            resolve('done')
          })
          res.on('close', () => {
            if (!up.complete) up.destroy()
            release()
            resolve('done')
          })
        },
      )
      upstream.on('error', () => {
        release()
        if (!res.headersSent && dropped()) {
          this.fail(res, 502, 'endpoint_failure', '502 Bad Gateway: Registered endpoint failed to handle the request.\n', requestId)
          return resolve('done')
        }
        resolve(res.headersSent ? 'done' : 'retry')
      })
      upstream.end(body)
    })
  }

  private fail(res: ServerResponse, status: number, code: string, text: string, requestId: string): void {
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'x-cf-routererror': code,
      'x-vcap-request-id': requestId,
      'content-length': Buffer.byteLength(text),
    })
    res.end(text)
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', () => resolve(Buffer.concat(chunks)))
  })
}
