/**
 * The push plan, pure: which apps, with what configuration, pushed how.
 *
 *   manifest apps + flags ──selectApps/applyOverrides──▶ one manifest entry per app
 *   entry + live app ──planApp──▶ create (first push) | deploy (the strategy) | upload (--no-start)
 *
 * With rolling or canary on a running app, the web process's scale (instances, memory, disk, log
 * rate: from flags or the manifest) leaves the applied manifest and goes as deployment options,
 * as cf CLI 8.15 does: applying it would scale the old version now, and Cloud Controller refuses
 * to scale while a deployment is in flight.
 */
import type {App} from '../capi/resources/apps.js'
import type {DeployOptions} from '../strategies/types.js'
import type {Bits} from './bits.js'
import type {ManifestApp, ManifestProcess} from './manifest.js'
import {logRateBytes, megabytes} from './sizes.js'

/** Command-line values that override the manifest (one app only). */
export interface PushOverrides {
  /** The APP argument: renames the app of a single-app manifest. */
  name?: string
  path?: string
  buildpacks?: string[]
  stack?: string
  instances?: number
  memory?: string
  disk?: string
  /** -l: the web process's log rate limit, as the manifest writes it (16K, -1). */
  logRate?: string
}

export function hasAppOverrides(o: PushOverrides): boolean {
  return (
    o.path !== undefined ||
    o.buildpacks !== undefined ||
    o.stack !== undefined ||
    o.instances !== undefined ||
    o.memory !== undefined ||
    o.disk !== undefined ||
    o.logRate !== undefined
  )
}

/** One app, ready to push: its manifest entry (flags applied, no path) and its bits. */
export interface PreparedApp {
  name: string
  manifest: ManifestApp
  /** Bits to upload; absent for a docker image. */
  bits?: Bits
  docker?: {image: string; username?: string; password?: string}
  /** Where the app was defined, for messages ("manifest.yml:3", or "command line"). */
  origin: string
}

export type PushMode = 'create' | 'deploy' | 'upload'

export interface AppPlan {
  app: PreparedApp
  /** create: a first push (create, stage, start); deploy: the strategy; upload: --no-start. */
  mode: PushMode
  /** The app exists already (a create may still happen for an app that never got a droplet). */
  existing: boolean
  opts: DeployOptions
  /** The manifest entry apply_manifest gets. */
  apply: ManifestApp
  /** Blue-green: the process settings, applied again once the new app's processes are copied from the old one. */
  processes?: ManifestApp
}

/** Manifest values are plain JSON data (parsed YAML); a JSON copy keeps them plain objects. */
function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T
}

const SCALE_KEYS = ['instances', 'memory', 'disk_quota', 'log-rate-limit-per-second'] as const
const PROCESS_KEYS = [
  'command',
  ...SCALE_KEYS,
  'health-check-type',
  'health-check-http-endpoint',
  'health-check-invocation-timeout',
  'health-check-interval',
  'readiness-health-check-type',
  'readiness-health-check-http-endpoint',
  'readiness-health-check-invocation-timeout',
  'readiness-health-check-interval',
  'timeout',
  'user',
] as const

/** Apply -b/-s/-i/-m/-k/-l and the app name to one manifest entry (cf: scale flags go to the web process entry if there is one). */
export function applyOverrides(app: ManifestApp, o: PushOverrides): ManifestApp {
  const out: ManifestApp = clone(app)
  if (o.name) out.name = o.name
  if (o.buildpacks) {
    delete out.buildpack
    out.buildpacks = o.buildpacks.length === 1 && /^(default|null)$/.test(o.buildpacks[0]) ? [] : o.buildpacks
  }
  if (o.stack) out.stack = o.stack
  const scale: Partial<ManifestApp> = {}
  if (o.instances !== undefined) scale.instances = o.instances
  if (o.memory !== undefined) scale.memory = o.memory
  if (o.disk !== undefined) scale.disk_quota = o.disk
  if (o.logRate !== undefined) scale['log-rate-limit-per-second'] = o.logRate
  if (Object.keys(scale).length) {
    const web = out.processes?.find((p) => p.type === 'web')
    Object.assign(web ?? out, scale)
  }
  return out
}

/**
 * What apply_manifest gets for an app, before any strategy decision: no `path` (local only), a
 * single `buildpack` as `buildpacks`, env and label values as strings, and `default-route: true`
 * unless the app says how it is routed (as the cf CLI does).
 */
export function normalizeEntry(app: ManifestApp): ManifestApp {
  const out: ManifestApp = clone(app)
  delete out.path
  if (out.buildpack !== undefined) {
    out.buildpacks = out.buildpack === null || /^(default|null)$/.test(out.buildpack) ? [] : [out.buildpack]
    delete out.buildpack
  }
  if (out.env) out.env = stringValues(out.env)
  if (out.metadata?.labels) out.metadata.labels = stringValues(out.metadata.labels)
  if (out.metadata?.annotations) out.metadata.annotations = stringValues(out.metadata.annotations)
  if (!out.docker && out['no-route'] === undefined && out['random-route'] === undefined && out['default-route'] === undefined && !out.routes?.length) {
    out['default-route'] = true
  }
  return out
}

function stringValues(o: Record<string, string | number | boolean | null>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null || typeof v === 'string' ? v : String(v)]))
}

/** The web process's scale, taken out of the entry: the web process entry wins over app-level values. */
export function splitWebScale(app: ManifestApp): {entry: ManifestApp; scale: NonNullable<DeployOptions['scale']>} {
  const entry: ManifestApp = clone(app)
  const web = entry.processes?.find((p) => p.type === 'web')
  const pick = <K extends (typeof SCALE_KEYS)[number]>(k: K): ManifestApp[K] | undefined => {
    const v = (web?.[k] ?? entry[k]) as ManifestApp[K] | undefined
    if (web) delete web[k]
    delete entry[k]
    return v
  }
  const instances = pick('instances')
  const memory = pick('memory')
  const disk = pick('disk_quota')
  const logRate = pick('log-rate-limit-per-second')
  const scale: NonNullable<DeployOptions['scale']> = {}
  if (instances !== undefined) scale.instances = instances
  if (memory !== undefined) scale.memoryInMb = megabytes(memory, 'memory')
  if (disk !== undefined) scale.diskInMb = megabytes(disk, 'disk_quota')
  if (logRate !== undefined) scale.logRateLimit = logRateBytes(logRate)
  if (web && Object.keys(web).length === 1) entry.processes = entry.processes!.filter((p) => p !== web)
  if (entry.processes?.length === 0) delete entry.processes
  return {entry, scale}
}

/** Only what configures processes: the app-level process keys and the processes list. */
export function processPart(app: ManifestApp): ManifestApp | undefined {
  const out: Record<string, unknown> = {name: app.name}
  for (const k of PROCESS_KEYS) if (app[k] !== undefined) out[k] = app[k]
  if (app.processes?.length) out.processes = app.processes.map((p: ManifestProcess) => clone(p))
  if (app.sidecars?.length) out.sidecars = clone(app.sidecars)
  return Object.keys(out).length > 1 ? (out as ManifestApp) : undefined
}

/** Decide how one app is pushed, given whether it exists and how it runs. Pure. */
export function planApp(app: PreparedApp, live: Pick<App, 'state'> | undefined, base: DeployOptions, noStart: boolean, existing = live !== undefined): AppPlan {
  const entry = normalizeEntry(app.manifest)
  if (noStart) return {app, mode: 'upload', existing, opts: base, apply: entry}
  if (!live) return {app, mode: 'create', existing, opts: base, apply: entry}
  if (base.strategy === 'blue-green') return {app, mode: 'deploy', existing, opts: base, apply: entry, processes: processPart(entry)}
  if (live.state !== 'STARTED') {
    // No deployment for a stopped app (it stays stopped with the new droplet): scale is applied as configuration.
    return {app, mode: 'deploy', existing, opts: base, apply: entry}
  }
  const {entry: apply, scale} = splitWebScale(entry)
  return {app, mode: 'deploy', existing, opts: Object.keys(scale).length ? {...base, scale} : base, apply}
}

/**
 * The entry applied to a blue-green new app: when the old app has routes (the switch carries
 * them), `default-route` and `random-route` would give the new app an extra route, so they go.
 */
export function entryForNewApp(apply: ManifestApp, oldAppHasRoutes: boolean): ManifestApp {
  if (!oldAppHasRoutes) return apply
  const out = clone(apply)
  delete out['default-route']
  delete out['random-route']
  return out
}
