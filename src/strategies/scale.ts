/**
 * cfzd scale: the web process's size without downtime.
 *   -i alone         → a plain scale (POST /v3/processes/:guid/actions/scale): no instance restarts;
 *                      so is any change to a stopped app, which has nothing to keep serving.
 *   -m, -k or -l     → a deployment of the current droplet with those sizes as its options
 *                      (rolling by default), or a blue-green copy with them.
 * A Cloud Controller too old for deployment size options refuses them (422, unsupported key or
 * unknown field) before anything changes; cfzd then says so and scales with blue-green instead.
 */
import {CapiUnprocessable} from '../capi/errors.js'
import type {App} from '../capi/resources/apps.js'
import {findApp, resolveTarget, type Context, type SpaceTarget} from '../context.js'
import {assertHeadroom} from './quota.js'
import {runOperation, type OperationRequest} from './index.js'
import {operationResult} from './result.js'
import type {DeployOptions, OperationResult} from './types.js'

export async function runScale(ctx: Context, req: Omit<OperationRequest, 'kind' | 'source'>): Promise<OperationResult> {
  const scale = req.opts.scale ?? {}
  const resizes = scale.memoryInMb !== undefined || scale.diskInMb !== undefined || scale.logRateLimit !== undefined
  const target = await resolveTarget(ctx)
  const app = await findApp(ctx, target, req.appName)
  // A stopped app has nothing to keep serving: its size is set in place, and it stays stopped.
  if (!resizes || app.state !== 'STARTED') return scaleInPlace(ctx, target, app, scale)
  try {
    return await runOperation(ctx, {...req, kind: 'scale'})
  } catch (error) {
    const refused = req.opts.strategy !== 'blue-green' ? refusedOptions(error) : undefined
    if (!refused) throw error
    const line = `Cloud Controller refused the deployment's size options (${refused}): it predates them. Scaling with blue-green instead.`
    ctx.ui.warn(line)
    const result = await runOperation(ctx, {
      ...req,
      kind: 'scale',
      opts: {...req.opts, strategy: 'blue-green', maxInFlight: undefined, instanceSteps: undefined, noWait: false, supersede: false},
    })
    return {...result, warnings: [line, ...result.warnings]}
  }
}

/** Cloud Controller's words when it doesn't know a deployment option, if that is what stopped the run. */
export function refusedOptions(error: unknown): string | undefined {
  for (let e: unknown = error; e; e = (e as {cause?: unknown}).cause) {
    if (e instanceof CapiUnprocessable && /unsupported key|unknown field/i.test(e.detail)) return e.detail
  }
  return undefined
}

async function scaleInPlace(ctx: Context, target: SpaceTarget, app: App, scale: NonNullable<DeployOptions['scale']>): Promise<OperationResult> {
  const started = ctx.clock.now()
  const web = await ctx.capi.processes.getForApp(app.guid, 'web')
  const warnings: string[] = []
  const instances = scale.instances ?? web.instances
  const memory = scale.memoryInMb ?? web.memory_in_mb
  const more = instances * memory - web.instances * web.memory_in_mb
  if (more > 0 && app.state === 'STARTED') {
    await assertHeadroom(
      ctx.capi,
      {spaceGuid: target.space.guid, orgGuid: target.org.guid},
      {memoryMb: more, instances: Math.max(0, instances - web.instances), purpose: `Scaling '${app.name}' to ${instances} instance(s) of ${memory} MB`},
      ['Ask for a larger quota, or free memory in the space.'],
      (w) => warnings.push(w),
    )
  }
  const body = {
    ...(scale.instances !== undefined ? {instances: scale.instances} : {}),
    ...(scale.memoryInMb !== undefined ? {memory_in_mb: scale.memoryInMb} : {}),
    ...(scale.diskInMb !== undefined ? {disk_in_mb: scale.diskInMb} : {}),
    ...(scale.logRateLimit !== undefined ? {log_rate_limit_in_bytes_per_second: scale.logRateLimit} : {}),
  }
  ctx.ui.info(`Scaling app ${app.name} in place (${app.state.toLowerCase()}): no instance restarts.`)
  await ctx.capi.processes.scale(web.guid, body)
  return operationResult(
    {env: ctx, startedAt: started},
    {operation: 'scale', strategy: 'n/a', app: {name: app.name, guid: app.guid}, outcome: 'scaled', durationsMs: {}, warnings},
  )
}
