/**
 * A gorouter-like HTTP router. It forwards by Host header (port stripped) to `<host>.<domain>`
 * routes, the longest matching path route winning, and round-robins over the routable instances
 * of every app process mapped to the route (so during a deployment old and new web processes
 * share the traffic). Like gorouter it retries another endpoint when one refuses the connection,
 * answers 404 with `X-Cf-Routererror: unknown_route` when the route does not exist or has no
 * endpoints (gorouter prunes routes without endpoints), and 502 `endpoint_failure` when the
 * backend fails.
 */
import http, {type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Foundation} from '../foundation.js'
import type {RouteRec} from '../state.js'
import {newGuid} from '../util.js'
import type {Instance} from './instances.js'
import {routerLog} from '../log-cache.js'

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-authenticate'])
const MAX_ATTEMPTS = 3

export class GoRouter {
  readonly server: http.Server
  private table = new Map<string, RouteRec[]>()
  private tableVersion = -1
  private readonly cursor = new Map<string, number>()

  constructor(private readonly f: Foundation) {
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
    const endpoints = route ? this.endpoints(route) : []
    if (!route || endpoints.length === 0) {
      return this.fail(res, 404, 'unknown_route', `404 Not Found: Requested route ('${host.replace(/:\d+$/, '')}') does not exist.\n`, requestId)
    }
    const body = await readBody(req)
    const start = this.cursor.get(route.guid) ?? 0
    this.cursor.set(route.guid, start + 1)
    for (let attempt = 0; attempt < Math.min(MAX_ATTEMPTS, endpoints.length); attempt++) {
      const inst = endpoints[(start + attempt) % endpoints.length]
      if (inst.draining || inst.state !== 'RUNNING') continue
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
    const t0 = this.f.now()
    let released = false
    const release = () => {
      if (!released) {
        released = true
        this.f.runtime.release(inst)
      }
    }
    return new Promise((resolve) => {
      const upstream = http.request({host: '127.0.0.1', port: inst.port, method: req.method, path: req.url, headers, agent: (inst.agent ??= new http.Agent({keepAlive: true, maxSockets: 256}))}, (up) => {
        const out: http.OutgoingHttpHeaders = {}
        for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v
        out['x-vcap-request-id'] = requestId
        res.writeHead(up.statusCode ?? 502, out)
        res.once('finish', () => routerLog(this.f, {host: String(req.headers.host ?? ''), method: req.method ?? 'GET', path: req.url ?? '/', status: res.statusCode, bytesIn: body.length, bytesOut: Number(up.headers['content-length'] ?? 0), userAgent: req.headers['user-agent'], remote, backend: `127.0.0.1:${inst.port}`, requestId, seconds: (this.f.now() - t0) / 1000, appGuid: inst.appGuid, index: inst.index, instanceGuid: inst.guid}))
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
      })
      upstream.on('error', () => {
        release()
        resolve(res.headersSent ? 'done' : 'retry')
      })
      upstream.end(body)
    })
  }

  private fail(res: ServerResponse, status: number, code: string, text: string, requestId: string): void {
    res.writeHead(status, {'content-type': 'text/plain; charset=utf-8', 'x-cf-routererror': code, 'x-vcap-request-id': requestId, 'content-length': Buffer.byteLength(text)})
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
