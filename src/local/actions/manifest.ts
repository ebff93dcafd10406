/**
 * App manifests: apply (POST /v3/spaces/:guid/actions/apply_manifest), generate
 * (GET /v3/apps/:guid/manifest) and diff (POST /v3/spaces/:guid/manifest_diff).
 *
 * Applying only adds or changes what is listed; nothing is removed (except routes with
 * `no-route: true`). Scaling the web process while a deployment is in flight fails the job with
 * "Cannot scale this process while a deployment is in flight.", as in Cloud Controller.
 */
import {dump} from 'js-yaml'
import {ApiError, unprocessable} from '../api/errors.js'
import type {Foundation} from '../foundation.js'
import type {AppRec, ProcessRec, SpaceRec} from '../state.js'
import {parseBytes, parseMegabytes} from '../util.js'
import {createApp, resolveLifecycle} from './apps.js'
import {createProcess, healthCheck, scaleProcess, updateProcess} from './processes.js'
import {createRoute, insertDestinations, parseRouteUrl, type RouteInput} from './routes.js'
import {createBinding} from './services.js'

type Obj = Record<string, unknown>

const APP_KEYS = ['name', 'lifecycle', 'buildpack', 'buildpacks', 'docker', 'env', 'features', 'no-route', 'random-route', 'default-route', 'routes', 'services', 'sidecars', 'stack', 'metadata', 'processes', 'path', 'instances', 'memory', 'disk_quota', 'disk-quota', 'command', 'health-check-type', 'health-check-http-endpoint', 'health-check-invocation-timeout', 'health-check-interval', 'timeout', 'log-rate-limit-per-second', 'readiness-health-check-type', 'readiness-health-check-http-endpoint', 'readiness-health-check-invocation-timeout', 'readiness-health-check-interval', 'user', 'log-rate-limit', 'no-hostname', 'hosts', 'host', 'domains', 'domain', 'routing']
const PROCESS_SCALE_KEYS = ['instances', 'memory', 'disk_quota', 'disk-quota', 'log-rate-limit-per-second']

/** Validate the document; 422 with one entry per problem ("For application 'x': ..."). */
export function validateManifest(f: Foundation, doc: unknown): Obj[] {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw unprocessable('Manifest must be a YAML mapping with an applications list')
  const m = doc as Obj
  if (m.version !== undefined && m.version !== 1) throw unprocessable('Unsupported manifest schema version. Currently supported versions: [1].')
  if (!Array.isArray(m.applications)) throw unprocessable("Cannot parse manifest with no 'applications' field.")
  const errors: string[] = []
  m.applications.forEach((a: unknown, i: number) => {
    if (!a || typeof a !== 'object') return errors.push(`For application at index ${i}: must be a mapping`)
    const app = a as Obj
    const who = typeof app.name === 'string' && app.name ? `For application '${app.name}'` : `For application at index ${i}`
    if (typeof app.name !== 'string' || !app.name) errors.push(`${who}: Name must not be empty`)
    for (const [key, value] of Object.entries(app)) {
      if (['memory', 'disk_quota', 'disk-quota'].includes(key)) checkSize(value, key, who, errors)
      if (key === 'instances' && !(Number.isInteger(value) && (value as number) >= 0)) errors.push(`${who}: Instances must be greater than or equal to 0`)
    }
    if (app.buildpacks !== undefined && app.docker !== undefined) errors.push(`${who}: Cannot use the docker key together with buildpacks`)
    const bps = (app.buildpacks ?? (app.buildpack ? [app.buildpack] : [])) as unknown[]
    for (const bp of bps) {
      if (typeof bp !== 'string') errors.push(`${who}: Buildpacks must be a list of strings`)
      else if (!/^(https?|git|ssh):\/\//.test(bp) && bp !== 'null' && bp !== 'default' && !f.store.buildpacks.all().some((b) => b.name === bp)) {
        errors.push(`${who}: Buildpack "${bp}" must be an existing admin buildpack or a valid git URI`)
      }
    }
    if (typeof app.stack === 'string' && !f.store.stacks.all().some((s) => s.name === app.stack)) errors.push(`${who}: Stack "${app.stack}" must be an existing stack`)
    if (app.processes !== undefined) {
      if (!Array.isArray(app.processes)) errors.push(`${who}: Processes must be an array of process configurations`)
      else
        for (const p of app.processes as Obj[]) {
          if (!p || typeof p.type !== 'string' || !p.type) errors.push(`${who}: Type must not be empty`)
          for (const key of ['memory', 'disk_quota', 'disk-quota']) if (p?.[key] !== undefined) checkSize(p[key], key, who, errors)
          if (p?.instances !== undefined && !(Number.isInteger(p.instances) && (p.instances as number) >= 0)) errors.push(`${who}: Instances must be greater than or equal to 0`)
        }
    }
    if (app.routes !== undefined && (!Array.isArray(app.routes) || (app.routes as unknown[]).some((r) => !r || typeof (r as Obj).route !== 'string'))) {
      errors.push(`${who}: Routes must be a list of route objects`)
    }
  })
  if (errors.length > 0) throw new ApiError(422, errors.map((detail) => ({code: 10008, title: 'CF-UnprocessableEntity', detail})))
  return m.applications as Obj[]
}

function checkSize(value: unknown, key: string, who: string, errors: string[]): void {
  try {
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error()
    parseMegabytes(value as string | number)
  } catch {
    errors.push(`${who}: Process "${key}" must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB`)
  }
}

/** Create the apps that do not exist yet (done before the job is queued, as in CC). */
export function createMissingApps(f: Foundation, space: SpaceRec, apps: Obj[]): void {
  for (const a of apps) {
    if (findApp(f, space, a.name as string)) continue
    createApp(f, {
      name: a.name as string,
      spaceGuid: space.guid,
      lifecycle: a.docker ? {type: 'docker'} : undefined,
    })
  }
}

function findApp(f: Foundation, space: SpaceRec, name: string): AppRec | undefined {
  return f.store.apps.by('space', space.guid).find((a) => a.name.toLowerCase() === name.toLowerCase())
}

/** The job's work: apply each app's settings. */
export function applyManifest(f: Foundation, space: SpaceRec, apps: Obj[]): void {
  for (const a of apps) {
    const app = findApp(f, space, a.name as string)
    if (!app) continue
    try {
      applyApp(f, space, app, a)
    } catch (error) {
      if (error instanceof ApiError) throw unprocessable(`For application '${app.name}': ${error.errors.map((e) => e.detail).join(', ')}`)
      throw error
    }
  }
}

function applyApp(f: Foundation, space: SpaceRec, app: AppRec, a: Obj): void {
  // Lifecycle.
  if (!a.docker && (a.buildpacks !== undefined || a.buildpack !== undefined || a.stack !== undefined)) {
    const raw = (a.buildpacks ?? (a.buildpack !== undefined ? [a.buildpack] : undefined)) as string[] | undefined
    const buildpacks = raw?.filter((b) => b !== 'null' && b !== 'default' && b !== null)
    app.lifecycle = resolveLifecycle(f, {data: {buildpacks, stack: a.stack as string | undefined}}, app.lifecycle)
  }
  if (a.env && typeof a.env === 'object') for (const [k, v] of Object.entries(a.env as Obj)) app.env[k] = typeof v === 'string' ? v : JSON.stringify(v)
  if (a.features && typeof a.features === 'object') for (const [k, v] of Object.entries(a.features as Obj)) if (k in app.features) (app.features as unknown as Obj)[k] = Boolean(v)
  const md = a.metadata as {labels?: Obj; annotations?: Obj} | undefined
  if (md?.labels) for (const [k, v] of Object.entries(md.labels)) app.metadata.labels[k] = String(v)
  if (md?.annotations) for (const [k, v] of Object.entries(md.annotations)) app.metadata.annotations[k] = String(v)
  app.updatedAt = f.now()

  // Processes: top-level keys configure web; `processes` lists others.
  const configs: Obj[] = Array.isArray(a.processes) ? [...(a.processes as Obj[])] : []
  const topLevel = Object.fromEntries(Object.entries(a).filter(([k]) => !['name', 'processes', 'routes', 'services', 'env', 'features', 'metadata', 'buildpacks', 'buildpack', 'stack', 'docker', 'sidecars', 'lifecycle'].includes(k) && APP_KEYS.includes(k)))
  const webCfg = configs.find((p) => p.type === 'web')
  if (Object.keys(topLevel).length > 0) {
    if (webCfg) Object.assign(webCfg, {...topLevel, ...webCfg})
    else configs.push({type: 'web', ...topLevel})
  }
  for (const cfg of configs) applyProcess(f, app, cfg)

  // Routes.
  if (a['no-route'] === true) {
    for (const r of f.store.routes.all()) {
      if (r.destinations.some((d) => d.appGuid === app.guid)) {
        r.destinations = r.destinations.filter((d) => d.appGuid !== app.guid)
        f.routesChanged()
      }
    }
  } else {
    const routes = (a.routes as {route: string; protocol?: string}[] | undefined) ?? []
    const hasRoutes = f.store.routes.by('space', space.guid).some((r) => r.destinations.some((d) => d.appGuid === app.guid))
    if (routes.length === 0 && (a['random-route'] === true || a['default-route'] === true) && !hasRoutes) {
      const host = a['random-route'] === true ? `${app.name}-${Math.floor(f.random() * 1e6).toString(36)}` : app.name
      routes.push({route: `${host.toLowerCase()}.${f.settings.sharedDomain}`})
    }
    for (const r of routes) mapRoute(f, space, app, r.route, r.protocol)
  }

  // Services.
  for (const svc of (a.services as (string | {name: string; binding_name?: string; parameters?: Obj})[] | undefined) ?? []) {
    const spec = typeof svc === 'string' ? {name: svc} : svc
    const si = f.store.serviceInstances.by('space', space.guid).find((x) => x.name === spec.name)
    if (!si) throw unprocessable(`Service instance '${spec.name}' not found`)
    if (f.store.bindings.by('instance', si.guid).some((b) => b.appGuid === app.guid)) continue
    const binding = createBinding(f, {type: 'app', name: spec.binding_name, appGuid: app.guid, serviceInstanceGuid: si.guid, parameters: spec.parameters})
    binding.lastOperation.state = 'succeeded'
  }
}

function applyProcess(f: Foundation, app: AppRec, cfg: Obj): void {
  const type = String(cfg.type)
  const p: ProcessRec = f.store.processOfType(app.guid, type) ?? createProcess(f, app, type)
  if (PROCESS_SCALE_KEYS.some((k) => cfg[k] !== undefined)) {
    const disk = cfg.disk_quota ?? cfg['disk-quota']
    scaleProcess(f, p, {
      instances: cfg.instances as number | undefined,
      memoryInMb: cfg.memory !== undefined ? parseMegabytes(cfg.memory as string) : undefined,
      diskInMb: disk !== undefined ? parseMegabytes(disk as string) : undefined,
      logRateLimitInBytesPerSecond: cfg['log-rate-limit-per-second'] !== undefined ? parseBytes(cfg['log-rate-limit-per-second'] as string) : undefined,
    })
  }
  const hcType = cfg['health-check-type'] as string | undefined
  const rcType = cfg['readiness-health-check-type'] as string | undefined
  const hasHealth = hcType !== undefined || cfg['health-check-http-endpoint'] !== undefined || cfg['health-check-invocation-timeout'] !== undefined || cfg.timeout !== undefined || cfg['health-check-interval'] !== undefined
  const hasReadiness = rcType !== undefined || cfg['readiness-health-check-http-endpoint'] !== undefined || cfg['readiness-health-check-invocation-timeout'] !== undefined || cfg['readiness-health-check-interval'] !== undefined
  if (cfg.command !== undefined || hasHealth || hasReadiness) {
    const type = hcType === 'none' ? 'process' : (hcType ?? p.healthCheck.type)
    updateProcess(f, p, {
      command: cfg.command === undefined ? undefined : cfg.command === null || cfg.command === 'null' || cfg.command === 'default' ? null : String(cfg.command),
      healthCheck: hasHealth
        ? healthCheck(type, {
            timeout: (cfg.timeout as number | undefined) ?? p.healthCheck.timeout,
            invocationTimeout: (cfg['health-check-invocation-timeout'] as number | undefined) ?? p.healthCheck.invocationTimeout,
            interval: (cfg['health-check-interval'] as number | undefined) ?? p.healthCheck.interval,
            endpoint: type === 'http' ? ((cfg['health-check-http-endpoint'] as string | undefined) ?? p.healthCheck.endpoint ?? '/') : null,
          })
        : undefined,
      readinessCheck: hasReadiness
        ? healthCheck(rcType ?? p.readinessCheck.type, {
            invocationTimeout: (cfg['readiness-health-check-invocation-timeout'] as number | undefined) ?? p.readinessCheck.invocationTimeout,
            interval: (cfg['readiness-health-check-interval'] as number | undefined) ?? p.readinessCheck.interval,
            endpoint: (rcType ?? p.readinessCheck.type) === 'http' ? ((cfg['readiness-health-check-http-endpoint'] as string | undefined) ?? p.readinessCheck.endpoint ?? '/') : null,
          })
        : undefined,
    })
  }
  if (cfg.user !== undefined) p.user = String(cfg.user)
}

/** "host.domain/path" → route (created if missing) mapped to the app's web process. */
function mapRoute(f: Foundation, space: SpaceRec, app: AppRec, url: string, protocol?: string): void {
  const parsed = parseRouteUrl(f, url, space.orgGuid)
  if (!parsed) throw unprocessable(`The route '${url}' did not match any existing domains.`)
  const {domain, host, path} = parsed
  const input: RouteInput = {spaceGuid: space.guid, domainGuid: domain.guid, host, path}
  const route = f.store.routes.by('domain', domain.guid).find((r) => r.host === host && r.path === path) ?? createRoute(f, input)
  if (route.spaceGuid !== space.guid) throw unprocessable(`The app cannot be mapped to route ${url} because the route exists in a different space.`)
  insertDestinations(f, route, [{app: {guid: app.guid, process: {type: 'web'}}, protocol: protocol ?? null}])
}

/** GET /v3/apps/:guid/manifest. */
export function generateManifest(f: Foundation, app: AppRec): string {
  const s = f.store
  const entry: Obj = {name: app.name}
  if (app.lifecycle.type === 'docker') {
    const pkg = s.packages.by('app', app.guid).filter((p) => p.type === 'docker').pop()
    entry.docker = pkg ? {image: pkg.image, ...(pkg.username ? {username: pkg.username} : {})} : {}
  } else {
    if (app.lifecycle.buildpacks.length > 0) entry.buildpacks = [...app.lifecycle.buildpacks]
    if (app.lifecycle.stack) entry.stack = app.lifecycle.stack
  }
  if (Object.keys(app.env).length > 0) entry.env = {...app.env}
  entry.features = {...app.features}
  const bindings = s.bindings.by('app', app.guid)
  if (bindings.length > 0) {
    entry.services = bindings.map((b) => {
      const name = s.serviceInstances.get(b.serviceInstanceGuid)?.name ?? b.serviceInstanceGuid
      return b.name || Object.keys(b.parameters).length > 0 ? {name, ...(b.name ? {binding_name: b.name} : {}), ...(Object.keys(b.parameters).length > 0 ? {parameters: b.parameters} : {})} : name
    })
  }
  const routes = s.routes.by('space', app.spaceGuid).filter((r) => r.destinations.some((d) => d.appGuid === app.guid))
  if (routes.length > 0) {
    entry.routes = routes.map((r) => {
      const d = r.destinations.find((x) => x.appGuid === app.guid)!
      const domain = s.domains.get(r.domainGuid)?.name ?? ''
      return {route: `${r.host ? `${r.host}.` : ''}${domain}${r.path}`, protocol: d.protocol}
    })
  } else entry['no-route'] = true
  const processes = s.processes.by('app', app.guid).sort((a, b) => a.seq - b.seq)
  const seen = new Set<string>()
  entry.processes = processes
    .reverse()
    .filter((p) => !seen.has(p.type) && seen.add(p.type))
    .reverse()
    .map((p) => {
      const out: Obj = {type: p.type, instances: p.instances, memory: `${p.memoryInMb}M`, disk_quota: `${p.diskInMb}M`, 'log-rate-limit-per-second': p.logRateLimitInBytesPerSecond < 0 ? -1 : `${p.logRateLimitInBytesPerSecond}B`}
      if (p.command !== null) out.command = p.command
      out['health-check-type'] = p.healthCheck.type
      if (p.healthCheck.type === 'http') out['health-check-http-endpoint'] = p.healthCheck.endpoint
      if (p.healthCheck.invocationTimeout !== null) out['health-check-invocation-timeout'] = p.healthCheck.invocationTimeout
      if (p.healthCheck.interval !== null) out['health-check-interval'] = p.healthCheck.interval
      if (p.healthCheck.timeout !== null) out.timeout = p.healthCheck.timeout
      out['readiness-health-check-type'] = p.readinessCheck.type
      if (p.readinessCheck.type === 'http') out['readiness-health-check-http-endpoint'] = p.readinessCheck.endpoint
      if (p.readinessCheck.invocationTimeout !== null) out['readiness-health-check-invocation-timeout'] = p.readinessCheck.invocationTimeout
      if (p.readinessCheck.interval !== null) out['readiness-health-check-interval'] = p.readinessCheck.interval
      return out
    })
  if (Object.keys(app.metadata.labels).length > 0 || Object.keys(app.metadata.annotations).length > 0) entry.metadata = {labels: {...app.metadata.labels}, annotations: {...app.metadata.annotations}}
  return '---\n' + dump({applications: [entry]}, {lineWidth: -1, noRefs: true})
}

/** POST /v3/spaces/:guid/manifest_diff: JSON-pointer ops from the current manifest to the given one. */
export function diffManifest(f: Foundation, space: SpaceRec, apps: Obj[], current: (app: AppRec) => Obj): {op: string; path: string; was?: unknown; value?: unknown}[] {
  const ops: {op: string; path: string; was?: unknown; value?: unknown}[] = []
  apps.forEach((a, i) => {
    const app = findApp(f, space, String(a.name))
    if (!app) {
      ops.push({op: 'add', path: `/applications/${i}`, value: a})
      return
    }
    diffValue(current(app), a, `/applications/${i}`, ops, true)
  })
  return ops
}

function diffValue(was: unknown, value: unknown, path: string, ops: {op: string; path: string; was?: unknown; value?: unknown}[], onlyGiven: boolean): void {
  if (JSON.stringify(was) === JSON.stringify(value)) return
  if (was && value && typeof was === 'object' && typeof value === 'object' && Array.isArray(was) === Array.isArray(value)) {
    if (Array.isArray(value)) {
      const w = was as unknown[]
      value.forEach((v, i) => (i < w.length ? diffValue(w[i], v, `${path}/${i}`, ops, false) : ops.push({op: 'add', path: `${path}/${i}`, value: v})))
      for (let i = value.length; i < w.length; i++) ops.push({op: 'remove', path: `${path}/${i}`, was: w[i]})
      return
    }
    const w = was as Obj
    const v = value as Obj
    for (const k of Object.keys(v)) {
      if (!(k in w)) ops.push({op: 'add', path: `${path}/${k}`, value: v[k]})
      else diffValue(w[k], v[k], `${path}/${k}`, ops, false)
    }
    if (!onlyGiven) for (const k of Object.keys(w)) if (!(k in v)) ops.push({op: 'remove', path: `${path}/${k}`, was: w[k]})
    return
  }
  if (was === undefined) ops.push({op: 'add', path, value})
  else ops.push({op: 'replace', path, was, value})
}
