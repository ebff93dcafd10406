/**
 * cancel-deployment and continue-deployment: find the app's active deployment (the cf CLI's
 * lookup), act on it, and follow it until FINALIZED (cancel) or the next pause/DEPLOYED (continue).
 */
import type {App} from '../capi/resources/apps.js'
import {DeploymentStatusReason, type Deployment} from '../capi/resources/deployments.js'
import {refGuid} from '../capi/schemas.js'
import {CfzdError, ExitCode} from '../errors.js'
import {actualize, type ActualizeOptions} from './actualize.js'
import {continueOnce} from './deployment.js'
import {cancelOnce} from './once.js'
import type {OperationEnv, OperationResult, Step} from './types.js'
import {watchDeployment} from './wait.js'
import type {ProcessAvailability} from './availability.js'
import {afterDeployed} from './workers.js'

interface CancelState {
  env: OperationEnv
  app: App
  wait: boolean
  timeoutMs: number
  deployment?: Deployment
  startedAt: number
  /** continue-deployment: what the last step left to say, and the time at 0 per process type. */
  warnings?: string[]
  processes?: ProcessAvailability[]
}

function findActive(verb: string): Step<CancelState> {
  return {
    id: 'find',
    title: (s) => `Find the active deployment of ${s.app.name}`,
    async run(s, task) {
      const d = await s.env.capi.deployments.activeForApp(s.app.guid)
      if (!d) {
        throw new CfzdError(`No active deployment found for app ${s.app.name}: nothing to ${verb}.`, {
          exitCode: ExitCode.FAILED,
          suggestions: [`Run 'cfzd app ${s.app.name}' to see its state.`],
        })
      }
      s.deployment = d
      task.setTitle(`Found deployment ${d.guid} (${d.strategy}, ${d.status.reason})`)
    },
  }
}

export async function cancelDeployment(env: OperationEnv, app: App, o: {wait: boolean; timeoutMs: number}, a: ActualizeOptions): Promise<OperationResult> {
  const s: CancelState = {env, app, wait: o.wait, timeoutMs: o.timeoutMs, startedAt: env.clock.now()}
  const steps: Step<CancelState>[] = [
    findActive('cancel'),
    {
      id: 'cancel',
      title: 'Cancel',
      async run(s, task) {
        if (s.deployment!.status.reason === 'CANCELING') return task.skip('already canceling')
        await cancelOnce(s.env.capi, s.deployment!.guid)
      },
    },
    {
      id: 'wait',
      title: 'Wait until the deployment is finalized',
      enabled: (s) => s.wait,
      async run(s, task) {
        const {capi, clock, signal} = s.env
        const d = await capi.deployments.get(s.deployment!.guid)
        const done = await watchDeployment(capi, d, {clock, signal, goal: 'finalized', target: 0, timeoutMs: s.timeoutMs})
        s.deployment = done.deployment
        task.setTitle(`Deployment finalized (${done.deployment.status.reason})`)
      },
    },
  ]
  const durations = await actualize(steps, s, a)
  const d = s.wait ? s.deployment! : await env.capi.deployments.get(s.deployment!.guid)
  const restored = refGuid(d.previous_droplet)
  return {
    operation: 'cancel-deployment',
    strategy: 'n/a',
    app: {name: app.name, guid: app.guid},
    deployment: {guid: d.guid, status: d.status.value, reason: d.status.reason, canarySteps: d.status.canary?.steps},
    droplet: restored ? {guid: restored, previous: refGuid(d.droplet)} : undefined,
    outcome: 'canceled',
    durationsMs: durations,
    totalMs: env.clock.now() - s.startedAt,
    left: d.status.value === 'ACTIVE' ? [`Deployment ${d.guid} is ${d.status.reason}; it finalizes on the updater's next pass.`] : [],
    warnings: [],
    next: [],
  }
}

export async function continueDeployment(
  env: OperationEnv,
  app: App,
  o: {noWait: boolean; timeoutMs: number},
  a: ActualizeOptions,
): Promise<OperationResult> {
  const s: CancelState = {env, app, wait: !o.noWait, timeoutMs: o.timeoutMs, startedAt: env.clock.now(), warnings: []}
  const steps: Step<CancelState>[] = [
    findActive('continue'),
    {
      id: 'continue',
      title: 'Continue',
      async run(s) {
        const d = s.deployment!
        if (d.status.reason !== DeploymentStatusReason.PAUSED) {
          throw new CfzdError(`Deployment ${d.guid} of ${s.app.name} is ${d.status.value}/${d.status.reason}, not PAUSED: only a paused canary can be continued.`, {
            exitCode: ExitCode.FAILED,
          })
        }
        await continueOnce(s.env.capi, d)
      },
    },
    {
      id: 'wait',
      title: 'Start new instances',
      async run(s, task) {
        const {capi, clock, signal} = s.env
        const d = await capi.deployments.get(s.deployment!.guid)
        const target = d.options.web_instances ?? 0
        const done = await watchDeployment(capi, d, {
          clock,
          signal,
          goal: s.wait ? 'paused' : 'first-instance',
          target,
          timeoutMs: s.timeoutMs,
          onProgress: (p) => {
            const c = p.deployment.status.canary?.steps
            task.setTitle(`Start new instances (${c ? `step ${c.current}/${c.total}, ` : ''}${p.instances?.routable ?? 0} routable)`)
          },
        })
        s.deployment = done.deployment
      },
    },
    {
      id: 'old-gone',
      title: 'Wait for the old instances to be gone',
      enabled: (s) => s.deployment?.status.value === 'FINALIZED' && s.deployment.status.reason === DeploymentStatusReason.DEPLOYED,
      async run(s, task) {
        s.processes = await afterDeployed(s.env, s.app.name, s.app.guid, s.deployment!, {timeoutMs: s.timeoutMs, warnings: s.warnings!, task})
      },
    },
  ]
  const durations = await actualize(steps, s, a)
  const d = s.deployment!
  const paused = d.status.reason === DeploymentStatusReason.PAUSED
  const deployed = refGuid(d.droplet)
  return {
    operation: 'continue-deployment',
    strategy: 'canary',
    app: {name: app.name, guid: app.guid},
    deployment: {guid: d.guid, status: d.status.value, reason: d.status.reason, canarySteps: d.status.canary?.steps},
    droplet: deployed ? {guid: deployed, previous: refGuid(d.previous_droplet)} : undefined,
    outcome: d.status.value === 'FINALIZED' ? 'deployed' : paused ? 'paused' : 'deploying',
    durationsMs: durations,
    totalMs: env.clock.now() - s.startedAt,
    left: paused ? [`Deployment ${d.guid} is paused again at canary step ${d.status.canary?.steps.current}/${d.status.canary?.steps.total}.`] : [],
    warnings: s.warnings ?? [],
    next: paused ? [`cfzd continue-deployment ${app.name}`, `cfzd cancel-deployment ${app.name}`] : [],
    ...(s.processes ? {processes: s.processes} : {}),
  }
}
