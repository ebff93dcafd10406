/**
 * cancel-deployment and continue-deployment: find the app's active deployment (the cf CLI's
 * lookup), act on it, and follow it until FINALIZED (cancel) or the next pause/DEPLOYED (continue).
 */
import type {App} from '../capi/resources/apps.js'
import {DeploymentStatusReason, type Deployment} from '../capi/resources/deployments.js'
import {refGuid} from '../capi/schemas.js'
import {actualize, type ActualizeOptions} from './actualize.js'
import {continueOnce} from './deployment.js'
import {deploy, manage} from './messages.js'
import {cancelOnce} from './once.js'
import {deploymentOutcome, operationResult} from './result.js'
import {have, step} from './state.js'
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
  /** What the steps found to warn about (continue-deployment: the last step's check). */
  warnings: string[]
  /** continue-deployment: the time at 0 per process type. */
  processes?: ProcessAvailability[]
}

function findActive(verb: string): Step<CancelState> {
  return {
    id: 'find',
    title: (s) => `Find the active deployment of ${s.app.name}`,
    async run(s, task) {
      const d = await s.env.capi.deployments.activeForApp(s.app.guid)
      if (!d) throw manage.noActive(s.app.name, verb)
      s.deployment = d
      task.setTitle(`Found deployment ${d.guid} (${d.strategy}, ${d.status.reason})`)
    },
  }
}

export async function cancelDeployment(env: OperationEnv, app: App, o: {wait: boolean; timeoutMs: number}, a: ActualizeOptions): Promise<OperationResult> {
  const s: CancelState = {env, app, wait: o.wait, timeoutMs: o.timeoutMs, startedAt: env.clock.now(), warnings: []}
  const steps: Step<CancelState>[] = [
    findActive('cancel'),
    step({
      id: 'cancel',
      title: 'Cancel',
      needs: FOUND,
      async run(s, task) {
        if (s.deployment.status.reason === 'CANCELING') return task.skip('already canceling')
        await cancelOnce(s.env.capi, s.deployment.guid)
      },
    }),
    step({
      id: 'wait',
      title: 'Wait until the deployment is finalized',
      needs: FOUND,
      enabled: (s) => s.wait,
      async run(s, task) {
        const {capi, clock, signal} = s.env
        const d = await capi.deployments.get(s.deployment.guid)
        const done = await watchDeployment(capi, d, {clock, signal, goal: 'finalized', target: 0, timeoutMs: s.timeoutMs})
        s.deployment = done.deployment
        task.setTitle(`Deployment finalized (${done.deployment.status.reason})`)
      },
    }),
  ]
  const durations = await actualize(steps, s, a)
  const found = have(s, FOUND, 'the cancel-deployment result').deployment
  const d = s.wait ? found : await env.capi.deployments.get(found.guid)
  return operationResult(s, {
    operation: 'cancel-deployment',
    strategy: 'n/a',
    app: {name: app.name, guid: app.guid},
    deployment: d,
    droplet: {guid: refGuid(d.previous_droplet), previous: refGuid(d.droplet)},
    outcome: 'canceled',
    durationsMs: durations,
    left: d.status.value === 'ACTIVE' ? [manage.finalizesNext(d)] : [],
  })
}

/** What the steps after 'find' rely on. */
const FOUND = ['deployment'] as const

export async function continueDeployment(env: OperationEnv, app: App, o: {noWait: boolean; timeoutMs: number}, a: ActualizeOptions): Promise<OperationResult> {
  const s: CancelState = {env, app, wait: !o.noWait, timeoutMs: o.timeoutMs, startedAt: env.clock.now(), warnings: []}
  const steps: Step<CancelState>[] = [
    findActive('continue'),
    step({
      id: 'continue',
      title: 'Continue',
      needs: FOUND,
      async run(s) {
        const d = s.deployment
        if (d.status.reason !== DeploymentStatusReason.PAUSED) throw manage.notPaused(d, s.app.name)
        await continueOnce(s.env.capi, d)
      },
    }),
    step({
      id: 'wait',
      title: 'Start new instances',
      needs: FOUND,
      async run(s, task) {
        const {capi, clock, signal} = s.env
        const d = await capi.deployments.get(s.deployment.guid)
        const target = d.options.web_instances ?? 0
        const done = await watchDeployment(capi, d, {
          clock,
          signal,
          goal: s.wait ? 'paused' : 'first-instance',
          target,
          timeoutMs: s.timeoutMs,
          tickStore: s.env.tickStore,
          onProgress: (p) => {
            const c = p.deployment.status.canary?.steps
            task.setTitle(`Start new instances (${c ? `step ${c.current}/${c.total}, ` : ''}${p.instances?.routable ?? 0} routable)`)
          },
        })
        s.deployment = done.deployment
      },
    }),
    step({
      id: 'old-gone',
      title: 'Wait for the old instances to be gone',
      needs: FOUND,
      enabled: (s) => s.deployment?.status.value === 'FINALIZED' && s.deployment.status.reason === DeploymentStatusReason.DEPLOYED,
      async run(s, task) {
        s.processes = await afterDeployed(s.env, s.app.name, s.app.guid, s.deployment, {timeoutMs: s.timeoutMs, warnings: s.warnings, task})
      },
    }),
  ]
  const durations = await actualize(steps, s, a)
  const d = have(s, FOUND, 'the continue-deployment result').deployment
  const outcome = deploymentOutcome(d)
  return operationResult(s, {
    operation: 'continue-deployment',
    strategy: 'canary',
    app: {name: app.name, guid: app.guid},
    deployment: d,
    droplet: {guid: refGuid(d.droplet), previous: refGuid(d.previous_droplet)},
    outcome,
    durationsMs: durations,
    left: outcome === 'paused' ? [manage.pausedAgain(d)] : [],
    next: outcome === 'paused' ? deploy.nextAtPause(app.name) : [],
    processes: s.processes,
  })
}
