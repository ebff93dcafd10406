/**
 * Entry point for commands: pick the strategy for an operation and run it.
 *   rolling | canary → deployment.ts (same app, Cloud Controller's updater)
 *   blue-green       → blue-green.ts (a new app, routes switched)
 */
import {findApp, resolveTarget, type Context} from '../context.js'
import {runBlueGreen} from './blue-green.js'
import {runDeployment} from './deployment.js'
import {restageSource, restartSource, type DropletSource} from './sources.js'
import type {OpState} from './state.js'
import type {DeployOptions, OperationKind, OperationResult} from './types.js'

export interface OperationRequest {
  kind: OperationKind
  appName: string
  opts: DeployOptions
  /** Where the droplet comes from; defaults by kind (push brings its own). */
  source?: DropletSource
  beforeStep?: (id: string) => void
}

export async function runOperation(ctx: Context, req: OperationRequest): Promise<OperationResult> {
  const target = await resolveTarget(ctx)
  const source = req.source ?? (req.kind === 'restage' ? restageSource : restartSource)
  const blueGreen = req.opts.strategy === 'blue-green'
  let app = await ctx.capi.apps.findByName(target.space.guid, req.appName)
  if (!app && blueGreen) {
    // An interrupted blue-green run may have left only APP-venerable; the plan's check recovers it.
    app = await ctx.capi.apps.findByName(target.space.guid, `${req.appName}${req.opts.venerableSuffix}`)
  }
  if (!app) app = await findApp(ctx, target, req.appName)
  const s: OpState = {
    env: {capi: ctx.capi, clock: ctx.clock, signal: ctx.signal, ui: ctx.ui},
    opts: req.opts,
    kind: req.kind,
    target,
    appName: req.appName,
    app,
    routes: 'untouched',
    warnings: [],
    left: [],
    startedAt: ctx.clock.now(),
  }
  const a = {renderer: ctx.ui.renderer, beforeStep: req.beforeStep}
  return blueGreen ? runBlueGreen(s, source, a) : runDeployment(s, source, a)
}

export type {DeployOptions, OperationResult} from './types.js'
