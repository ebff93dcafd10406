/**
 * Entry point for commands: pick the strategy for an operation and run it.
 *   rolling | canary → deployment.ts (same app, Cloud Controller's updater)
 *   blue-green       → blue-green.ts (a new app, routes switched)
 */
import type {App} from '../capi/resources/apps.js'
import {findApp, resolveTarget, type Context, type SpaceTarget} from '../context.js'
import type {ProbeSettings} from '../probe/settings.js'
import type {ActualizeOptions} from './actualize.js'
import {runBlueGreen} from './blue-green.js'
import {runDeployment} from './deployment.js'
import {withFailureLogs} from './failure-logs.js'
import {rememberScope, type ReadCache} from './quota.js'
import {restageSource, restartSource, type DropletSource} from './sources.js'
import type {OpState} from './state.js'
import type {DeployOptions, OperationEnv, OperationKind, OperationResult} from './types.js'

export interface OperationRequest {
  kind: OperationKind
  appName: string
  opts: DeployOptions
  /** Watch the app's route while the operation runs, and abort on too many failures (--probe). */
  probe?: ProbeSettings
  /** Where the droplet comes from; defaults by kind (push brings its own). */
  source?: DropletSource
  beforeStep?: ActualizeOptions['beforeStep']
}

/** Resolve the target and the app by name, then operate on it with listr2 output (under the probe, if asked). */
export async function runOperation(ctx: Context, req: OperationRequest): Promise<OperationResult> {
  if (req.probe) {
    const {probed} = await import('../probe/session.js')
    const appNames = [req.appName, `${req.appName}${req.opts.venerableSuffix}`]
    return probed(ctx, req.probe, {appNames}, (c, hooks) =>
      runOperation(c, {...req, probe: undefined, beforeStep: (id, step) => (req.beforeStep?.(id, step), hooks.beforeStep(id, step))}),
    )
  }
  const target = await resolveTarget(ctx)
  // The space and organization come with the app: the quota check needs them.
  const found = await ctx.capi.apps.findByNameWithSpace(target.space.guid, req.appName)
  const reads = rememberScope(new Map(), found)
  let app = found.app
  if (!app) {
    // An interrupted blue-green run may have left only APP-venerable; the plan's check recovers it.
    app = await ctx.capi.apps.findByName(target.space.guid, `${req.appName}${req.opts.venerableSuffix}`)
  }
  if (!app) app = await findApp(ctx, target, req.appName)
  const env = operationEnv(ctx, reads)
  try {
    return await operate(env, target, app, req, {renderer: ctx.ui.renderer, beforeStep: req.beforeStep})
  } catch (error) {
    // A failed build or crashed instances: add the staging log or the app's recent logs.
    throw await withFailureLogs(ctx.capi, error, req.appName, ctx.signal)
  }
}

/** What the steps of a command's operations get from its context, with the run's shared reads. */
export function operationEnv(ctx: Context, reads: ReadCache): OperationEnv {
  const {capi, clock, signal, ui, canaryCheck, tickStore, stagingStore} = ctx
  return {capi, clock, signal, ui, canaryCheck, tickStore, stagingStore, reads}
}

/**
 * Operate on one known app. Bulk callers (restage-all) use this with `renderer: 'silent'` and
 * their own progress display.
 */
export async function operate(env: OperationEnv, target: SpaceTarget, app: App, req: OperationRequest, a: ActualizeOptions): Promise<OperationResult> {
  const source = req.source ?? (req.kind === 'restage' ? restageSource : restartSource)
  const s: OpState = {
    env,
    opts: req.opts,
    kind: req.kind,
    target,
    appName: req.appName,
    app,
    routes: 'untouched',
    warnings: [],
    left: [],
    startedAt: env.clock.now(),
  }
  return req.opts.strategy === 'blue-green' ? runBlueGreen(s, source, a) : runDeployment(s, source, a)
}

export type {DeployOptions, OperationResult} from './types.js'
