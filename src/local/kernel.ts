/**
 * What every part of the local foundation sees of it: the shared context (store, settings, faults,
 * clock, logs, tracked background work) and the runtime and staging as the narrow ports the other
 * parts call. foundation.ts implements it; index.ts wires the parts together. Modules depend on
 * this interface, never on foundation.ts, so the parts and the context that holds them form no
 * import cycle. It imports only modules that import nothing of the foundation's (types only).
 */
import type {EventEmitter} from 'node:events'
import type {Faults, RateLimiter} from './faults.js'
import type {LogCache} from './log-store.js'
import type {Instance, InstanceCountSummary, StatsEntry} from './runtime/instance.js'
import type {InstanceCountEvent} from './runtime/timeline.js'
import type {
  AppRec,
  AuditEventRec,
  BuildpackRec,
  BuildRec,
  DeploymentRec,
  DeploymentState,
  DeploymentStatusReason,
  DeploymentStatusValue,
  DropletRec,
  LifecycleRec,
  PackageRec,
  ProcessRec,
  Store,
} from './state.js'
import type {Uaa} from './uaa.js'

export interface FoundationSettings {
  apiUrl: string
  routerUrl: string
  uaaUrl: string
  sharedDomain: string
  /** Deployment updater interval. */
  tickMs: number
  /** Longest wait for in-flight requests when an instance drains (Diego's graceful-shutdown window). */
  drainTimeoutMs: number
  /** How long the router keeps sending requests to a destination after it is unmapped (route-emitter and NATS lag). */
  routeDelayMs?: number
  /** How long jobs stay PROCESSING, and package/droplet copies stay COPYING. */
  asyncMs: number
}

/** One deployment status change, with a millisecond timestamp (benchmarks measure lag from these). */
export interface DeploymentEvent {
  at: number
  deploymentGuid: string
  appGuid: string
  appName: string
  state: DeploymentState
  value: DeploymentStatusValue
  reason: DeploymentStatusReason
}

export interface RequestLogEntry {
  /** When the request arrived (epoch ms). */
  at: number
  method: string
  /** Path and query, e.g. /v3/apps?names=x. */
  path: string
  status: number
  durationMs: number
  requestId: string
  /** api: /v3 and /; uaa: token requests; admin: /_local. */
  kind: 'api' | 'uaa' | 'admin'
  /** Set when the fault injector failed the request. */
  injected?: string
}

export type LogSink = (line: string) => void

/** One entry of POST /v3/resource_matches and of a package upload's `resources`. */
export interface MatchedResource {
  checksum: {value: string}
  size_in_bytes: number
  path: string
  mode?: string
}

/** The bits kept for `local start --run-apps` (runtime/process-runner.ts), as staging copies them. */
export interface RunnerPort {
  savePackage(packageGuid: string, entries: Record<string, Uint8Array>, resources: {path: string; checksum: {value: string}; mode?: string}[]): void
  copyPackage(sourceGuid: string, guid: string): void
  copyDroplet(sourceGuid: string, guid: string): void
}

/** The runtime ("Diego", runtime/instances.ts) as the API, the updater, staging and the router call it. */
export interface RuntimePort {
  /** Set by `local start --run-apps`. */
  readonly runner?: RunnerPort
  /** Running instances per app process type over time. */
  readonly timeline: InstanceCountEvent[]
  readonly instanceCount: number
  sync(p: ProcessRec, opts?: {immediate?: boolean}): void
  removeProcess(processGuid: string): void
  restartInstance(p: ProcessRec, index: number): boolean
  crash(processGuid: string, index: number, reason?: string): boolean
  summary(p: ProcessRec): InstanceCountSummary
  hasRunningInstance(processGuid: string): boolean
  stats(p: ProcessRec): StatsEntry[]
  processInstances(p: ProcessRec): {index: number; state: string; since: number | null}[]
  lastKnown(processGuid: string): Instance[]
  routable(processGuid: string): Instance[]
  /** Whether the instance takes connections (its own server, or under --run-apps its app process). */
  listening(inst: Instance): boolean
  acquire(inst: Instance): void
  release(inst: Instance): void
}

/** Staging and the blobstore (staging.ts) as the API and the seed call it. */
export interface StagingPort {
  match(resources: MatchedResource[]): MatchedResource[]
  upload(pkg: PackageRec, zip: Buffer | undefined, resources: MatchedResource[]): void
  copyPackage(source: PackageRec, app: AppRec): PackageRec
  copyDroplet(source: DropletRec, app: AppRec): DropletRec
  createBuild(
    app: AppRec,
    pkg: PackageRec,
    lifecycle: LifecycleRec,
    limits: {memory?: number; disk?: number; logRate?: number},
    createdBy: {guid: string; name: string; email: string},
  ): BuildRec
  dropletFor(
    app: AppRec,
    pkg: PackageRec,
    lifecycle: LifecycleRec,
    versionOf?: (bp: BuildpackRec) => string,
  ): Omit<DropletRec, 'guid' | 'createdAt' | 'updatedAt' | 'seq'>
}

/** The shared context of one local foundation (see foundation.ts). */
export interface Foundation {
  readonly store: Store
  readonly bus: EventEmitter
  readonly settings: FoundationSettings
  /** Replaced as a whole when faults change (admin faults endpoint, budgets). */
  faults: Faults
  /** The seedable random source. */
  readonly random: () => number
  readonly rateLimiter: RateLimiter
  readonly deploymentEvents: DeploymentEvent[]
  readonly requestLog: RequestLogEntry[]
  /** Every app's log lines (staging, instances, router), read through log-cache's read endpoint. */
  readonly logs: LogCache
  readonly runtime: RuntimePort
  readonly staging: StagingPort
  readonly uaa: Uaa
  /** Bumped whenever routes, destinations or domains change, so the router rebuilds its table. */
  readonly routingVersion: number
  now(): number
  log(line: string): void
  /** Something persistent changed: schedule a save. */
  changed(): void
  routesChanged(): void
  /** Run `fn` after `ms`, tracked so `settle()` waits for it and `stop()` cancels it. */
  later(ms: number, fn: () => void | Promise<void>): void
  /** Track a promise (e.g. an instance listening) so `settle()` waits for it. */
  track<T>(p: Promise<T>): Promise<T>
  /** Resolve once no background work is pending, or after `timeoutMs`. */
  settle(timeoutMs?: number): Promise<void>
  /** Change a deployment's state and status, recording the change. */
  setDeploymentStatus(d: DeploymentRec, state: DeploymentState, value: DeploymentStatusValue, reason: DeploymentStatusReason): void
  recordDeploymentEvent(d: DeploymentRec): void
  /** Record an audit event; `actor` is the signed-in admin unless given (then `data` is the whole metadata). */
  audit(
    type: string,
    target: {guid: string; type: string; name: string},
    spaceGuid: string | null,
    data?: Record<string, unknown>,
    actor?: AuditEventRec['actor'],
  ): void
}
