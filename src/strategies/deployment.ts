/**
 * Rolling and canary: one app, one GUID, Cloud Controller's deployment updater does the swap.
 *
 *   check app → [stage] → create deployment → follow it (DEPLOYED, or PAUSED for a canary)
 *   → once DEPLOYED, wait for the old web instances to be gone and every process type to run again
 *
 * Cloud Controller restarts every non-web process at once when it finalizes: the check step names
 * them and suggests blue-green (workers.ts).
 *
 * On failure or Ctrl-C after the deployment exists: cancel it, wait until FINALIZED, and report
 * the instance states and crash reasons.
 */
import {DeploymentStatusReason, DeploymentStatusValue, type Deployment, type DeploymentCreate} from '../capi/resources/deployments.js'
import {createOnce} from '../capi/reconcile.js'
import {cancelOnce} from './once.js'
import type {CapiClient} from '../capi/client.js'
import type {Process} from '../capi/resources/processes.js'
import {isAmbiguous} from '../capi/errors.js'
import {AbortError} from '../clock.js'
import {CfzdError, ExitCode} from '../errors.js'
import {actualize} from './actualize.js'
import {readForInformation} from './advisory.js'
import {canaryPeakExtraInstances, rollingPeakExtraInstances} from './math.js'
import {routerInfo, urlForRoute} from '../probe/urls.js'
import {resolveLeftovers} from './leftovers.js'
import {ROLE} from './snapshot.js'
import {assertHeadroom} from './quota.js'
import {runSmokeTest} from './smoke.js'
import {checkPinning} from '../probe/pin.js'
import type {DropletSource} from './sources.js'
import {deploy, readProcesses, stopOf} from './messages.js'
import {deploymentOutcome, operationResult} from './result.js'
import {appGone, currentName, step, type OpState} from './state.js'
import type {OperationResult, Step} from './types.js'
import {WaitFailure, type DeploymentGoal, summarizeStats, watchDeployment} from './wait.js'
import {afterDeployed, workerWarning, workers} from './workers.js'

/** The newest web process: the one GET /v3/apps/:guid/processes/web answers with (several exist while a deployment runs). */
function newestWeb(processes: Process[]): Process | undefined {
  // The list is ordered by creation: on a tie, the later one.
  return processes.filter((p) => p.type === 'web').reduce<Process | undefined>((n, p) => (n && n.created_at > p.created_at ? n : p), undefined)
}

export function deploymentPlan(source: DropletSource): Step<OpState>[] {
  return [
    {
      id: 'check',
      title: (s) => `Check app ${s.appName}`,
      async run(s, task) {
        const {capi} = s.env
        const warn = (line: string) => {
          s.warnings.push(line)
          task.output(line)
        }
        // An interrupted blue-green run's leftovers (APP-venerable serving, a half-made APP, or only
        // APP-venerable) are put back first, so the deployment goes to the app that serves and not
        // to the copy. Only such a run leaves APP marked as its copy, or no APP at all.
        if (s.app.metadata.annotations[ROLE] === 'new' || s.app.name !== s.appName) {
          s.app = await resolveLeftovers(s, warn, 'ignore')
        }
        const known = s.env.known?.(s.app.guid)
        const active = known?.active !== undefined ? (known.active ?? undefined) : await capi.deployments.activeForApp(s.app.guid)
        if (active && !s.opts.supersede) throw deploy.inFlight(s.appName, active)
        if (active) s.warnings.push(deploy.superseding(active))
        await source.preflight(s, warn)
        // One read of the processes serves both checks: the non-web ones are named, and the web one
        // (the newest, as GET /v3/apps/:guid/processes/web would answer) sizes the quota check.
        // Without it, go on unchecked.
        let web: Process | undefined
        if (s.app.state === 'STARTED') {
          const processes =
            known?.processes ??
            (await readForInformation(
              readProcesses(s.app.guid),
              () => capi.processes.forApp(s.app.guid),
              (why) => (warn(deploy.cannotCheckWorkers(s.appName, why)), warn(deploy.cannotCheckQuota(s.appName, why))),
            ))
          const line = processes && workerWarning(processes, s.opts.strategy)
          if (line) warn(line)
          web = known?.web ?? (processes ? newestWeb(processes) : undefined)
          s.webOnly = processes ? workers(processes).length === 0 : undefined
        }
        if (web) {
          // With a deployment superseded there are several web processes: webTarget reads them all.
          if (!active) s.webBefore = web
          const target = s.opts.scale?.instances ?? web.instances
          const memory = s.opts.scale?.memoryInMb ?? web.memory_in_mb
          const extra =
            s.opts.strategy === 'canary'
              ? canaryPeakExtraInstances(target, s.opts.instanceSteps, s.opts.maxInFlight)
              : rollingPeakExtraInstances(target, s.opts.maxInFlight)
          // What the app grows by when done (more instances, or bigger ones), plus the extra ones at peak.
          const growth = Math.max(0, target * memory - web.instances * web.memory_in_mb)
          await assertHeadroom(
            capi,
            {spaceGuid: s.target.space.guid, orgGuid: s.target.org.guid, cache: s.env.reads},
            {
              memoryMb: extra * memory + growth,
              instances: extra + Math.max(0, target - web.instances),
              purpose: deploy.peakNeeds(s.opts.strategy, target, extra, memory),
            },
            [deploy.peakNeedsHint],
            warn,
          )
          task.output(`${web.instances} web instance(s) of ${web.memory_in_mb} MB running; peak +${extra}`)
        }
      },
    },
    ...source.inPlace(),
    {
      id: 'set-droplet',
      title: 'Set current droplet (the app is stopped and stays stopped)',
      enabled: (s) => s.app.state === 'STOPPED' && s.kind === 'restage',
      async run(s, task) {
        if (!s.dropletGuid) return task.skip('no new droplet')
        await s.env.capi.apps.setCurrentDroplet(s.app.guid, s.dropletGuid)
      },
    },
    {
      id: 'deploy',
      title: (s) => `Create ${s.opts.strategy} deployment`,
      // A deployment of a stopped app starts it (as cf restart and cf push do). Restage leaves a
      // stopped app stopped with its new droplet, which is what restage-all --include-stopped needs.
      enabled: (s) => s.app.state === 'STARTED' || s.kind !== 'restage',
      async run(s, task) {
        const {capi} = s.env
        const body = deploymentBody(s)
        const since = new Date(s.startedAt - 1000).toISOString().replace(/\.\d+Z$/, 'Z')
        s.deployment = await createOnce(
          () => capi.deployments.create(body),
          async () => {
            const d = await capi.deployments.activeForApp(s.app.guid)
            return d && d.created_at >= since && (!s.dropletGuid || d.droplet?.guid === s.dropletGuid) ? d : undefined
          },
        )
        s.previousDropletGuid = s.deployment.previous_droplet?.guid ?? s.previousDropletGuid
        s.dropletGuid = s.deployment.droplet?.guid ?? s.dropletGuid
        task.output(`deployment ${s.deployment.guid}`)
      },
    },
    step({
      id: 'wait',
      title: (s) => (s.opts.strategy === 'canary' ? 'Start canary instances' : 'Start new instances'),
      needs: ['deployment'],
      enabled: (s) => s.deployment !== undefined || s.app.state === 'STARTED' || s.kind !== 'restage',
      async run(s, task) {
        const {capi, clock, signal} = s.env
        const goal: DeploymentGoal = s.opts.noWait ? 'first-instance' : s.opts.strategy === 'canary' ? 'paused' : 'deployed'
        const d = s.deployment
        const target = d.options.web_instances ?? (await webTarget(s))
        s.progress = await watchDeployment(capi, d, {
          clock,
          signal,
          tickStore: s.env.tickStore,
          goal,
          target,
          timeoutMs: s.opts.startupTimeoutMs,
          onProgress: (p) => {
            s.progress = p
            const routable = p.instances?.routable ?? 0
            const canary = p.deployment.status.canary?.steps
            task.setTitle(
              canary
                ? `Start canary instances (step ${canary.current}/${canary.total}, ${routable} routable)`
                : `Start ${target} new instance${target === 1 ? '' : 's'} (${Math.min(routable, target)}/${target} routable)`,
            )
            const err = p.deployment.status.details.error
            if (err) task.output(`waiting: ${err}`)
            else if (p.instances && p.instances.crashed > 0) task.output(p.instances.states.join(', '))
          },
        })
        s.deployment = s.progress.deployment
        const done = s.deployment.status
        if (done.value === 'FINALIZED' && done.reason === 'DEPLOYED') {
          // Cloud Controller finalizes only once every new instance is routable.
          task.setTitle(`Start ${target} new instance${target === 1 ? '' : 's'} (${target}/${target} routable)`)
        } else if (done.reason === DeploymentStatusReason.PAUSED) {
          const web = s.deployment.new_processes.find((p) => p.type === 'web')
          const stats = web ? summarizeStats(await capi.processes.stats(web.guid).catch(() => [])) : undefined
          const c = done.canary?.steps
          task.setTitle(`Start canary instances (step ${c?.current ?? 1}/${c?.total ?? 1}: ${stats?.routable ?? 0} routable, paused)`)
        }
      },
    }),
    step({
      id: 'promote',
      title: (s) => (s.opts.smokeTest ? 'Smoke-test and promote the canary' : 'Probe the canary'),
      needs: ['deployment'],
      enabled: (s) => s.opts.strategy === 'canary' && (Boolean(s.opts.smokeTest) || Boolean(s.env.canaryCheck)) && !s.opts.noWait,
      async run(s, task) {
        const {capi, clock, signal} = s.env
        const smokeTest = s.opts.smokeTest
        let url: string | undefined
        if (smokeTest) {
          const routes = await capi.routes.forApp(s.app.guid)
          if (routes.length === 0) throw deploy.noRouteForSmokeTest(s.appName)
          url = urlForRoute(routes[0], await routerInfo(capi))
        }
        while (s.deployment.status.reason === DeploymentStatusReason.PAUSED) {
          const step = s.deployment.status.canary?.steps
          const at = `canary step ${step?.current ?? 1}/${step?.total ?? 1}`
          // The canary is the deployment's new web process: checks at this pause are pinned to it.
          const canary = s.deployment.new_processes.find((p) => p.type === 'web')?.guid
          if (s.env.canaryCheck && canary) {
            task.setTitle(`Probe ${at} (requests pinned to process ${canary})`)
            await s.env.canaryCheck({processGuid: canary, step: step?.current ?? 1, steps: step?.total ?? 1})
            if (signal.aborted) throw new AbortError()
          }
          if (!smokeTest || !url) break
          task.setTitle(`Smoke-test ${at} (${url})`)
          let pinTo = canary
          if (canary) {
            const check = await checkPinning(url, canary)
            if (!check.pinned) {
              pinTo = undefined
              const line = deploy.cannotPin(at, check.why)
              s.warnings.push(line)
              task.output(line)
            }
          }
          await runSmokeTest(smokeTest, url, (l) => task.output(l), signal, pinTo)
          await continueOnce(capi, s.deployment)
          const fresh = await capi.deployments.get(s.deployment.guid)
          s.progress = await watchDeployment(capi, fresh, {
            clock,
            signal,
            tickStore: s.env.tickStore,
            goal: 'paused',
            target: s.progress?.target ?? 1,
            timeoutMs: s.opts.startupTimeoutMs,
          })
          s.deployment = s.progress.deployment
        }
        if (smokeTest) task.setTitle(`Smoke tests passed; promoted the canary (${s.deployment.status.reason})`)
        else task.setTitle(`Probed the canary (step ${s.deployment.status.canary?.steps.current ?? 1}/${s.deployment.status.canary?.steps.total ?? 1})`)
      },
    }),
    step({
      id: 'old-gone',
      title: 'Wait for the old instances to be gone',
      needs: ['deployment'],
      // Cloud Controller destroys the old web processes and restarts the others when it finalizes.
      enabled: (s) => s.deployment?.status.value === 'FINALIZED' && s.deployment.status.reason === DeploymentStatusReason.DEPLOYED,
      async run(s, task) {
        if (s.webOnly) {
          // Nothing left to read: finalize.rb destroyed the old web processes (their stats answer
          // 404 from then on) and came only after every new web instance was routable, and there
          // is no other process type for it to restart.
          const target = s.deployment.options.web_instances ?? s.webBefore?.instances ?? s.progress?.target ?? 0
          s.processes = [{type: 'web', instances: target, zeroMs: 0, recovered: true}]
          return task.setTitle('Old instances gone (Cloud Controller removed them when it finalized; every new instance routable)')
        }
        s.processes = await afterDeployed(s.env, s.appName, s.app.guid, s.deployment, {timeoutMs: s.opts.startupTimeoutMs, warnings: s.warnings, task})
      },
    }),
  ]
}

/**
 * Continue a paused canary exactly once. Continue is not idempotent (a second one would skip a
 * step), so after a failure that may have reached the Cloud Controller, re-read: if the deployment
 * has left that pause, the continue went through.
 */
export async function continueOnce(capi: CapiClient, d: Deployment, attempts = 3): Promise<void> {
  const step = d.status.canary?.steps.current
  for (let i = 1; ; i++) {
    try {
      return await capi.deployments.continue(d.guid)
    } catch (error) {
      if (!isAmbiguous(error) || i >= attempts) throw error
      const now = await capi.deployments.get(d.guid)
      if (now.status.reason !== DeploymentStatusReason.PAUSED || now.status.canary?.steps.current !== step) return
    }
  }
}

async function webTarget(s: OpState): Promise<number> {
  if (s.opts.scale?.instances !== undefined) return s.opts.scale.instances
  // Read by the check step before the deployment existed: the original count, no second read.
  if (s.webBefore) return s.webBefore.instances
  const processes = await s.env.capi.processes.forApp(s.app.guid, {types: ['web']})
  // While deploying there are several web processes; the oldest carries the original count.
  const oldest = [...processes].sort((a, b) => a.created_at.localeCompare(b.created_at))[0]
  return oldest?.instances ?? 1
}

export function deploymentBody(s: OpState): DeploymentCreate {
  const o = s.opts
  const options: NonNullable<DeploymentCreate['options']> = {}
  if (o.maxInFlight !== undefined) options.max_in_flight = o.maxInFlight
  if (o.strategy === 'canary' && o.instanceSteps?.length) options.canary = {steps: o.instanceSteps.map((w) => ({instance_weight: w}))}
  if (o.scale?.instances !== undefined) options.web_instances = o.scale.instances
  if (o.scale?.memoryInMb !== undefined) options.memory_in_mb = o.scale.memoryInMb
  if (o.scale?.diskInMb !== undefined) options.disk_in_mb = o.scale.diskInMb
  if (o.scale?.logRateLimit !== undefined) options.log_rate_limit_in_bytes_per_second = o.scale.logRateLimit
  return {
    relationships: {app: {data: {guid: s.app.guid}}},
    strategy: o.strategy === 'canary' ? 'canary' : 'rolling',
    ...(s.revisionGuid ? {revision: {guid: s.revisionGuid}} : s.dropletGuid ? {droplet: {guid: s.dropletGuid}} : {}),
    ...(Object.keys(options).length ? {options} : {}),
  }
}

/** Run a rolling or canary operation; cancel and explain on failure or interruption. */
export async function runDeployment(s: OpState, source: DropletSource, renderer: Parameters<typeof actualize>[2]): Promise<OperationResult> {
  let durations: Record<string, number> = {}
  try {
    durations = await actualize(deploymentPlan(source), s, {...renderer, signal: s.env.signal})
  } catch (error) {
    throw await recover(s, error, renderer)
  }
  const droplet = {guid: s.dropletGuid, previous: s.previousDropletGuid}
  if (!s.deployment) {
    // A stopped app's restage: the droplet is set, nothing was deployed.
    return operationResult(s, {
      strategy: s.opts.strategy,
      app: {name: s.appName, guid: s.app.guid},
      droplet,
      outcome: 'staged',
      durationsMs: durations,
      left: [deploy.stagedStopped(s.appName)],
    })
  }
  const d = s.deployment
  const name = s.env.skipRenameCheck ? s.appName : await currentName(s, s.app.guid)
  const outcome = deploymentOutcome(d)
  return operationResult(s, {
    strategy: s.opts.strategy,
    app: {name, guid: s.app.guid},
    droplet,
    deployment: d,
    outcome,
    processes: s.processes,
    durationsMs: durations,
    left: outcome === 'paused' ? [deploy.paused(d)] : d.status.value === 'ACTIVE' ? [deploy.inBackground(d)] : [],
    next: outcome === 'paused' ? deploy.nextAtPause(s.appName) : [],
  })
}

/**
 * After a failure: if a deployment of ours is still ACTIVE, cancel it and wait for FINALIZED, so
 * the app is back on its previous droplet; then report the original failure, what the instances
 * were doing, and what the cancel achieved. This observes and acts; messages.ts says it.
 */
export async function recover(s: OpState, error: unknown, renderer: Parameters<typeof actualize>[2]): Promise<CfzdError> {
  const stop = stopOf(error, s.env.signal)
  const failure = error instanceof WaitFailure ? error : undefined
  const details = failure ? {failure: failure.kind, instances: failure.observed.instances} : undefined
  let exitCode: number = stop.interrupted ? stop.abort.exitCode : stop.original ? stop.original.exitCode : ExitCode.FAILED
  const d = s.deployment
  // s.left says what the source already changed (push applies its manifest before staging).
  if (!d) return deploy.notDeployed(stop, exitCode, s.left, details)
  if (await appGone(s, s.app.guid)) return deploy.appDeleted(stop, s.appName, s.app.guid, d)
  if (failure?.kind === 'superseded') return deploy.superseded(s.appName, d)

  const lines: string[] = []
  if (failure?.observed.instances) lines.push(deploy.newInstances(failure.observed.instances.states))
  const cancel = failure?.kind === 'canceled' ? {canceled: true} : await cancelOurs(s, d, renderer)
  if (cancel.finishedAs) {
    // Nothing left to cancel: the exit code stays the failure's (130 for Ctrl-C, the abort's own).
    lines.push(deploy.finishedBeforeCancel(d, s.appName, cancel.finishedAs))
  } else if (cancel.canceled) {
    const web = await s.env.capi.processes.getForApp(s.app.guid, 'web').catch(() => undefined)
    const summary = summarizeStats(web ? await s.env.capi.processes.stats(web.guid).catch(() => []) : [])
    lines.push(deploy.canceled(d, s.appName, s.previousDropletGuid, summary.routable, summary.desired))
  } else {
    lines.push(deploy.cannotCancel(d, s.appName, cancel.error))
    exitCode = ExitCode.FAILED
  }
  return deploy.failure(stop, lines, exitCode, details)
}

/** Cancel the deployment (unless it already finalized) and follow it until FINALIZED, on its own task row and signal. */
async function cancelOurs(
  s: OpState,
  d: Deployment,
  renderer: Parameters<typeof actualize>[2],
): Promise<{canceled: boolean; finishedAs?: string; error?: unknown}> {
  const env = {...s.env, signal: new AbortController().signal}
  let canceled = false
  /** The deployment finalized with another reason than CANCELED first (it raced the cancel, or was done already). */
  let finishedAs: string | undefined
  const steps: Step<OpState>[] = [
    {
      id: 'cancel',
      title: `Cancel deployment ${d.guid}`,
      async run(_s, task) {
        const current = await env.capi.deployments.get(d.guid)
        const ended = (reason: string | null) => {
          canceled = reason === DeploymentStatusReason.CANCELED
          if (!canceled) finishedAs = reason ?? 'no reason given'
        }
        if (current.status.value === DeploymentStatusValue.FINALIZED) {
          ended(current.status.reason)
          return task.skip(`already ${current.status.reason}`)
        }
        if (current.status.reason !== DeploymentStatusReason.CANCELING) await cancelOnce(env.capi, d.guid)
        const done = await watchDeployment(env.capi, current, {clock: env.clock, goal: 'finalized', target: 0, timeoutMs: 5 * 60_000})
        ended(done.deployment.status.reason)
        task.setTitle(`Cancel deployment ${d.guid} (${done.deployment.status.reason})`)
      },
    },
  ]
  try {
    await actualize(steps, s, renderer)
  } catch (error) {
    return {canceled: false, error}
  }
  return {canceled, finishedAs}
}

export type {Deployment}
