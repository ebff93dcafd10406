/** Processes: lists, show (embed=process_instances), update, scale, stats, instances, sidecars (processes_controller.rb). */
import {scaleProcess, updateProcess} from '../../actions/processes.js'
import type {Foundation} from '../../kernel.js'
import type {HealthCheckRec, ProcessRec} from '../../state.js'
import {parseJson} from '../body.js'
import {notFound} from '../errors.js'
import {assertKnownParams, list} from '../list.js'
import {check, dig, isObj, type Obj, processScaleMessage, processUpdateMessage, toNumber} from '../messages.js'
import {presentProcess, presentSidecar} from '../presenters.js'
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
  const present =
    (ctx: Ctx, inList = false) =>
    (p: ProcessRec) =>
      presentProcess(f, p, {inList, embedInstances: embed(ctx)})

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
      check(processUpdateMessage(raw))
      updateProcess(f, p, {
        command: 'command' in raw ? ((raw.command ?? null) as string | null) : undefined,
        user: 'user' in raw ? ((raw.user ?? null) as string | null) : undefined,
        healthCheck: isObj(raw.health_check) ? updatedHealthCheck(raw.health_check, p.healthCheck) : undefined,
        readinessCheck: isObj(raw.readiness_health_check) ? updatedHealthCheck(raw.readiness_health_check, p.readinessCheck) : undefined,
      })
      applyMetadata(p, raw.metadata, f.now())
      return json(200, presentProcess(f, p))
    })
    r.post(`${base}/actions/scale`, (ctx) => {
      const p = processOf(ctx)
      const raw = parseJson(ctx.body)
      check(processScaleMessage(raw))
      scaleProcess(f, p, {
        instances: toNumber(raw.instances),
        memoryInMb: toNumber(raw.memory_in_mb),
        diskInMb: toNumber(raw.disk_in_mb),
        logRateLimitInBytesPerSecond: toNumber(raw.log_rate_limit_in_bytes_per_second),
      })
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
      const p = processOf(ctx)
      return list(
        ctx,
        s.sidecars.by('app', p.appGuid).filter((x) => x.processTypes.includes(p.type)),
        {noLabels: true},
        presentSidecar,
      )
    })
  }
}

/**
 * process_update.rb: each field given is set on its own; a type other than http clears the
 * endpoint, otherwise a given endpoint is set.
 */
function updatedHealthCheck(h: Obj, current: HealthCheckRec): HealthCheckRec {
  const next = {...current}
  const data = isObj(h.data) ? h.data : {}
  if ('type' in h) next.type = h.type as string
  if ('timeout' in data) next.timeout = toNumber(data.timeout) ?? null
  if ('invocation_timeout' in data) next.invocationTimeout = toNumber(data.invocation_timeout) ?? null
  if ('interval' in data) next.interval = toNumber(data.interval) ?? null
  if ('type' in h && h.type !== 'http') next.endpoint = null
  else if ('endpoint' in data) next.endpoint = (dig(h, 'data', 'endpoint') ?? null) as string | null
  return next
}
