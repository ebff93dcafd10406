/**
 * The vocabulary of an operation: what is asked (options), how it runs (steps), and what it
 * leaves (result). Words follow Cloud Controller and Argo Rollouts: the stable (old) version, the
 * new version, promote/continue, abort/cancel.
 */
import type {CapiClient} from '../capi/client.js'
import type {Deployment} from '../capi/resources/deployments.js'
import type {Package} from '../capi/resources/packages.js'
import type {Process} from '../capi/resources/processes.js'
import {ExitCode} from '../errors.js'
import type {Clock} from '../clock.js'
import type {StrategyName} from './names.js'
import type {ProbeSummary} from '../probe/types.js'
import type {TickStore} from './tick-store.js'
import type {StagingStore} from './staging-store.js'
import type {CanaryCheck} from '../probe/pin.js'
import type {Ui} from '../ui/ui.js'
import type {ReadCache} from './quota.js'
import type {ProcessAvailability} from './availability.js'

/** What an operation does to the app's droplet: keep it, stage a new one, push new bits, deploy an earlier revision, or change only the size. */
export type OperationKind = 'restart' | 'restage' | 'push' | 'rollback' | 'scale'

export interface DeployOptions {
  strategy: StrategyName
  maxInFlight?: number
  instanceSteps?: number[]
  noWait: boolean
  /** Replace a deployment already in flight instead of stopping. */
  supersede: boolean
  stagingTimeoutMs: number
  /** No-progress timeout while instances start. */
  startupTimeoutMs: number
  /** Blue-green: keep the old app, stopped. */
  noDelete: boolean
  /** Blue-green: keep the old app, running (implies noDelete). */
  noStop: boolean
  venerableSuffix: string
  /** Blue-green: wait this long between mapping the new app and unmapping the old one. */
  routeSettleMs: number
  /**
   * Blue-green: after unmapping the old app's routes, wait this long before stopping it, so the
   * routers stop sending it requests and the ones it serves finish (--drain; 0 when unset).
   */
  drainMs?: number
  /** Scale values sent as deployment options (-i/-m/-k/-l with rolling or canary); blue-green gives them to the new app's web process. */
  scale?: {instances?: number; memoryInMb?: number; diskInMb?: number; logRateLimit?: number}
  /** Run before switching traffic (blue-green) or before each canary continue. */
  smokeTest?: {command: string; timeoutMs: number; env: NodeJS.ProcessEnv}
}

/**
 * Why an operation's signal was aborted, when it wasn't Ctrl-C: for example the live probe saw too
 * many failed requests. Strategies stop the same way (cancel, roll back) and report this reason.
 */
export class OperationAborted extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.FAILED,
  ) {
    super(message)
    this.name = 'OperationAborted'
  }
}

/** What a step can do with its task row: retitle it, show a line of output, mark it skipped. */
export interface TaskHandle {
  setTitle(title: string): void
  output(line: string): void
  skip(reason: string): void
}

/** One named, re-runnable step: it reads live state before acting. */
export interface Step<S> {
  id: string
  title: string | ((s: S) => string)
  enabled?: (s: S) => boolean
  /** From this step on the operation can no longer be undone (blue-green: the old app is stopped or deleted). */
  irreversible?: boolean
  run: (s: S, task: TaskHandle) => Promise<void>
}

/** What every step gets: the client, time, the interrupt signal, and somewhere to warn. */
export interface OperationEnv {
  capi: CapiClient
  clock: Clock
  signal: AbortSignal
  ui: Ui
  /** Reads shared by a run's operations (restage-all): spaces, organizations and quotas, read once. */
  reads?: ReadCache
  /** Under --probe: check the canary at each pause with requests pinned to it. */
  canaryCheck?: CanaryCheck
  /** Where deployments keep the updater's tick between runs; none when absent. */
  tickStore?: TickStore | null
  /** Where builds keep how long staging took, per app, between runs; none when absent. */
  stagingStore?: StagingStore | null
  /** restage-all reports each app by GUID: skip the closing read that only notices a rename by someone else. */
  skipRenameCheck?: boolean
  /**
   * restage-all: what a batched read already knows of an app, so its operation does not read it
   * again. Undefined (or a field left undefined): read it.
   */
  known?: (appGuid: string) => KnownReads | undefined
}

/** Reads of one app made in a batch with other apps' (restage-all). null: there is none. */
export interface KnownReads {
  /** The app's newest ACTIVE deployment. */
  active?: Deployment | null
  /** The app's newest READY package. */
  readyPackage?: Package | null
  /** The app's web process (only when it has exactly one). */
  web?: Process
  /** Every process of the app (web and the others). */
  processes?: Process[]
}

export interface OperationResult {
  operation: OperationKind | 'cancel-deployment' | 'continue-deployment'
  strategy: StrategyName | 'n/a'
  app: {name: string; guid: string}
  /** Blue-green: the app that was replaced, and what became of it. */
  previousApp?: {name: string; guid: string; state: 'deleted' | 'stopped' | 'running'}
  droplet?: {guid: string; previous?: string}
  /** reason is null and canarySteps.current is null on deployments older than those fields. */
  deployment?: {guid: string; status: string; reason: string | null; canarySteps?: {current: number | null; total: number}}
  outcome: 'deployed' | 'paused' | 'deploying' | 'started' | 'canceled' | 'staged' | 'scaled'
  durationsMs: Record<string, number>
  totalMs: number
  /** What is left on the foundation that the user may need to know about. */
  left: string[]
  warnings: string[]
  /** Commands to run next (for example after a canary pauses). */
  next: string[]
  /** What the live probe saw (--probe). */
  probe?: ProbeSummary
  /** Per process type, how long it had no running instance after the deployment finalized or the old app stopped. */
  processes?: ProcessAvailability[]
}
