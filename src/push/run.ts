/**
 * Push every prepared app, one after the other:
 * - an app that exists (and has run) is deployed with the strategy (src/strategies), with push as
 *   its DropletSource;
 * - a new app (first push), or one that never got a droplet, is created by its manifest, staged
 *   and started directly: there is nothing to keep serving;
 * - --no-start applies the manifest and uploads the bits; the running version is left alone.
 *
 * All lookups happen before the first app changes, so a missing target or a refusal comes first.
 */
import type {App} from '../capi/resources/apps.js'
import {AbortError} from '../clock.js'
import {resolveTarget, type Context, type SpaceTarget} from '../context.js'
import {CfzdError, ExitCode, errorMessage} from '../errors.js'
import {actualize, type ActualizeOptions} from '../strategies/actualize.js'
import {operate, operationEnv} from '../strategies/index.js'
import {stageStep} from '../strategies/sources.js'
import type {OpState} from '../strategies/state.js'
import {abortReason} from '../strategies/messages.js'
import type {DeployOptions, OperationEnv, OperationResult, Step} from '../strategies/types.js'
import {instances, startAndWatch} from '../strategies/start.js'
import {withFailureLogs} from '../strategies/failure-logs.js'
import {rememberScope} from '../strategies/quota.js'
import type {ProbeSettings} from '../probe/settings.js'
import {planApp, type AppPlan, type PreparedApp, type PushMode} from './plan.js'
import type {PreparedPush} from './prepare.js'
import {applyManifestStep, pushSource, uploadStep, type PushRecord} from './source.js'

export interface PushRequest {
  prepared: PreparedPush
  /** Deployment options shared by every app (each app may add its scale). */
  opts: DeployOptions
  noStart: boolean
  /** Called before each step (tests interrupt at a chosen point). */
  beforeStep?: ActualizeOptions['beforeStep']
  /** Watch the first app's route while pushing (--probe); its result carries the summary. */
  probe?: ProbeSettings
}

export interface PushResult extends Omit<OperationResult, 'operation' | 'outcome'> {
  operation: 'push'
  /** `uploaded`: --no-start left the new package READY and the app as it was. */
  outcome: OperationResult['outcome'] | 'uploaded'
  mode: PushMode
  package?: string
  upload?: PushRecord['upload']
}

/** Look up every app, then plan each one: read-only, before anything changes. */
export async function planPush(env: OperationEnv, target: SpaceTarget, req: PushRequest): Promise<{plan: AppPlan; live?: App}[]> {
  const out: {plan: AppPlan; live?: App}[] = []
  for (const app of req.prepared.apps) {
    // The space and organization come with the app: the quota check needs them.
    const found = await env.capi.apps.findByNameWithSpace(target.space.guid, app.name)
    if (env.reads) rememberScope(env.reads, found)
    let live = found.app
    if (!live && req.opts.strategy === 'blue-green' && !req.noStart) {
      // An interrupted blue-green run may have left only APP-venerable: the strategy recovers it.
      live = await env.capi.apps.findByName(target.space.guid, `${app.name}${req.opts.venerableSuffix}`)
    }
    const neverRan = live && live.state === 'STOPPED' && !live.relationships.current_droplet?.data?.guid && live.name === app.name
    out.push({plan: planApp(app, neverRan ? undefined : live, req.opts, req.noStart, live !== undefined), live})
  }
  return out
}

export async function runPush(ctx: Context, req: PushRequest): Promise<PushResult[]> {
  if (req.probe) {
    const {probed} = await import('../probe/session.js')
    const watched = req.prepared.apps[0]?.name
    const appNames = watched ? [watched, `${watched}${req.opts.venerableSuffix}`] : []
    return probed(
      ctx,
      req.probe,
      {appNames, whenMissing: `'${watched}' does not exist yet, so there is no route to probe; running without the probe.`},
      (c, hooks) => runPush(c, {...req, probe: undefined, beforeStep: (id, step) => (req.beforeStep?.(id, step), hooks.beforeStep(id, step))}),
      (results, probe) => {
        const i = Math.max(
          0,
          results.findIndex((r) => r.app.name === watched),
        )
        return results.map((r, j) => (j === i ? {...r, probe} : r))
      },
    )
  }
  const target = await resolveTarget(ctx)
  const env = operationEnv(ctx, new Map())
  const plans = await planPush(env, target, req)
  const a: ActualizeOptions = {renderer: ctx.ui.renderer, beforeStep: req.beforeStep}
  const results: PushResult[] = []
  for (const [i, {plan, live}] of plans.entries()) {
    ctx.ui.info(heading(plan, i, plans.length, target))
    if (plan.mode === 'create' && plan.opts.smokeTest) {
      ctx.ui.warn(`'${plan.app.name}' is pushed for the first time: there is no old version for a smoke test to protect, so --smoke-test is not run for it.`)
    }
    try {
      results.push(await pushOne(env, target, plan, live, a))
    } catch (caught) {
      // A failed build or crashed instances: add the staging log or the app's recent logs.
      const error = await withFailureLogs(env.capi, caught, plan.app.name, env.signal)
      throw plans.length > 1
        ? partial(
            error,
            plan,
            results,
            plans.slice(i + 1).map((p) => p.plan.app.name),
          )
        : error
    }
  }
  return results
}

function heading(plan: AppPlan, i: number, n: number, target: SpaceTarget): string {
  const what = plan.mode === 'create' ? 'new app, created and started directly' : plan.mode === 'upload' ? 'upload only (--no-start)' : `${plan.opts.strategy}`
  const count = n > 1 ? ` (${i + 1}/${n})` : ''
  return `Pushing '${plan.app.name}'${count} to org ${target.org.name} / space ${target.space.name}: ${what}`
}

export async function pushOne(env: OperationEnv, target: SpaceTarget, plan: AppPlan, live: App | undefined, a: ActualizeOptions): Promise<PushResult> {
  const record: PushRecord = {manifestApplied: false}
  if (plan.mode === 'deploy') {
    const r = await operate(env, target, live!, {kind: 'push', appName: plan.app.name, opts: plan.opts, source: pushSource(plan, record)}, a)
    return {...r, operation: 'push', mode: 'deploy', package: record.package, upload: record.upload}
  }
  const s = directState(env, target, plan, live)
  const steps = plan.mode === 'create' ? createPlan(plan, record) : uploadOnlyPlan(plan, record)
  let durations: Record<string, number>
  try {
    durations = await actualize(steps, s, {...a, signal: env.signal})
  } catch (error) {
    throw directFailure(s, plan, record, error)
  }
  const started = plan.mode === 'create'
  const left: string[] = []
  const next: string[] = []
  if (!started) {
    left.push(
      `Package ${record.package} is READY on '${plan.app.name}'; the app was not restarted or restaged${live?.state === 'STARTED' ? ' and keeps running its current droplet' : ''}.`,
    )
    if (live) next.push(`cfzd restage ${plan.app.name} --strategy ${plan.opts.strategy}`)
    else next.push(`cfzd restage ${plan.app.name}`)
  } else if (s.opts.noWait) left.push(`The remaining instances of '${plan.app.name}' keep starting in the background.`)
  return {
    operation: 'push',
    strategy: 'n/a',
    mode: plan.mode,
    app: {name: s.app.name, guid: s.app.guid},
    droplet: s.dropletGuid ? {guid: s.dropletGuid} : undefined,
    outcome: started ? 'started' : 'uploaded',
    package: record.package,
    upload: record.upload,
    durationsMs: durations,
    totalMs: env.clock.now() - s.startedAt,
    left,
    warnings: s.warnings,
    next,
  }
}

/** State for the direct paths (first push, --no-start): the app is known once the manifest created it. */
function directState(env: OperationEnv, target: SpaceTarget, plan: AppPlan, live: App | undefined): OpState {
  return {
    env,
    opts: plan.opts,
    kind: 'push',
    target,
    appName: plan.app.name,
    // Until the 'create' step runs, only the name is known (the manifest creates the app by name).
    app: live ?? ({guid: '', name: plan.app.name, state: 'STOPPED', relationships: {space: {data: {guid: target.space.guid}}}} as unknown as App),
    routes: 'untouched',
    warnings: [],
    left: [],
    startedAt: env.clock.now(),
  }
}

/** The app's manifest creates it (apply_manifest creates apps it names), then it is looked up. */
function findStep(plan: AppPlan, record: PushRecord, title: string): Step<OpState> {
  const apply = applyManifestStep(plan, record, title)
  return {
    ...apply,
    async run(s, task) {
      await apply.run(s, task)
      s.left.length = 0
      const app = await s.env.capi.apps.findByName(s.target.space.guid, plan.app.name)
      if (!app) throw new CfzdError(`The manifest was applied but app '${plan.app.name}' was not created.`)
      s.app = app
      task.output(`app ${app.guid}`)
    },
  }
}

export function createPlan(plan: AppPlan, record: PushRecord): Step<OpState>[] {
  return [
    findStep(plan, record, plan.existing ? 'Apply manifest' : `Create app ${plan.app.name} from the manifest`),
    uploadStep(plan, record),
    stageStep(),
    {
      id: 'set-droplet',
      title: 'Set current droplet',
      async run(s) {
        await s.env.capi.apps.setCurrentDroplet(s.app.guid, s.dropletGuid!)
      },
    },
    {
      id: 'start',
      title: (s) => (s.opts.noWait ? 'Start app (until the first instance runs)' : 'Start app'),
      async run(s, task) {
        await startAndWatch(s.env, s.app.guid, task, {
          label: (n) => `Start ${instances(n)}`,
          timeoutMs: s.opts.startupTimeoutMs,
          intervalMs: 500,
          firstWebOnly: s.opts.noWait,
        })
        s.app = await s.env.capi.apps.get(s.app.guid)
      },
    },
  ]
}

export function uploadOnlyPlan(plan: AppPlan, record: PushRecord): Step<OpState>[] {
  return [
    plan.existing ? findStep(plan, record, 'Apply manifest') : findStep(plan, record, `Create app ${plan.app.name} from the manifest`),
    uploadStep(plan, record),
  ]
}

/** A failure on the direct path: the app stays as it is (a new app is not deleted: push again once fixed). */
function directFailure(s: OpState, plan: AppPlan, record: PushRecord, error: unknown): CfzdError {
  const interrupted = error instanceof AbortError || s.env.signal.aborted
  const stop = abortReason(s.env.signal)
  const head = interrupted ? stop.message : errorMessage(error)
  const exitCode = interrupted ? stop.exitCode : error instanceof CfzdError ? error.exitCode : ExitCode.FAILED
  if (!record.manifestApplied) {
    if (error instanceof CfzdError && !interrupted) return error
    return new CfzdError(`${head}\nNothing was changed.`, {exitCode, cause: error})
  }
  const lines: string[] = []
  const again = interrupted ? 'Push again to finish.' : 'Fix the problem and push again.'
  if (plan.mode === 'create') {
    lines.push(
      s.app.guid
        ? `App '${plan.app.name}' (${s.app.guid}) was created and is left ${s.app.state === 'STARTED' ? 'started' : 'stopped'} ${s.dropletGuid ? 'with its new droplet' : 'without a droplet'} (it is not deleted). ${again}`
        : `The manifest was applied but app '${plan.app.name}' was not found afterwards.`,
    )
  } else
    lines.push(
      `The manifest was applied to '${plan.app.name}'${record.package ? ` and package ${record.package} was uploaded` : ''}; the running version is untouched.`,
    )
  return new CfzdError([head, ...lines].join('\n'), {
    exitCode,
    cause: error,
    suggestions: error instanceof CfzdError ? error.suggestions : [],
    details: {app: plan.app.name, ...(s.app.guid ? {appGuid: s.app.guid} : {})},
  })
}

/** A multi-app push stopped at one app: say which were pushed and which were not. */
function partial(error: unknown, failed: AppPlan, done: PushResult[], notStarted: string[]): CfzdError {
  const base = error instanceof CfzdError ? error : new CfzdError(errorMessage(error), {exitCode: ExitCode.FAILED, cause: error})
  const lines = [`Pushing '${failed.app.name}' failed: ${base.message}`]
  if (done.length) lines.push(`Pushed: ${done.map((r) => r.app.name).join(', ')}.`)
  if (notStarted.length) lines.push(`Not pushed: ${notStarted.join(', ')}.`)
  return new CfzdError(lines.join('\n'), {
    exitCode: base.exitCode,
    suggestions: base.suggestions,
    cause: error,
    details: {...base.details, failedApp: failed.app.name, pushed: done, notPushed: notStarted},
  })
}

export type {PreparedApp}
