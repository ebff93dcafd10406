/**
 * The live probe around one command (--probe): resolve the URL, take a baseline, send requests
 * while the operation runs, abort the operation when a threshold is crossed, and attach what was
 * seen to the result (or to the error).
 *
 *   probed(ctx, settings, apps, run)
 *     resolve URL (the app's first route, a /path on it, or a given URL) → one baseline request
 *     → Probe.start → run({...ctx, signal: AbortSignal.any([Ctrl-C, probe abort])})
 *     → Probe.stop → result.probe (or error.details.probe, and the report in the message)
 *
 * Aborting goes through the operation's signal with an OperationAborted reason, so the strategies
 * stop as they do on Ctrl-C (rolling and canary cancel the deployment, blue-green rolls back) and
 * report that reason, exit 1. Once a step that can't be undone starts (blue-green stopping or
 * deleting the old app), the probe keeps measuring but no longer aborts.
 */
import {resolveTarget, type Context} from '../context.js'
import {CfzdError} from '../errors.js'
import {OperationAborted} from '../strategies/types.js'
import {checkPinning, type CanaryCheck, type CanaryPinSummary} from './pin.js'
import {Probe, requestOnce, type ProbeReport} from './probe.js'
import {renderProbeSummary} from './render.js'
import {AbortWatch, type ProbeSettings} from './settings.js'
import {routerInfo, urlForRoute} from './urls.js'
import {toCfzdError} from '../user-error.js'
import type {ProbeSummary} from './types.js'

export type {ProbeDropletSpan, ProbeSummary} from './types.js'

export interface ProbeHooks {
  /** Pass to the operation: the probe stops aborting once an irreversible step starts. */
  beforeStep: (id: string, step?: {irreversible: boolean}) => void
}

export interface ProbeTarget {
  /** The app whose first route is probed, then fallbacks (blue-green's APP-venerable after an interrupted run). */
  appNames: string[]
  /** Say this when none of them exists (push: a first push); otherwise the operation reports it. */
  whenMissing?: string
}

const MAX_FAILURES_LISTED = 20

/**
 * Run `run` under the probe (or plainly, when settings is undefined) and attach its summary to
 * the result with `attach` (default: a `probe` field). A failure is rethrown as a CfzdError with
 * the summary in its message and in details.probe.
 */
export async function probed<T>(
  ctx: Context,
  settings: ProbeSettings | undefined,
  target: ProbeTarget,
  run: (ctx: Context, hooks: ProbeHooks) => Promise<T>,
  attach: (result: T, probe: ProbeSummary) => T = (r, probe) => ({...r, probe}) as T,
): Promise<T> {
  if (!settings) return run(ctx, {beforeStep: () => {}})
  const url = await resolveProbeUrl(ctx, settings, target)
  if (!url) return run(ctx, {beforeStep: () => {}})

  const insecure = ctx.session.skipSslValidation
  const baseline = await requestOnce(url, {timeoutMs: settings.timeoutMs, insecure})
  const healthy = baseline.status !== undefined && baseline.status >= 200 && baseline.status < 300
  const unhealthyBefore = healthy ? undefined : baseline.status !== undefined ? `HTTP ${baseline.status}` : (baseline.error ?? 'no answer')
  const watch = new AbortWatch(settings.abort)
  if (unhealthyBefore) {
    ctx.ui.warn(
      `Probe: ${url} answers ${unhealthyBefore} before the operation starts${watch.armed ? ': automatic abort is off, the report still counts every request' : ''}.`,
    )
  }

  const controller = new AbortController()
  let crossed: {reason: string; atMs: number} | undefined
  let irreversible: string | undefined
  let notAborted: ProbeSummary['notAborted']
  const startedAt = Date.now()
  const probe = new Probe({
    url,
    ratePerSec: settings.ratePerSec,
    timeoutMs: settings.timeoutMs,
    concurrency: Math.max(4, Math.ceil(settings.ratePerSec / 2)),
    maxDurationMs: 24 * 3600_000,
    insecure,
    onResult: (ok) => {
      if (crossed || unhealthyBefore || !watch.armed) return
      const reason = watch.record(ok)
      if (!reason) return
      crossed = {reason, atMs: Date.now() - startedAt}
      if (irreversible) {
        notAborted = {...crossed, why: irreversible}
        ctx.ui.warn(`Probe: ${reason}, but ${irreversible}: not aborting.`)
      } else if (!ctx.signal.aborted) {
        ctx.ui.warn(`Probe: ${reason}: aborting.`)
        controller.abort(new OperationAborted(reason))
      }
    },
  }).start()
  const hooks: ProbeHooks = {
    beforeStep(id, step) {
      if (step?.irreversible && !irreversible)
        irreversible = `the old version was already being retired (step '${id}'), so there was nothing left to roll back to`
    },
  }

  const canary: CanaryPinSummary[] = []
  // At a canary pause: the next `sample` requests go to the canary only, so a failing canary is
  // seen even while the old instances answer well (unpinned, most answers come from them).
  const canaryCheck: CanaryCheck = async (pin) => {
    const at = `canary step ${pin.step}/${pin.steps}`
    const check = await checkPinning(url, pin.processGuid, {timeoutMs: settings.timeoutMs, insecure})
    if (!check.pinned) {
      ctx.ui.warn(`Probe: could not pin requests to the canary (${at}): ${check.why}. The probe measures the shared route, where old instances answer too.`)
      canary.push({step: pin.step, steps: pin.steps, processGuid: pin.processGuid, pinned: false, why: check.why, sent: 0, ok: 0, failed: 0})
      return
    }
    const n = Math.max(settings.abort.sample, 10)
    probe.pin(pin.processGuid)
    const aborted = new Promise<void>((resolve) => {
      if (controller.signal.aborted || ctx.signal.aborted) resolve()
      controller.signal.addEventListener('abort', () => resolve(), {once: true})
      ctx.signal.addEventListener('abort', () => resolve(), {once: true})
    })
    await Promise.race([probe.pinnedFinished(n), aborted])
    const st = probe.pinnedStats
    probe.pin(undefined)
    const entry: CanaryPinSummary = {
      step: pin.step,
      steps: pin.steps,
      processGuid: pin.processGuid,
      pinned: st.strays === 0,
      sent: st.sent,
      ok: st.ok,
      failed: st.failed,
    }
    if (st.strays > 0) {
      entry.why = `${st.strays} of ${st.ok + st.failed} pinned requests were answered by another process`
      ctx.ui.warn(`Probe: could not pin requests to the canary (${at}): ${entry.why}.`)
    }
    canary.push(entry)
    if (st.failed > 0 && !controller.signal.aborted) ctx.ui.warn(`Probe: ${st.failed} of ${st.ok + st.failed} requests pinned to the canary (${at}) failed.`)
  }

  const finish = async () => {
    const report = await probe.stop()
    const aborted = crossed && !notAborted && controller.signal.aborted ? crossed : undefined
    return summarize(report, settings, startedAt, baseline.droplet, {aborted, notAborted, unhealthyBefore, ...(canary.length ? {canary} : {})})
  }

  let result: T
  try {
    result = await run({...ctx, signal: AbortSignal.any([ctx.signal, controller.signal]), canaryCheck}, hooks)
  } catch (error) {
    const summary = await finish()
    const base = toCfzdError(error)
    return Promise.reject(
      new CfzdError(`${base.message}\n\n${renderProbeSummary(summary)}`, {
        exitCode: base.exitCode,
        suggestions: base.suggestions,
        details: {...base.details, probe: summary},
        cause: error,
      }),
    )
  }
  let summary = await finish()
  if (summary.aborted) {
    // The operation got to its end before it noticed the abort: nothing was stopped.
    summary = {...summary, aborted: undefined, notAborted: {...summary.aborted, why: 'the operation had already finished'}}
  }
  if (summary.notAborted) ctx.ui.warn(`Probe: ${summary.notAborted.reason} (not aborted: ${summary.notAborted.why}).`)
  return attach(result, summary)
}

/** The URL to probe: a given URL, or the first HTTP route of the first app found (with a /path, if given). */
export async function resolveProbeUrl(ctx: Context, settings: ProbeSettings, target: ProbeTarget): Promise<string | undefined> {
  if (settings.target && !settings.target.startsWith('/')) return settings.target
  const {capi} = ctx
  const space = (await resolveTarget(ctx)).space
  let found
  for (const name of target.appNames) {
    // The first app of these with a public HTTP route (after an interrupted blue-green run, APP is a
    // copy without routes and APP-venerable still has them).
    const app = await capi.apps.findByName(space.guid, name)
    if (!app) continue
    found ??= app
    const route = await firstPublicRoute(ctx, app.guid)
    if (!route) continue
    const url = new URL(urlForRoute(route, await routerInfo(capi)))
    if (settings.target) {
      // A /path (and ?query) below the route, which may have a context path of its own.
      const rel = new URL(settings.target, 'http://route')
      url.pathname = `${url.pathname.replace(/\/$/, '')}${rel.pathname}`
      url.search = rel.search
    }
    return url.toString()
  }
  if (!found) {
    if (target.whenMissing) ctx.ui.warn(`Probe: ${target.whenMissing}`)
    return undefined
  }
  ctx.ui.warn(`Probe: '${found.name}' has no public HTTP route to probe; running without the probe. Pass --probe URL to probe something else.`)
  return undefined
}

async function firstPublicRoute(ctx: Context, appGuid: string) {
  for (const route of (await ctx.capi.routes.forApp(appGuid)).filter((r) => r.protocol === 'http')) {
    const domain = await ctx.capi.domains.get(route.relationships.domain.data.guid).catch(() => undefined)
    if (!domain?.internal) return route
  }
  return undefined
}

function summarize(
  r: ProbeReport,
  settings: ProbeSettings,
  startedAt: number,
  oldDroplet: string | undefined,
  extra: Pick<ProbeSummary, 'aborted' | 'notAborted' | 'unhealthyBefore' | 'canary'>,
): ProbeSummary {
  const t = settings.abort
  const thresholds =
    t.errors !== undefined || t.errorRate !== undefined
      ? {errors: t.errors, errorRate: t.errorRate, ...(t.errorRate !== undefined ? {sample: t.sample} : {})}
      : undefined
  return {
    url: r.url,
    ratePerSec: settings.ratePerSec,
    sent: r.sent,
    ok: r.ok,
    failed: r.failed,
    availability: r.availability,
    longestFailureRun: r.longestFailureRun,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    durationMs: r.durationMs,
    droplets: r.droplets.map((d) => ({
      droplet: d.droplet,
      role: d.droplet === oldDroplet ? 'old' : 'new',
      fromMs: d.firstAt - startedAt,
      toMs: d.lastAt - startedAt,
      count: d.count,
    })),
    failures: r.failures
      .slice(0, MAX_FAILURES_LISTED)
      .map((f) => ({atMs: f.at - startedAt, ...(f.status ? {status: f.status} : {}), ...(f.error ? {error: f.error} : {})})),
    ...(thresholds ? {thresholds} : {}),
    ...(extra.aborted ? {aborted: extra.aborted} : {}),
    ...(extra.notAborted ? {notAborted: extra.notAborted} : {}),
    ...(extra.unhealthyBefore ? {unhealthyBefore: extra.unhealthyBefore} : {}),
    ...(extra.canary ? {canary: extra.canary} : {}),
    seconds: r.seconds.map((s) => {
      const old = oldDroplet ? (s.droplets[oldDroplet] ?? 0) : 0
      const answered = Object.values(s.droplets).reduce((a, b) => a + b, 0)
      return {ok: s.ok, failed: s.failed, p50Ms: s.p50Ms, p95Ms: s.p95Ms, old, new: answered - old}
    }),
  }
}
