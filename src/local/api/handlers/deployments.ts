/**
 * Deployments: create (deployment_create_message.rb, see ../messages.ts), show, lists, metadata,
 * cancel and continue. The updater (src/local/updater.ts) moves them along.
 */
import {cancelDeployment, continueDeployment, createDeployment} from '../../actions/deployments.js'
import type {Foundation} from '../../kernel.js'
import type {DeploymentRec} from '../../state.js'
import {parseJson} from '../body.js'
import {list} from '../list.js'
import {check, deploymentCreateMessage, dig, metadataUpdateMessage, type Obj, toNumber} from '../messages.js'
import {presentDeployment} from '../presenters.js'
import {json, type Routes} from '../routes.js'
import {applyMetadata, find, newMetadata} from './common.js'

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  const spec = {
    filters: {
      app_guids: (d: DeploymentRec, v: string[]) => v.includes(d.appGuid),
      states: (d: DeploymentRec, v: string[]) => v.includes(d.state),
      status_reasons: (d: DeploymentRec, v: string[]) => v.includes(d.statusReason),
      status_values: (d: DeploymentRec, v: string[]) => v.includes(d.statusValue),
    },
  }
  r.get('/v3/deployments', (ctx) => {
    const apps = ctx.query.list('app_guids')
    const rows = apps ? apps.flatMap((a) => s.deployments.by('app', a)).sort((a, b) => a.seq - b.seq) : s.deployments.all()
    return list(ctx, rows, spec, (d) => presentDeployment(f, d))
  })
  r.get('/v3/deployments/:guid', (ctx) => json(200, presentDeployment(f, find(s.deployments, ctx.params.guid, 'Deployment'))))
  r.post('/v3/deployments', (ctx) => {
    const raw = parseJson(ctx.body)
    check(deploymentCreateMessage(raw))
    const o = (raw.options ?? {}) as Obj
    const int = (v: unknown) => toNumber(v) ?? null
    const d = createDeployment(f, {
      appGuid: dig(raw.relationships, 'app', 'data', 'guid') as string,
      dropletGuid: (dig(raw.droplet, 'guid') ?? undefined) as string | undefined,
      revisionGuid: (dig(raw.revision, 'guid') ?? undefined) as string | undefined,
      strategy: (raw.strategy ?? undefined) as 'rolling' | 'canary' | undefined,
      // deployment_create_message.rb: `options[:max_in_flight] || 1`; the cf CLI sends null for unset options.
      maxInFlight: (o.max_in_flight || 1) as number,
      webInstances: int(o.web_instances),
      memoryInMb: int(o.memory_in_mb),
      diskInMb: int(o.disk_in_mb),
      logRateLimitInBytesPerSecond: int(o.log_rate_limit_in_bytes_per_second),
      canarySteps: (dig(o.canary, 'steps') ?? null) as {instance_weight: number}[] | null,
      metadata: newMetadata(raw.metadata),
    })
    return json(201, presentDeployment(f, d))
  })
  // deployment_update_message.rb: metadata only, checked after the lookup.
  r.patch('/v3/deployments/:guid', (ctx) => {
    const d = find(s.deployments, ctx.params.guid, 'Deployment')
    const raw = parseJson(ctx.body)
    check(metadataUpdateMessage(raw))
    applyMetadata(d, raw.metadata, f.now())
    return json(200, presentDeployment(f, d))
  })
  // cancel and continue answer 200 with an empty body.
  r.post('/v3/deployments/:guid/actions/cancel', (ctx) => {
    cancelDeployment(f, find(s.deployments, ctx.params.guid, 'Deployment'))
    return {status: 200}
  })
  r.post('/v3/deployments/:guid/actions/continue', (ctx) => {
    continueDeployment(f, find(s.deployments, ctx.params.guid, 'Deployment'))
    return {status: 200}
  })
}
