/**
 * Deployments: create (with deployment_create_message.rb's validations and messages), show,
 * lists, metadata, cancel and continue. The updater (../../updater.ts) moves them along.
 */
import {DeploymentCreate} from '../../../capi/resources/deployments.js'
import {cancelDeployment, continueDeployment, createDeployment} from '../../actions/deployments.js'
import type {Foundation} from '../../foundation.js'
import type {DeploymentRec} from '../../state.js'
import {assertKnownKeys, parseJson, validate} from '../body.js'
import {unprocessable} from '../errors.js'
import {list} from '../list.js'
import {presentDeployment} from '../presenters.js'
import {json, type Routes} from '../routes.js'
import {applyMetadata, find, newMetadata} from './common.js'

const OPTION_KEYS = ['canary', 'max_in_flight', 'web_instances', 'memory_in_mb', 'disk_in_mb', 'log_rate_limit_in_bytes_per_second']

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)
const present = (v: unknown) => v !== undefined && v !== null

/** deployment_create_message.rb: every message, joined with ", " like ActiveModel's full_messages. */
export function deploymentCreateErrors(raw: Record<string, unknown>): string[] {
  const errors: string[] = []
  const strategy = raw.strategy
  if (present(strategy) && strategy !== 'rolling' && strategy !== 'canary') errors.push(`Strategy '${String(strategy)}' is not a supported deployment strategy`)
  if (present(raw.droplet) && present(raw.revision)) errors.push("Droplet Cannot set both fields 'droplet' and 'revision'")
  const options = raw.options
  if (!present(options)) return errors
  if (typeof options !== 'object' || Array.isArray(options)) return [...errors, 'Options must be an object']
  const o = options as Record<string, unknown>
  const unsupported = Object.keys(o).filter((k) => !OPTION_KEYS.includes(k))
  if (unsupported.length > 0) errors.push(`Options has unsupported key(s): ${unsupported.join(', ')}`)
  // Scaling options are validated like ProcessScaleMessage, instances reported as web_instances.
  if (present(o.web_instances) && (!isInt(o.web_instances) || o.web_instances < 0)) errors.push(isInt(o.web_instances) ? 'Web instances must be greater than or equal to 0' : 'Web instances must be an integer')
  if (present(o.memory_in_mb) && (!isInt(o.memory_in_mb) || o.memory_in_mb < 1)) errors.push(isInt(o.memory_in_mb) ? 'Memory in mb must be greater than 0' : 'Memory in mb must be an integer')
  if (present(o.disk_in_mb) && (!isInt(o.disk_in_mb) || o.disk_in_mb < 1)) errors.push(isInt(o.disk_in_mb) ? 'Disk in mb must be greater than 0' : 'Disk in mb must be an integer')
  const lr = o.log_rate_limit_in_bytes_per_second
  if (present(lr) && (!isInt(lr) || lr < -1)) errors.push(isInt(lr) ? 'Log rate limit in bytes per second must be greater than or equal to -1' : 'Log rate limit in bytes per second must be an integer')
  if (present(o.max_in_flight) && (!isInt(o.max_in_flight) || o.max_in_flight < 1)) errors.push('Max in flight must be an integer greater than 0')
  if (present(o.canary)) {
    const canary = o.canary
    if (typeof canary !== 'object' || Array.isArray(canary)) errors.push('Options canary must be an object')
    else if (strategy !== 'canary') errors.push('Options canary are only valid for Canary deployments')
    else {
      const steps = (canary as Record<string, unknown>).steps
      if (present(steps)) {
        if (!Array.isArray(steps) || steps.some((x) => !x || typeof x !== 'object' || Array.isArray(x))) errors.push('Options canary steps must be an array of objects')
        else {
          for (const step of steps as Record<string, unknown>[]) {
            const extra = Object.keys(step).filter((k) => k !== 'instance_weight')
            if (extra.length > 0) errors.push(`Options canary steps has unsupported key(s): ${extra.join(', ')}`)
          }
          const list = steps as Record<string, unknown>[]
          if (list.some((x) => !('instance_weight' in x))) errors.push('Options canary steps missing key: "instance_weight"')
          if (list.some((x) => !isInt(x.instance_weight))) errors.push('Options canary steps instance weight must be an Integer between 1-100 (inclusive)')
          else {
            const weights = list.map((x) => x.instance_weight as number)
            if (weights.some((w) => w < 1 || w > 100)) errors.push('Options canary steps instance weight must be an Integer between 1-100 (inclusive)')
            if (weights.some((w, i) => i > 0 && w < weights[i - 1])) errors.push('Options canary steps instance weight must be sorted in ascending order')
          }
        }
      }
    }
  }
  return errors
}

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
    assertKnownKeys(raw, ['relationships', 'droplet', 'revision', 'strategy', 'options', 'metadata'])
    const errors = deploymentCreateErrors(raw)
    if (errors.length > 0) throw unprocessable(errors.join(', '))
    const body = validate(DeploymentCreate, raw)
    const o = body.options ?? {}
    const d = createDeployment(f, {
      appGuid: body.relationships.app.data.guid,
      dropletGuid: body.droplet?.guid,
      revisionGuid: body.revision?.guid,
      strategy: (body.strategy ?? undefined) as 'rolling' | 'canary' | undefined,
      // The cf CLI sends null for unset options: null means absent.
      maxInFlight: o.max_in_flight ?? 1,
      webInstances: o.web_instances ?? null,
      memoryInMb: o.memory_in_mb ?? null,
      diskInMb: o.disk_in_mb ?? null,
      logRateLimitInBytesPerSecond: o.log_rate_limit_in_bytes_per_second ?? null,
      canarySteps: o.canary?.steps ?? null,
      metadata: newMetadata(raw.metadata),
    })
    return json(201, presentDeployment(f, d))
  })
  r.patch('/v3/deployments/:guid', (ctx) => {
    const d = find(s.deployments, ctx.params.guid, 'Deployment')
    applyMetadata(d, parseJson(ctx.body).metadata, f.now())
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
