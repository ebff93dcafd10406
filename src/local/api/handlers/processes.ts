/** Processes: lists, show (embed=process_instances), update, scale, stats, instances. */
import {ProcessScale, ProcessUpdate} from '../../../capi/resources/processes.js'
import {healthCheck, scaleProcess, updateProcess} from '../../actions/processes.js'
import type {Foundation} from '../../foundation.js'
import type {HealthCheckRec, ProcessRec} from '../../state.js'
import {parseJson, validate} from '../body.js'
import {notFound} from '../errors.js'
import {assertKnownParams, list} from '../list.js'
import {presentProcess} from '../presenters.js'
import {json, type Ctx, noContent, type Routes} from '../routes.js'
import {applyMetadata, find} from './common.js'

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  const spec = {
    filters: {
      types: (p: ProcessRec, v: string[]) => v.includes(p.type),
      app_guids: (p: ProcessRec, v: string[]) => v.includes(p.appGuid),
    },
    extra: ['embed'],
  }
  const embed = (ctx: Ctx) => ctx.query.get('embed') === 'process_instances'
  const present = (ctx: Ctx, inList = false) => (p: ProcessRec) => presentProcess(f, p, {inList, embedInstances: embed(ctx)})

  r.get('/v3/processes', (ctx) => list(ctx, s.processes.all(), {...spec, space: (p) => s.apps.get(p.appGuid)?.spaceGuid}, present(ctx, true)))
  r.get('/v3/apps/:guid/processes', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    return list(ctx, s.processes.by('app', app.guid), {filters: {types: spec.filters.types}, extra: ['embed']}, present(ctx, true))
  })

  /** /v3/processes/:guid or /v3/apps/:guid/processes/:type (the newest of that type). */
  const processOf = (ctx: Ctx): ProcessRec => {
    if (ctx.params.type !== undefined) {
      const app = find(s.apps, ctx.params.guid, 'App')
      const p = s.processOfType(app.guid, ctx.params.type)
      if (!p) throw notFound('Process')
      return p
    }
    return find(s.processes, ctx.params.guid, 'Process')
  }

  for (const base of ['/v3/processes/:guid', '/v3/apps/:guid/processes/:type']) {
    r.get(base, (ctx) => {
      assertKnownParams(ctx.query, ['embed'])
      return json(200, present(ctx)(processOf(ctx)))
    })
    r.patch(base, (ctx) => {
      const p = processOf(ctx)
      const raw = parseJson(ctx.body)
      const body = validate(ProcessUpdate, raw)
      updateProcess(f, p, {
        command: body.command,
        healthCheck: body.health_check ? toHealthCheck(body.health_check, p.healthCheck) : undefined,
        readinessCheck: body.readiness_health_check ? toHealthCheck(body.readiness_health_check, p.readinessCheck) : undefined,
      })
      applyMetadata(p, raw.metadata, f.now())
      return json(200, presentProcess(f, p))
    })
    r.post(`${base}/actions/scale`, (ctx) => {
      const p = processOf(ctx)
      const body = validate(ProcessScale, parseJson(ctx.body))
      scaleProcess(f, p, {instances: body.instances, memoryInMb: body.memory_in_mb, diskInMb: body.disk_in_mb, logRateLimitInBytesPerSecond: body.log_rate_limit_in_bytes_per_second})
      // Scale answers 202 with the process and no job.
      return json(202, presentProcess(f, p))
    })
    r.get(`${base}/stats`, (ctx) => json(200, {resources: f.runtime.stats(processOf(ctx))}))
    r.get(`${base}/process_instances`, (ctx) => {
      const p = processOf(ctx)
      return json(200, {
        resources: f.runtime.processInstances(p),
        links: {self: {href: `${f.settings.apiUrl}/v3/processes/${p.guid}/process_instances`}, process: {href: `${f.settings.apiUrl}/v3/processes/${p.guid}`}},
      })
    })
    r.delete(`${base}/instances/:index`, (ctx) => {
      const p = processOf(ctx)
      const index = Number(ctx.params.index)
      if (!Number.isInteger(index) || index < 0 || index >= p.instances) throw notFound('Instance')
      // Diego restarts a terminated instance: a new instance takes the index.
      f.runtime.restartInstance(p, index)
      return noContent()
    })
    r.get(`${base}/sidecars`, (ctx) => {
      processOf(ctx)
      return list(ctx, [], {}, () => ({}))
    })
  }
}

function toHealthCheck(h: {type: string; data?: {timeout?: number | null; invocation_timeout?: number | null; interval?: number | null; endpoint?: string | null}}, current: HealthCheckRec): HealthCheckRec {
  const d = h.data ?? {}
  const type = String(h.type)
  return healthCheck(type, {
    timeout: d.timeout !== undefined ? d.timeout : type === current.type ? current.timeout : null,
    invocationTimeout: d.invocation_timeout !== undefined ? d.invocation_timeout : type === current.type ? current.invocationTimeout : null,
    interval: d.interval !== undefined ? d.interval : type === current.type ? current.interval : null,
    endpoint: type === 'http' ? (d.endpoint ?? (current.type === 'http' ? current.endpoint : '/')) : null,
  })
}
