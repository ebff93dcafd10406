/**
 * The local foundation's model: plain records in tables keyed by GUID, with secondary indexes on
 * the (immutable) owner keys, so every lookup the API and the updater make is O(1) or O(owned
 * rows), never a scan per row. 10,000 apps with their processes, packages, droplets and routes
 * list in one pass.
 *
 * Records are camelCase and carry only what the presenters need; the snake_case shapes live in
 * api/presenters.ts. Times are epoch milliseconds (CAPI shows whole seconds). `seq` is a global
 * creation counter: it orders rows like Cloud Controller's internal ids.
 */

export interface Metadata {
  labels: Record<string, string>
  annotations: Record<string, string>
}

export interface Base {
  guid: string
  createdAt: number
  updatedAt: number
  seq: number
}

export interface AppLimits {
  totalMemoryInMb: number | null
  perProcessMemoryInMb: number | null
  totalInstances: number | null
  logRateLimitInBytesPerSecond: number | null
  perAppTasks: number | null
  totalRoutes: number | null
  totalServiceInstances: number | null
}

export interface OrgQuotaRec extends Base, AppLimits {
  name: string
}

export interface SpaceQuotaRec extends Base, AppLimits {
  name: string
  orgGuid: string
}

export interface OrgRec extends Base {
  name: string
  quotaGuid: string | null
  suspended: boolean
  metadata: Metadata
}

export interface SpaceRec extends Base {
  name: string
  orgGuid: string
  quotaGuid: string | null
  allowSsh: boolean
  metadata: Metadata
}

export interface StackRec extends Base {
  name: string
  description: string
  state: string
  isDefault: boolean
  metadata: Metadata
}

export interface BuildpackRec extends Base {
  name: string
  /** The version a droplet staged with this buildpack records. Bumped by a release. */
  version: string
  stack: string | null
  position: number
  enabled: boolean
  locked: boolean
  metadata: Metadata
}

export interface DomainRec extends Base {
  name: string
  internal: boolean
  /** null: shared by all orgs. */
  orgGuid: string | null
  metadata: Metadata
}

export type LifecycleType = 'buildpack' | 'docker' | 'cnb'

export interface LifecycleRec {
  type: LifecycleType
  buildpacks: string[]
  stack: string | null
}

export interface AppFeatures {
  ssh: boolean
  revisions: boolean
  'service-binding-k8s': boolean
  'file-based-vcap-services': boolean
}

export interface AppRec extends Base {
  name: string
  spaceGuid: string
  state: 'STARTED' | 'STOPPED'
  lifecycle: LifecycleRec
  currentDropletGuid: string | null
  /**
   * environment_variables: any JSON values when set by POST /v3/apps (app_create_message.rb only
   * asks for an object), strings when set by PATCH environment_variables or a manifest; null for
   * an app created without any (GET /env shows that null).
   */
  env: Record<string, unknown> | null
  features: AppFeatures
  metadata: Metadata
}

export interface HealthCheckRec {
  type: string
  timeout: number | null
  invocationTimeout: number | null
  interval: number | null
  endpoint: string | null
}

export interface ProcessRec extends Base {
  appGuid: string
  type: string
  /** The user's command; null means the droplet's detected command. */
  command: string | null
  user: string
  instances: number
  memoryInMb: number
  diskInMb: number
  logRateLimitInBytesPerSecond: number
  healthCheck: HealthCheckRec
  readinessCheck: HealthCheckRec
  /** Desired state of the process itself (interim deployment processes are STARTED on their own). */
  state: 'STARTED' | 'STOPPED'
  /** The droplet the runtime runs for this process; set when the process is (re)started. */
  dropletGuid: string | null
  /** Changes whenever the runtime must recreate every instance (start, restart). */
  version: string
  revisionGuid: string | null
  metadata: Metadata
}

export interface PackageRec extends Base {
  appGuid: string
  type: 'bits' | 'docker'
  state: string
  checksum: string | null
  error: string | null
  image: string | null
  username: string | null
  password: string | null
  /** Paths of the files in the uploaded bits, used to detect a buildpack. */
  files: string[]
  metadata: Metadata
}

export interface DropletBuildpackRec {
  name: string
  buildpack_name: string | null
  version: string | null
  detect_output: string | null
}

export interface DropletRec extends Base {
  appGuid: string
  packageGuid: string | null
  state: string
  error: string | null
  lifecycleType: LifecycleType
  buildpacks: DropletBuildpackRec[] | null
  stack: string | null
  image: string | null
  processTypes: Record<string, string> | null
  executionMetadata: string
  checksum: string | null
  metadata: Metadata
}

export interface BuildRec extends Base {
  appGuid: string
  packageGuid: string
  state: 'STAGING' | 'STAGED' | 'FAILED'
  error: string | null
  lifecycle: LifecycleRec
  dropletGuid: string | null
  stagingMemoryInMb: number
  stagingDiskInMb: number
  stagingLogRateLimit: number
  createdBy: {guid: string; name: string; email: string}
  metadata: Metadata
}

export type DeploymentState = 'DEPLOYING' | 'PREPAUSED' | 'PAUSED' | 'DEPLOYED' | 'CANCELING' | 'CANCELED'
export type DeploymentStatusValue = 'ACTIVE' | 'FINALIZED'
export type DeploymentStatusReason = 'DEPLOYING' | 'PAUSED' | 'DEPLOYED' | 'CANCELED' | 'CANCELING' | 'SUPERSEDED'

export interface DeploymentRec extends Base {
  appGuid: string
  state: DeploymentState
  statusValue: DeploymentStatusValue
  statusReason: DeploymentStatusReason
  statusUpdatedAt: number
  lastHealthyAt: number
  error: string | null
  strategy: 'rolling' | 'canary'
  maxInFlight: number
  webInstances: number | null
  memoryInMb: number | null
  diskInMb: number | null
  logRateLimitInBytesPerSecond: number | null
  canarySteps: {instance_weight: number}[] | null
  canaryCurrentStep: number | null
  dropletGuid: string | null
  previousDropletGuid: string | null
  revisionGuid: string | null
  revisionVersion: number | null
  originalWebProcessInstanceCount: number
  deployingWebProcessGuid: string | null
  newProcesses: {guid: string; type: string}[]
  metadata: Metadata
}

export interface RevisionRec extends Base {
  appGuid: string
  version: number
  dropletGuid: string | null
  processCommands: Record<string, string | null>
  env: Record<string, unknown>
  description: string
  /** The app's sidecars when the revision was made (revision_create.rb); absent in older state files. */
  sidecars?: {name: string; command: string; memoryInMb: number | null; processTypes: string[]}[]
  metadata: Metadata
}

/** A sidecar (sidecar_model.rb): the app's own (origin user) or one a buildpack declared. */
export interface SidecarRec extends Base {
  appGuid: string
  name: string
  command: string
  processTypes: string[]
  memoryInMb: number | null
  origin: 'user' | 'buildpack'
}

export interface DestinationRec {
  guid: string
  appGuid: string
  processType: string
  port: number
  protocol: string
  weight: number | null
  createdAt: number
  updatedAt: number
}

export interface RouteRec extends Base {
  spaceGuid: string
  domainGuid: string
  host: string
  path: string
  port: number | null
  protocol: 'http' | 'tcp'
  options: Record<string, unknown>
  destinations: DestinationRec[]
  metadata: Metadata
}

export interface ServiceInstanceRec extends Base {
  name: string
  spaceGuid: string
  type: 'user-provided' | 'managed'
  credentials: Record<string, unknown>
  syslogDrainUrl: string | null
  routeServiceUrl: string | null
  tags: string[]
  offering: string | null
  plan: string | null
  metadata: Metadata
}

export interface BindingRec extends Base {
  name: string | null
  type: 'app' | 'key'
  appGuid: string | null
  serviceInstanceGuid: string
  parameters: Record<string, unknown>
  credentials: Record<string, unknown>
  lastOperation: {
    type: 'create' | 'delete'
    state: 'initial' | 'in progress' | 'succeeded' | 'failed'
    description: string | null
    createdAt: number
    updatedAt: number
  }
  metadata: Metadata
}

export interface JobRec extends Base {
  operation: string
  state: 'PROCESSING' | 'COMPLETE' | 'FAILED'
  errors: {code: number; title: string; detail: string}[]
  warnings: {detail: string}[]
  /** The target, linked while the job runs, e.g. {name: 'app', path: '/v3/apps/<guid>'}. */
  resource: {name: string; path: string} | null
}

export interface AuditEventRec extends Base {
  type: string
  actor: {guid: string; type: string; name: string}
  target: {guid: string; type: string; name: string}
  data: Record<string, unknown>
  spaceGuid: string | null
  orgGuid: string | null
}

import {newGuid} from './util.js'

type KeyFn<T> = (row: T) => string | null | undefined

/** Rows by GUID in creation order, plus multi-valued indexes on immutable keys. */
export class Table<T extends Base> {
  private readonly rows = new Map<string, T>()
  private readonly indexes = new Map<string, {key: KeyFn<T>; map: Map<string, Map<string, T>>}>()

  constructor(
    readonly name: string,
    indexes: Record<string, KeyFn<T>> = {},
  ) {
    for (const [n, key] of Object.entries(indexes)) this.indexes.set(n, {key, map: new Map()})
  }

  get size(): number {
    return this.rows.size
  }

  get(guid: string | null | undefined): T | undefined {
    return guid ? this.rows.get(guid) : undefined
  }

  all(): T[] {
    return [...this.rows.values()]
  }

  /** Rows whose index key equals `key`, in creation order. */
  by(index: string, key: string | null | undefined): T[] {
    const bucket = this.bucket(index, key)
    return bucket ? [...bucket.values()] : []
  }

  /** Whether any row with this index key matches, without copying the bucket. */
  someBy(index: string, key: string | null | undefined, pred: (row: T) => boolean): boolean {
    const bucket = this.bucket(index, key)
    if (!bucket) return false
    for (const row of bucket.values()) if (pred(row)) return true
    return false
  }

  private bucket(index: string, key: string | null | undefined): Map<string, T> | undefined {
    if (!key) return undefined
    const ix = this.indexes.get(index)
    if (!ix) throw new Error(`no index ${index} on ${this.name}`)
    return ix.map.get(key)
  }

  insert(row: T): T {
    this.rows.set(row.guid, row)
    for (const ix of this.indexes.values()) {
      const k = ix.key(row)
      if (!k) continue
      let bucket = ix.map.get(k)
      if (!bucket) ix.map.set(k, (bucket = new Map()))
      bucket.set(row.guid, row)
    }
    return row
  }

  delete(guid: string): T | undefined {
    const row = this.rows.get(guid)
    if (!row) return undefined
    this.rows.delete(guid)
    for (const ix of this.indexes.values()) {
      const k = ix.key(row)
      if (!k) continue
      const bucket = ix.map.get(k)
      bucket?.delete(guid)
      if (bucket && bucket.size === 0) ix.map.delete(k)
    }
    return row
  }

  clear(): void {
    this.rows.clear()
    for (const ix of this.indexes.values()) ix.map.clear()
  }
}

export const emptyMetadata = (): Metadata => ({labels: {}, annotations: {}})

/**
 * The environment an instance sees (NormalEnvHashToDiegoEnvArrayPhilosopher): arrays and objects
 * as JSON, everything else as Ruby's to_s (null becomes "").
 */
export function instanceEnv(env: Record<string, unknown> | null): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env ?? {}))
    out[k] = v !== null && typeof v === 'object' ? JSON.stringify(v) : v === null || v === undefined ? '' : String(v)
  return out
}

/** Everything the Cloud Controller persists. The runtime (instances) is not part of it. */
export class Store {
  seq = 0
  readonly orgQuotas = new Table<OrgQuotaRec>('organization_quotas')
  readonly spaceQuotas = new Table<SpaceQuotaRec>('space_quotas', {org: (q) => q.orgGuid})
  readonly orgs = new Table<OrgRec>('organizations')
  readonly spaces = new Table<SpaceRec>('spaces', {org: (s) => s.orgGuid})
  readonly stacks = new Table<StackRec>('stacks')
  readonly buildpacks = new Table<BuildpackRec>('buildpacks')
  readonly domains = new Table<DomainRec>('domains')
  readonly apps = new Table<AppRec>('apps', {space: (a) => a.spaceGuid})
  readonly processes = new Table<ProcessRec>('processes', {app: (p) => p.appGuid})
  readonly packages = new Table<PackageRec>('packages', {app: (p) => p.appGuid})
  readonly builds = new Table<BuildRec>('builds', {app: (b) => b.appGuid})
  readonly droplets = new Table<DropletRec>('droplets', {app: (d) => d.appGuid, package: (d) => d.packageGuid})
  readonly deployments = new Table<DeploymentRec>('deployments', {app: (d) => d.appGuid})
  readonly revisions = new Table<RevisionRec>('revisions', {app: (r) => r.appGuid})
  readonly sidecars = new Table<SidecarRec>('sidecars', {app: (x) => x.appGuid})
  readonly routes = new Table<RouteRec>('routes', {space: (r) => r.spaceGuid, domain: (r) => r.domainGuid})
  readonly serviceInstances = new Table<ServiceInstanceRec>('service_instances', {space: (s) => s.spaceGuid})
  readonly bindings = new Table<BindingRec>('service_credential_bindings', {app: (b) => b.appGuid, instance: (b) => b.serviceInstanceGuid})
  readonly jobs = new Table<JobRec>('jobs')
  readonly auditEvents = new Table<AuditEventRec>('audit_events')

  /** Every table, by name, for persistence. */
  tables(): Table<Base>[] {
    return [
      this.orgQuotas,
      this.spaceQuotas,
      this.orgs,
      this.spaces,
      this.stacks,
      this.buildpacks,
      this.domains,
      this.apps,
      this.processes,
      this.packages,
      this.builds,
      this.droplets,
      this.deployments,
      this.revisions,
      this.sidecars,
      this.routes,
      this.serviceInstances,
      this.bindings,
      this.jobs,
      this.auditEvents,
    ] as unknown as Table<Base>[]
  }

  /** Fill in guid, timestamps and seq of a new row (in place: callers pass a fresh object). */
  stamp<T extends Base>(row: Omit<T, keyof Base> & Partial<Base>, now: number): T {
    const r = row as Partial<Base>
    r.guid ??= newGuid()
    r.createdAt ??= now
    r.updatedAt ??= r.createdAt
    r.seq = ++this.seq
    return row as T
  }

  // Lookups used everywhere.

  spaceOf(app: {spaceGuid: string}): SpaceRec | undefined {
    return this.spaces.get(app.spaceGuid)
  }

  orgOfSpace(space: SpaceRec | undefined): OrgRec | undefined {
    return space ? this.orgs.get(space.orgGuid) : undefined
  }

  /** The app's web processes, oldest first (Cloud Controller orders them by created_at, id). */
  webProcesses(appGuid: string): ProcessRec[] {
    return this.processes
      .by('app', appGuid)
      .filter((p) => p.type === 'web')
      .sort((a, b) => a.seq - b.seq)
  }

  oldestWebProcess(appGuid: string): ProcessRec | undefined {
    return this.webProcesses(appGuid)[0]
  }

  newestWebProcess(appGuid: string): ProcessRec | undefined {
    const webs = this.webProcesses(appGuid)
    return webs[webs.length - 1]
  }

  /** The process of this type; for web, the newest one (process_fetcher.rb). */
  processOfType(appGuid: string, type: string): ProcessRec | undefined {
    const all = this.processes.by('app', appGuid).filter((p) => p.type === type)
    return all.sort((a, b) => a.seq - b.seq)[all.length - 1]
  }

  /** Deployments in DEPLOYING, PREPAUSED or PAUSED: `app.deploying?` in Cloud Controller. */
  isDeploying(appGuid: string): boolean {
    return this.deployments.by('app', appGuid).some((d) => d.state === 'DEPLOYING' || d.state === 'PREPAUSED' || d.state === 'PAUSED')
  }

  activeDeployment(appGuid: string): DeploymentRec | undefined {
    return this.deployments.by('app', appGuid).find((d) => d.statusValue === 'ACTIVE')
  }
}
