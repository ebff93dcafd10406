/**
 * Everything the API exposes about an app that a blue-green copy has to carry: environment,
 * lifecycle, processes (with their real commands and checks), routes and their destinations,
 * service bindings, features and metadata. Also used to compare old and new field by field.
 */
import type {CapiClient} from '../capi/client.js'
import type {App} from '../capi/resources/apps.js'
import type {Droplet} from '../capi/resources/droplets.js'
import type {Feature} from '../capi/resources/features.js'
import type {Process} from '../capi/resources/processes.js'
import type {Destination, Route} from '../capi/resources/routes.js'
import type {ServiceCredentialBinding} from '../capi/resources/service-credential-bindings.js'
import type {Sidecar} from '../capi/resources/sidecars.js'
import {CapiNotFound} from '../capi/errors.js'
import type {DeployOptions} from './types.js'

export interface RouteMapping {
  route: Route
  /** This app's destinations on the route (process type, port, protocol). */
  destinations: Destination[]
}

export interface AppSnapshot {
  app: App
  /** The app's own variables, as JSON values (Cloud Controller keeps non-strings given at create). */
  env: Record<string, unknown>
  /** Fetched one by one: lists redact commands. */
  processes: Process[]
  routes: RouteMapping[]
  bindings: ServiceCredentialBinding[]
  features: Feature[]
  /** The app's own sidecars (origin user); buildpack sidecars come back with staging. */
  sidecars: Sidecar[]
  droplet?: Droplet
}

export async function takeSnapshot(capi: CapiClient, app: App): Promise<AppSnapshot> {
  const [env, listed, routes, bindings, features, droplet, sidecars] = await Promise.all([
    capi.env.get(app.guid),
    capi.processes.forApp(app.guid),
    capi.routes.forApp(app.guid),
    capi.bindings.forApp(app.guid),
    capi.features.list(app.guid),
    capi.droplets.currentForApp(app.guid),
    capi.sidecars.forApp(app.guid).catch((e: unknown) => (e instanceof CapiNotFound ? [] : Promise.reject(e))),
  ])
  const processes = await Promise.all(listed.map((p) => capi.processes.get(p.guid)))
  return {
    app,
    env,
    processes,
    routes: routes.map((route) => ({route, destinations: route.destinations.filter((d) => d.app.guid === app.guid)})),
    bindings,
    features,
    sidecars: sidecars.filter((x) => (x.origin ?? 'user') === 'user'),
    droplet,
  }
}

/** cfzd's own bookkeeping annotations, never copied to the new app. */
export const ANNOTATION_PREFIX = 'cfzd.io/'
export const ROLE = `${ANNOTATION_PREFIX}blue-green-role`
export const PEER = `${ANNOTATION_PREFIX}blue-green-peer`
export const PHASE = `${ANNOTATION_PREFIX}blue-green-phase`

export function withoutOwnAnnotations(a: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(a)) if (!k.startsWith(ANNOTATION_PREFIX) && v !== null) out[k] = v
  return out
}

/** Memory and instances a full copy of the app's started processes takes. */
/** The processes a copy will have: the stable app's, with the web process resized where the operation asks (-i/-m/-k/-l). */
export function resized(processes: Process[], scale: DeployOptions['scale']): Process[] {
  if (!scale) return processes
  return processes.map((p) =>
    p.type !== 'web'
      ? p
      : {
          ...p,
          instances: scale.instances ?? p.instances,
          memory_in_mb: scale.memoryInMb ?? p.memory_in_mb,
          disk_in_mb: scale.diskInMb ?? p.disk_in_mb,
          log_rate_limit_in_bytes_per_second: scale.logRateLimit ?? p.log_rate_limit_in_bytes_per_second,
        },
  )
}

export function footprint(processes: Process[]): {memoryMb: number; instances: number} {
  return processes.reduce((acc, p) => ({memoryMb: acc.memoryMb + p.instances * p.memory_in_mb, instances: acc.instances + p.instances}), {
    memoryMb: 0,
    instances: 0,
  })
}

/** The command to carry: only one the user set. A command equal to the droplet's detected one is left to the droplet. */
export function specifiedCommand(p: Process, droplet: Droplet | undefined): string | undefined {
  if (!p.command) return undefined
  const detected = droplet?.process_types?.[p.type]
  return detected !== undefined && detected === p.command ? undefined : p.command
}

/**
 * The differences between two snapshots in the fields blue-green carries, as human lines
 * ("env: FOO missing"). Empty means the copy is faithful. GUIDs, names and timestamps differ by
 * nature and are ignored.
 */
export function compareSnapshots(a: AppSnapshot, b: AppSnapshot): string[] {
  const diffs: string[] = []
  const eq = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y)
  const check = (what: string, x: unknown, y: unknown) => {
    if (!eq(x, y)) diffs.push(`${what}: ${JSON.stringify(x)} != ${JSON.stringify(y)}`)
  }
  check('state', a.app.state, b.app.state)
  check('lifecycle', a.app.lifecycle, b.app.lifecycle)
  check('labels', a.app.metadata.labels, b.app.metadata.labels)
  check('annotations', withoutOwnAnnotations(a.app.metadata.annotations), withoutOwnAnnotations(b.app.metadata.annotations))
  check('env', sortKeys(a.env), sortKeys(b.env))
  check(
    'features',
    sortBy(a.features, 'name').map((f) => [f.name, f.enabled]),
    sortBy(b.features, 'name').map((f) => [f.name, f.enabled]),
  )
  const proc = (p: Process) => ({
    type: p.type,
    command: p.command,
    instances: p.instances,
    memory_in_mb: p.memory_in_mb,
    disk_in_mb: p.disk_in_mb,
    log_rate_limit_in_bytes_per_second: p.log_rate_limit_in_bytes_per_second,
    health_check: p.health_check,
    readiness_health_check: p.readiness_health_check,
  })
  check('processes', sortBy(a.processes, 'type').map(proc), sortBy(b.processes, 'type').map(proc))
  const route = (m: RouteMapping) => ({
    url: m.route.url,
    port: m.route.port ?? null,
    destinations: m.destinations.map((d) => ({process: d.app.process?.type ?? 'web', port: d.port ?? null, protocol: d.protocol ?? null})).sort(byJson),
  })
  check('routes', a.routes.map(route).sort(byJson), b.routes.map(route).sort(byJson))
  const binding = (x: ServiceCredentialBinding) => ({name: x.name, service_instance: x.relationships.service_instance.data.guid})
  check('bindings', a.bindings.map(binding).sort(byJson), b.bindings.map(binding).sort(byJson))
  const sidecar = (x: Sidecar) => ({name: x.name, command: x.command, process_types: [...x.process_types].sort(), memory_in_mb: x.memory_in_mb ?? null})
  check('sidecars', a.sidecars.map(sidecar).sort(byJson), b.sidecars.map(sidecar).sort(byJson))
  return diffs
}

function sortKeys(o: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y)))
}

function sortBy<T, K extends keyof T>(xs: T[], k: K): T[] {
  return [...xs].sort((x, y) => String(x[k]).localeCompare(String(y[k])))
}

function byJson(x: unknown, y: unknown) {
  return JSON.stringify(x).localeCompare(JSON.stringify(y))
}
