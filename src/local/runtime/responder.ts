/**
 * The built-in app every instance runs: it answers any request with JSON saying which app,
 * droplet, process and instance served it, and puts the droplet GUID in a header, so traffic
 * probes can see old → new as a deployment rolls.
 *
 * Query parameters: `?delay=MS` waits before answering (slow requests, to watch draining);
 * `?status=NNN` answers with that status. App env CFZD_LOCAL_RESPONSE_DELAY_MS sets a default delay;
 * CFZD_LOCAL_RESPONSE_STATUS, read when the instance started, a default status.
 */
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Foundation} from '../kernel.js'
import type {Instance} from './instance.js'

export function respond(f: Foundation, inst: Instance, req: IncomingMessage, res: ServerResponse): void {
  const app = f.store.apps.get(inst.appGuid)
  const url = new URL(req.url ?? '/', 'http://instance')
  const delay = Math.min(120_000, Number(url.searchParams.get('delay') ?? app?.env?.CFZD_LOCAL_RESPONSE_DELAY_MS ?? 0) || 0)
  const status = Number(url.searchParams.get('status') ?? inst.responseStatus ?? 200) || 200
  req.resume()
  const answer = () => {
    if (res.destroyed) return
    const body = JSON.stringify({
      app: {name: app?.name ?? null, guid: inst.appGuid},
      droplet: {guid: inst.dropletGuid},
      process: {guid: inst.processGuid, type: inst.processType},
      instance: {index: inst.index, guid: inst.guid},
      port: inst.port,
      method: req.method,
      path: url.pathname,
      host: req.headers.host ?? null,
      served_at: new Date().toISOString(),
    })
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-cfzd-app-guid': inst.appGuid,
      'x-cfzd-droplet-guid': inst.dropletGuid,
      'x-cfzd-process-guid': inst.processGuid,
      'x-cfzd-instance-index': String(inst.index),
      'x-cfzd-instance-guid': inst.guid,
    })
    res.end(body)
  }
  if (delay > 0) {
    const t = setTimeout(answer, delay)
    res.on('close', () => clearTimeout(t))
  } else answer()
}
