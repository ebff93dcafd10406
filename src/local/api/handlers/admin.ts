/**
 * Admin and test endpoints, under /_local (no real Cloud Controller has this prefix). They need a
 * valid token, like the rest of the API. See src/local/README.md.
 */
import type {DeploymentEvent, Foundation, RequestLogEntry} from '../../kernel.js'
import {parseJson, parseYaml} from '../body.js'
import {notFound, unprocessable} from '../errors.js'
import {presentBuildpack, presentDeployment} from '../presenters.js'
import {json, noContent, type Routes} from '../routes.js'

export interface AdminControls {
  setFaults(patch: unknown): Promise<unknown>
  releaseBuildpack(name: string, version?: string): unknown[]
  seed(spec: unknown): Promise<unknown>
  tick(): void
}

export function register(r: Routes, f: Foundation, c: AdminControls): void {
  r.get('/_local', () =>
    json(200, {
      api_url: f.settings.apiUrl,
      router_url: f.settings.routerUrl,
      uaa_url: f.settings.uaaUrl,
      shared_domain: f.settings.sharedDomain,
      tick_ms: f.settings.tickMs,
      counts: {
        organizations: f.store.orgs.size,
        spaces: f.store.spaces.size,
        apps: f.store.apps.size,
        processes: f.store.processes.size,
        instances: f.runtime.instanceCount,
        deployments: f.store.deployments.size,
        routes: f.store.routes.size,
      },
    }),
  )
  r.get('/_local/faults', () => json(200, f.faults))
  r.patch('/_local/faults', async (ctx) => {
    try {
      return json(200, await c.setFaults(parseJson(ctx.body)))
    } catch (error) {
      throw unprocessable(`Invalid faults: ${(error as Error).message}`)
    }
  })
  r.post('/_local/buildpacks/:name/release', (ctx) => {
    const body = parseJson(ctx.body)
    const released = c.releaseBuildpack(ctx.params.name, typeof body.version === 'string' ? body.version : undefined)
    if (released.length === 0) throw notFound('Buildpack')
    return json(200, {resources: released})
  })
  r.get('/_local/requests', (ctx) => {
    const since = Number(ctx.query.get('since') ?? 0)
    const kind = ctx.query.get('kind')
    const rows: RequestLogEntry[] = f.requestLog.filter((e) => e.at >= since && (!kind || e.kind === kind))
    return json(200, {resources: rows})
  })
  r.delete('/_local/requests', () => {
    f.requestLog.length = 0
    return noContent()
  })
  r.get('/_local/deployment_events', (ctx) => {
    const since = Number(ctx.query.get('since') ?? 0)
    const app = ctx.query.get('app_guid')
    const rows: DeploymentEvent[] = f.deploymentEvents.filter((e) => e.at >= since && (!app || e.appGuid === app))
    return json(200, {resources: rows})
  })
  r.get('/_local/instance_timeline', (ctx) => {
    const since = Number(ctx.query.get('since') ?? 0)
    const app = ctx.query.get('app_guid')
    return json(200, {resources: f.runtime.timeline.filter((e) => e.at >= since && (!app || e.appGuid === app))})
  })
  r.post('/_local/tick', () => {
    c.tick()
    return json(200, {
      resources: f.store.deployments
        .all()
        .filter((d) => d.statusValue === 'ACTIVE')
        .map((d) => presentDeployment(f, d)),
    })
  })
  r.post('/_local/seed', async (ctx) => {
    const type = String(ctx.req.headers['content-type'] ?? '')
    const spec = /yaml/i.test(type) ? parseYaml(ctx.body) : parseJson(ctx.body)
    return json(201, await c.seed(spec))
  })
  r.post('/_local/instances/crash', (ctx) => {
    const body = parseJson(ctx.body)
    const guid = String(body.process_guid ?? '')
    const index = Number(body.index ?? 0)
    if (!f.store.processes.get(guid)) throw notFound('Process')
    if (!f.runtime.crash(guid, index)) throw unprocessable(`No running instance ${index} of process ${guid}`)
    return noContent()
  })
  r.get('/_local/buildpacks', () => json(200, {resources: f.store.buildpacks.all().map((b) => ({...presentBuildpack(f, b), version: b.version}))}))
}
