/** The one place an OperationResult is put together (what `--json` prints and the summary shows). */
import {DeploymentStatusReason, type Deployment} from '../capi/resources/deployments.js'
import type {ProcessAvailability} from './availability.js'
import type {OperationEnv, OperationKind, OperationResult} from './types.js'

export interface ResultParts {
  /** Defaults to the operation's kind. */
  operation?: OperationResult['operation']
  strategy: OperationResult['strategy']
  app: {name: string; guid: string}
  previousApp?: OperationResult['previousApp']
  /** The droplet deployed and the one it replaced; left out when there is no droplet guid. */
  droplet?: {guid?: string | null; previous?: string}
  /** The deployment as last read: reported by guid, status, reason and canary steps. */
  deployment?: Deployment
  outcome: OperationResult['outcome']
  durationsMs: Record<string, number>
  left?: string[]
  /** Defaults to the operation's warnings. */
  warnings?: string[]
  next?: string[]
  processes?: ProcessAvailability[]
}

/** What an operation started at `startedAt` left, as reported now. */
export function operationResult(
  op: {env: Pick<OperationEnv, 'clock'>; startedAt: number; kind?: OperationKind; warnings?: string[]},
  r: ResultParts,
): OperationResult {
  const operation = r.operation ?? op.kind
  if (!operation) throw new Error('Internal error: an operation result needs the operation it reports.')
  const d = r.deployment
  const droplet = r.droplet?.guid ? {guid: r.droplet.guid, previous: r.droplet.previous} : undefined
  return {
    operation,
    strategy: r.strategy,
    app: r.app,
    ...(r.previousApp ? {previousApp: r.previousApp} : {}),
    ...(droplet ? {droplet} : {}),
    ...(d ? {deployment: {guid: d.guid, status: d.status.value, reason: d.status.reason, canarySteps: d.status.canary?.steps}} : {}),
    outcome: r.outcome,
    durationsMs: r.durationsMs,
    totalMs: op.env.clock.now() - op.startedAt,
    left: r.left ?? [],
    warnings: r.warnings ?? op.warnings ?? [],
    next: r.next ?? [],
    ...(r.processes ? {processes: r.processes} : {}),
  }
}

/** A deployment's outcome: FINALIZED is deployed, PAUSED is a canary waiting to continue, else still deploying. */
export function deploymentOutcome(d: Deployment): 'deployed' | 'paused' | 'deploying' {
  return d.status.value === 'FINALIZED' ? 'deployed' : d.status.reason === DeploymentStatusReason.PAUSED ? 'paused' : 'deploying'
}
