/**
 * Deployment create, cancel and continue, as Cloud Controller runs them (deployment_create.rb,
 * deployment_cancel.rb, deployment_continue.rb, deployment_model.rb). Each action validates
 * everything before it changes anything, standing in for CC's single transaction.
 */
import {unprocessable} from '../api/errors.js'
import type {Foundation} from '../kernel.js'
import {type AppRec, type DeploymentRec, type DropletRec, emptyMetadata, type Metadata, type ProcessRec, type RevisionRec} from '../state.js'
import {newGuid} from '../util.js'
import {assertStartFits, assignDroplet, startApp} from './apps.js'
import {quotaErrors} from './quota.js'
import {createRevision, latestRevision, outOfDateReasons, updateAppRevision} from './revisions.js'

export interface CanaryStep {
  canary: number
  original: number
}

/**
 * The canary step plan (deployment_model.rb#canary_step_plan):
 * - no steps: [{canary: 1, original: originalCount}];
 * - with steps: n = min(web_instances, originalCount); for each weight w,
 *   canary = max(1, round(n·w/100)) and original = n − canary + 1, or 0 when w is 100.
 *
 *   10 instances, [20, 40] → [{2, 9}, {4, 7}]
 *    5 instances, [20, 40] → [{1, 5}, {2, 4}]
 *    4 instances, [50, 100] → [{2, 3}, {4, 0}]
 */
export function canaryStepPlan(steps: {instance_weight: number}[] | null, originalCount: number, webInstances: number | null): CanaryStep[] {
  // An empty list would leave Cloud Controller without a first step; it is taken as no steps here.
  if (!steps || steps.length === 0) return [{canary: 1, original: originalCount}]
  const n = webInstances !== null && webInstances < originalCount ? webInstances : originalCount
  return steps.map(({instance_weight: weight}) => {
    // Ruby's Float#round: halves away from zero (weights are positive).
    const canary = Math.max(1, Math.round((n * weight) / 100))
    return {canary, original: weight === 100 ? 0 : n - canary + 1}
  })
}

export function currentCanaryStep(d: DeploymentRec): CanaryStep {
  const plan = canaryStepPlan(d.canarySteps, d.originalWebProcessInstanceCount, d.webInstances)
  return plan[(d.canaryCurrentStep ?? 1) - 1] ?? plan[plan.length - 1]
}

/** `desired_web_instances`: the rolling target. */
export const desiredWebInstances = (d: DeploymentRec) => d.webInstances ?? d.originalWebProcessInstanceCount

export interface DeploymentInput {
  appGuid: string
  dropletGuid?: string
  revisionGuid?: string
  strategy?: 'rolling' | 'canary'
  maxInFlight: number
  webInstances: number | null
  memoryInMb: number | null
  diskInMb: number | null
  logRateLimitInBytesPerSecond: number | null
  canarySteps: {instance_weight: number}[] | null
  metadata?: Metadata
}

/** PR #4402: quota errors on deployment create say the quota may be too small for the deployment. */
function enhancedQuotaError(f: Foundation, app: AppRec, message: string): Error {
  const space = f.store.spaces.get(app.spaceGuid)
  const org = f.store.orgOfSpace(space)
  if (['space_quota_exceeded', 'space_app_instance_limit_exceeded'].some((s) => message.includes(s))) {
    message += ` for space ${space?.name}. This space's quota may not be large enough to support rolling deployments or your configured max-in-flight.`
  } else if (['quota_exceeded', 'app_instance_limit_exceeded'].some((s) => message.includes(s))) {
    message += ` for organization ${org?.name}. This organization's quota may not be large enough to support rolling deployments or your configured max-in-flight.`
  }
  return unprocessable(message)
}

function checkQuota(f: Foundation, app: AppRec, proposed: Parameters<typeof quotaErrors>[2]): void {
  const errors = quotaErrors(f, app.spaceGuid, proposed)
  if (errors.length > 0) throw enhancedQuotaError(f, app, errors.join(', '))
}

/** POST /v3/deployments (deployment_create.rb). */
export function createDeployment(f: Foundation, input: DeploymentInput): DeploymentRec {
  const s = f.store
  const app = s.apps.get(input.appGuid)
  if (!app) throw unprocessable('Unable to use app. Ensure that the app exists and you have access to it.')
  if (input.revisionGuid && !app.features.revisions) throw unprocessable('Cannot create deployment from a revision for an app without revisions enabled')
  const stopped = app.state === 'STOPPED'
  const web = s.newestWebProcess(app.guid)
  const oldest = s.oldestWebProcess(app.guid)
  if (!web || !oldest) throw unprocessable('Unable to use app. Ensure that the app exists and you have access to it.')

  // B2.1: quota pre-check, only for a started app when scaling options are given.
  if (!stopped && (input.webInstances !== null || input.memoryInMb !== null || input.logRateLimitInBytesPerSecond !== null)) {
    checkQuota(f, app, [{guid: web.guid, instances: input.webInstances ?? web.instances, memoryInMb: input.memoryInMb ?? web.memoryInMb, started: true}])
  }
  const strategy = input.strategy ?? 'rolling'

  // B2.3: the droplet, from the revision, the request, or the app's current droplet.
  let rollbackTo: RevisionRec | undefined
  let droplet: DropletRec | undefined
  if (input.revisionGuid) {
    rollbackTo = s.revisions.get(input.revisionGuid)
    if (!rollbackTo) throw unprocessable('The revision does not exist')
    droplet = s.droplets.get(rollbackTo.dropletGuid)
    if (!droplet || droplet.state === 'EXPIRED') throw unprocessable('Unable to deploy this revision, the droplet for this revision no longer exists.')
  } else if (input.dropletGuid) {
    droplet = s.droplets.get(input.dropletGuid)
  } else {
    droplet = s.droplets.get(app.currentDropletGuid)
    if (!droplet) throw unprocessable('Invalid droplet. Please specify a droplet in the request or set a current droplet for the app.')
  }
  if (!droplet || droplet.appGuid !== app.guid) throw unprocessable('Unable to assign current droplet. Ensure the droplet exists and belongs to this app.')
  if (droplet.state !== 'STAGED') throw unprocessable('droplet must be in staged state')

  const previousDropletGuid = app.currentDropletGuid
  const previous = s.activeDeployment(app.guid)
  const originalCount = previous ? previous.originalWebProcessInstanceCount : oldest.instances
  const plan = strategy === 'canary' ? canaryStepPlan(input.canarySteps, originalCount, input.webInstances) : undefined
  const newInstances = Math.min(input.maxInFlight, plan ? plan[0].canary : (input.webInstances ?? originalCount))

  // B2.4/B2.5: a rollback that changes nothing is refused; check before changing the app.
  let rollbackReasons: string[] = []
  if (rollbackTo) {
    const latest = latestRevision(f, app.guid)
    const probe: AppRec = {...app, currentDropletGuid: droplet.guid, env: {...rollbackTo.env}}
    rollbackReasons = latest ? outOfDateReasons(f, probe, latest) : []
    if (latest && rollbackReasons.length === 0) {
      throw unprocessable('Unable to rollback. The code and configuration you are rolling back to is the same as the deployed revision.')
    }
  }

  // B2.8 quota (checked when the new process is set to STARTED) or B2.7 AppStart's check.
  if (stopped) {
    const instances = input.webInstances ?? web.instances
    const memoryInMb = input.memoryInMb ?? web.memoryInMb
    const others = s.processes
      .by('app', app.guid)
      .filter((p) => p.guid !== web.guid)
      .map((p) => ({guid: p.guid, instances: p.instances, memoryInMb: p.memoryInMb, started: true}))
    checkQuota(f, app, [...others, {guid: web.guid, instances, memoryInMb, started: true}])
  } else {
    checkQuota(f, app, [{guid: 'new-deployment-process', instances: newInstances, memoryInMb: input.memoryInMb ?? web.memoryInMb, started: true}])
  }

  // From here on, nothing fails: apply.
  assignDroplet(f, app, droplet)
  let revision: RevisionRec | undefined
  if (rollbackTo) {
    app.env = {...rollbackTo.env}
    // RevisionResolver.rollback_app_revision: what differs from the latest revision, then the rollback.
    revision = createRevision(f, app, [...rollbackReasons, `Rolled back to revision ${rollbackTo.version}.`].join(' '), latestRevision(f, app.guid))
  } else {
    revision = updateAppRevision(f, app)
  }

  const now = f.now()
  const d = s.deployments.insert(
    s.stamp<DeploymentRec>(
      {
        appGuid: app.guid,
        state: strategy === 'canary' ? 'PREPAUSED' : 'DEPLOYING',
        statusValue: 'ACTIVE',
        statusReason: 'DEPLOYING',
        statusUpdatedAt: now,
        lastHealthyAt: now,
        error: null,
        strategy,
        maxInFlight: input.maxInFlight,
        webInstances: input.webInstances,
        memoryInMb: input.memoryInMb,
        diskInMb: input.diskInMb,
        logRateLimitInBytesPerSecond: input.logRateLimitInBytesPerSecond,
        canarySteps: strategy === 'canary' ? input.canarySteps : null,
        canaryCurrentStep: strategy === 'canary' ? 1 : null,
        dropletGuid: droplet.guid,
        previousDropletGuid,
        revisionGuid: revision?.guid ?? null,
        revisionVersion: revision?.version ?? null,
        originalWebProcessInstanceCount: originalCount,
        deployingWebProcessGuid: null,
        newProcesses: [],
        metadata: input.metadata ?? emptyMetadata(),
      },
      now,
    ),
  )
  f.recordDeploymentEvent(d)
  f.audit('audit.app.deployment.create', {guid: app.guid, type: 'app', name: app.name}, app.spaceGuid, {
    deployment_guid: d.guid,
    droplet_guid: droplet.guid,
    type: rollbackTo ? 'rollback' : null,
    revision_guid: revision?.guid ?? null,
    strategy,
  })

  if (stopped) {
    // B2.7: no new process; options apply to the newest web process, then AppStart starts everything.
    applyOverrides(web, input)
    if (input.webInstances !== null) web.instances = input.webInstances
    assertStartFits(f, app)
    startApp(f, app, {createRevision: false})
    f.setDeploymentStatus(d, 'DEPLOYED', 'FINALIZED', 'DEPLOYED')
    return d
  }

  // B2.8: a new web process cloned from the newest one, sharing its routes (destinations name the type).
  const process = s.processes.insert(
    s.stamp<ProcessRec>(
      {
        appGuid: app.guid,
        type: 'web',
        command: revision ? (revision.processCommands.web ?? null) : web.command,
        user: web.user,
        instances: newInstances,
        memoryInMb: web.memoryInMb,
        diskInMb: web.diskInMb,
        logRateLimitInBytesPerSecond: web.logRateLimitInBytesPerSecond,
        healthCheck: {...web.healthCheck},
        readinessCheck: {...web.readinessCheck},
        state: 'STARTED',
        dropletGuid: droplet.guid,
        version: newGuid(),
        revisionGuid: revision?.guid ?? null,
        metadata: {labels: {...web.metadata.labels}, annotations: {...web.metadata.annotations}},
      },
      now,
    ),
  )
  applyOverrides(process, input)
  d.newProcesses.push({guid: process.guid, type: process.type})
  if (previous) supersede(f, previous)
  d.deployingWebProcessGuid = process.guid
  f.runtime.sync(process)
  return d
}

function applyOverrides(p: ProcessRec, input: DeploymentInput): void {
  if (input.memoryInMb !== null) p.memoryInMb = input.memoryInMb
  if (input.diskInMb !== null) p.diskInMb = input.diskInMb
  if (input.logRateLimitInBytesPerSecond !== null) p.logRateLimitInBytesPerSecond = input.logRateLimitInBytesPerSecond
}

/** Supersede (deployment_create.rb): DEPLOYED if it was DEPLOYING, else CANCELED; shown as FINALIZED/SUPERSEDED. */
function supersede(f: Foundation, previous: DeploymentRec): void {
  f.setDeploymentStatus(previous, previous.state === 'DEPLOYING' ? 'DEPLOYED' : 'CANCELED', 'FINALIZED', 'SUPERSEDED')
}

export const isCancelable = (d: DeploymentRec) => ['DEPLOYING', 'PREPAUSED', 'PAUSED', 'CANCELING'].includes(d.state)
export const isContinuable = (d: DeploymentRec) => d.state === 'PAUSED'

/** POST /v3/deployments/:guid/actions/cancel (deployment_cancel.rb): re-assign the previous droplet, CANCELING. */
export function cancelDeployment(f: Foundation, d: DeploymentRec): void {
  if (!isCancelable(d)) throw unprocessable(`Cannot cancel a deployment with status: ${d.statusValue} and reason: ${d.statusReason}`)
  const app = f.store.apps.get(d.appGuid)
  if (app && d.previousDropletGuid) assignDroplet(f, app, f.store.droplets.get(d.previousDropletGuid))
  if (app) f.audit('audit.app.deployment.cancel', {guid: app.guid, type: 'app', name: app.name}, app.spaceGuid, {deployment_guid: d.guid})
  f.setDeploymentStatus(d, 'CANCELING', 'ACTIVE', 'CANCELING')
}

/** POST /v3/deployments/:guid/actions/continue (deployment_continue.rb). */
export function continueDeployment(f: Foundation, d: DeploymentRec): void {
  if (!isContinuable(d)) throw unprocessable(`Cannot continue a deployment with status: ${d.statusValue} and reason: ${d.statusReason}`)
  const app = f.store.apps.get(d.appGuid)
  if (app) f.audit('audit.app.deployment.continue', {guid: app.guid, type: 'app', name: app.name}, app.spaceGuid, {deployment_guid: d.guid})
  if (d.canarySteps && (d.canaryCurrentStep ?? 1) < d.canarySteps.length) {
    d.canaryCurrentStep = (d.canaryCurrentStep ?? 1) + 1
    f.setDeploymentStatus(d, 'PREPAUSED', 'ACTIVE', 'DEPLOYING')
  } else {
    f.setDeploymentStatus(d, 'DEPLOYING', 'ACTIVE', 'DEPLOYING')
  }
}
