/**
 * App manifests: apply (POST /v3/spaces/:guid/actions/apply_manifest), generate
 * (GET /v3/apps/:guid/manifest) and diff (POST /v3/spaces/:guid/manifest_diff).
 *
 * A manifest is checked synchronously, app by app, with app_manifest_message.rb (see
 * ../api/messages.ts); every problem is one entry of a compound 422 (space_manifests_controller.rb).
 * Applying (app_apply_manifest.rb, in the job) only adds or changes what is listed; nothing is
 * removed (except routes with `no-route: true`). Scaling the web process while a deployment is in
 * flight fails the job with "Cannot scale this process while a deployment is in flight.".
 */
import {dump} from 'js-yaml'
import {ApiError, messageParseError, unprocessable} from '../api/errors.js'
import {
  appManifestMessage,
  blank,
  isObj,
  manifestKnownKeys,
  manifestLifecycle,
  manifestMegabytes,
  manifestProcessConfigs,
  rubyToS,
  toNumber,
  underscoreManifestKeys,
} from '../api/messages.js'
import type {Foundation} from '../kernel.js'
import type {AppRec, ProcessRec, SidecarRec, SpaceRec} from '../state.js'
import {createApp, resolveLifecycle} from './apps.js'
import {createProcess, healthCheck, scaleProcess, updateProcess} from './processes.js'
import {createRoute, insertDestinations, parseRouteUrl, type RouteInput} from './routes.js'
import {createBinding} from './services.js'

type Obj = Record<string, unknown>

/** One app of a manifest: as written (for diffs) and as the message reads it (underscored keys). */
export interface ManifestApp {
  raw: Obj
  m: Obj
}

/** Check the document: 400/422 as space_manifests_controller.rb answers, else the apps. */
export function validateManifest(_f: Foundation, doc: unknown): ManifestApp[] {
  if (!isObj(doc)) throw messageParseError('invalid request body')
  if (doc.version !== undefined && doc.version !== null && doc.version !== 1)
    throw unprocessable('Unsupported manifest schema version. Currently supported versions: [1].')
  if (blank(doc.applications) || !Array.isArray(doc.applications)) throw unprocessable("Cannot parse manifest with no 'applications' field.")
  const apps = doc.applications.map((a: unknown) => {
    const raw = isObj(a) ? a : {}
    return {raw, m: manifestKnownKeys(underscoreManifestKeys(raw))}
  })
  const errors = apps.flatMap(({m}, i) => {
    const who = !blank(m.name) ? `For application '${rubyToS(m.name)}'` : `For application at index ${i}`
    return appManifestMessage(m).map((e) => `${who}: ${e}`)
  })
  if (errors.length > 0)
    throw new ApiError(
      422,
      errors.map((detail) => ({code: 10008, title: 'CF-UnprocessableEntity', detail})),
    )
  return apps
}

/** AppFindOrCreateSkeleton: create the apps that do not exist yet (before the job is queued), then refuse lifecycle mismatches. */
export function createMissingApps(f: Foundation, space: SpaceRec, apps: ManifestApp[]): void {
  for (const {m} of apps) {
    const name = m.name as string
    let app = findApp(f, space, name)
    if (!app) {
      try {
        app = createApp(f, {name, spaceGuid: space.guid, lifecycle: 'docker' in m ? {type: 'docker'} : undefined})
      } catch (error) {
        if (error instanceof ApiError && error.errors[0]?.code === 10008) throw unprocessable(`For application '${name}': ${error.errors[0].detail}`)
        throw error
      }
    }
    if (app.lifecycle.type === 'docker' && ('buildpack' in m || 'buildpacks' in m)) {
      throw unprocessable(`For application '${name}': ${'buildpacks' in m ? 'Buildpacks' : 'Buildpack'} cannot be configured for a docker lifecycle app.`)
    }
    if (app.lifecycle.type === 'buildpack' && 'docker' in m)
      throw unprocessable(`For application '${name}': Docker cannot be configured for a buildpack lifecycle app.`)
  }
}

function findApp(f: Foundation, space: SpaceRec, name: string): AppRec | undefined {
  return f.store.apps.by('space', space.guid).find((a) => a.name.toLowerCase() === name.toLowerCase())
}

/** The job's work: apply each app's settings. */
export function applyManifest(f: Foundation, space: SpaceRec, apps: ManifestApp[]): void {
  for (const {m} of apps) {
    const app = findApp(f, space, m.name as string)
    if (!app) continue
    try {
      applyApp(f, space, app, m)
    } catch (error) {
      if (error instanceof ApiError) throw unprocessable(`For application '${app.name}': ${error.errors.map((e) => e.detail).join(', ')}`)
      throw error
    }
  }
}

function applyApp(f: Foundation, space: SpaceRec, app: AppRec, m: Obj): void {
  // Lifecycle (app_update_message built by app_lifecycle_hash).
  const lifecycle = manifestLifecycle(m)
  if (lifecycle && lifecycle.type !== 'docker') {
    const data = (lifecycle.data ?? {}) as {buildpacks?: string[]; stack?: string}
    app.lifecycle = resolveLifecycle(f, {type: lifecycle.type as string | undefined, data: {buildpacks: data.buildpacks, stack: data.stack}}, app.lifecycle)
  }
  // env: every value as a string (env_update_attribute_mapping), merged like PATCH environment_variables.
  if (isObj(m.env)) app.env = {...app.env, ...Object.fromEntries(Object.entries(m.env).map(([k, v]) => [k, rubyToS(v)]))}
  if (isObj(m.features)) for (const [k, v] of Object.entries(m.features)) if (k in app.features) (app.features as unknown as Obj)[k] = v === true
  const md = isObj(m.metadata) ? m.metadata : undefined
  for (const kind of ['labels', 'annotations'] as const) {
    const entries = md?.[kind]
    if (!isObj(entries)) continue
    for (const [k, v] of Object.entries(entries)) {
      if (v === null) delete app.metadata[kind][k]
      else app.metadata[kind][k] = rubyToS(v)
    }
  }
  app.updatedAt = f.now()

  // Processes: the top-level keys configure web; `processes` lists the others.
  const {scale, update} = manifestProcessConfigs(m)
  for (const cfg of scale) {
    const p = processFor(f, app, cfg.type as string)
    scaleProcess(f, p, {
      instances: toNumber(cfg.instances),
      memoryInMb: toNumber(cfg.memory),
      diskInMb: toNumber(cfg.disk_quota),
      logRateLimitInBytesPerSecond: toNumber(cfg.log_rate_limit),
    })
  }
  for (const cfg of update) applyProcessUpdate(f, processFor(f, app, cfg.type as string), cfg)

  // Sidecars, by name.
  if (Array.isArray(m.sidecars)) {
    for (const sc of m.sidecars.filter(isObj)) {
      const existing = f.store.sidecars.by('app', app.guid).find((x) => x.name === sc.name)
      const fields = {
        command: sc.command as string,
        processTypes: [...(sc.process_types as string[])],
        memoryInMb: sc.memory === undefined || sc.memory === null ? null : (manifestMegabytes(sc.memory) ?? toNumber(sc.memory) ?? null),
      }
      if (existing) Object.assign(existing, fields, {updatedAt: f.now()})
      else f.store.sidecars.insert(f.store.stamp<SidecarRec>({appGuid: app.guid, name: sc.name as string, origin: 'user', ...fields}, f.now()))
    }
  }

  // Routes.
  if (m.no_route === true) {
    for (const r of f.store.routes.all()) {
      if (r.destinations.some((d) => d.appGuid === app.guid)) {
        r.destinations = r.destinations.filter((d) => d.appGuid !== app.guid)
        f.routesChanged()
      }
    }
  } else {
    const routes = Array.isArray(m.routes) ? [...(m.routes as {route: string; protocol?: string}[])] : []
    const hasRoutes = f.store.routes.by('space', space.guid).some((r) => r.destinations.some((d) => d.appGuid === app.guid))
    if (routes.length === 0 && (m.random_route === true || m.default_route === true) && !hasRoutes) {
      const host = m.random_route === true ? `${app.name}-${Math.floor(f.random() * 1e6).toString(36)}` : app.name
      routes.push({route: `${host.toLowerCase()}.${f.settings.sharedDomain}`})
    }
    for (const r of routes) mapRoute(f, space, app, r.route, r.protocol)
  }

  // Services.
  for (const svc of Array.isArray(m.services) ? (m.services as (string | {name: string; binding_name?: string; parameters?: Obj})[]) : []) {
    const spec = typeof svc === 'string' ? {name: svc} : svc
    const si = f.store.serviceInstances.by('space', space.guid).find((x) => x.name === spec.name)
    if (!si) throw unprocessable(`Service instance '${spec.name}' not found`)
    if (f.store.bindings.by('instance', si.guid).some((b) => b.appGuid === app.guid)) continue
    const binding = createBinding(f, {type: 'app', name: spec.binding_name, appGuid: app.guid, serviceInstanceGuid: si.guid, parameters: spec.parameters})
    binding.lastOperation.state = 'succeeded'
  }
}

const processFor = (f: Foundation, app: AppRec, type: string): ProcessRec => f.store.processOfType(app.guid, type) ?? createProcess(f, app, type)

/** ManifestProcessUpdateMessage applied with the manifest strategy: "null"/"default" reset the command. */
function applyProcessUpdate(f: Foundation, p: ProcessRec, cfg: Obj): void {
  const has = (k: string) => k in cfg
  const hcType = has('health_check_type') ? (cfg.health_check_type as string) : undefined
  const rcType = has('readiness_health_check_type') ? (cfg.readiness_health_check_type as string) : undefined
  const hasHealth = [
    'health_check_type',
    'health_check_http_endpoint',
    'health_check_invocation_timeout',
    'timeout',
    'health_check_timeout',
    'health_check_interval',
  ].some(has)
  const hasReadiness = [
    'readiness_health_check_type',
    'readiness_health_check_http_endpoint',
    'readiness_health_check_invocation_timeout',
    'readiness_health_check_interval',
  ].some(has)
  if (!has('command') && !hasHealth && !hasReadiness && !has('user')) return
  const type = hcType ?? p.healthCheck.type
  const rtype = rcType ?? p.readinessCheck.type
  const num = (k: string, fallback: number | null) => (has(k) ? (toNumber(cfg[k]) ?? null) : fallback)
  updateProcess(f, p, {
    command: has('command') ? (cfg.command === 'null' || cfg.command === 'default' ? null : (cfg.command as string)) : undefined,
    user: has('user') ? ((cfg.user ?? null) as string | null) : undefined,
    healthCheck: hasHealth
      ? healthCheck(type, {
          timeout: num('timeout', num('health_check_timeout', p.healthCheck.timeout)),
          invocationTimeout: num('health_check_invocation_timeout', p.healthCheck.invocationTimeout),
          interval: num('health_check_interval', p.healthCheck.interval),
          endpoint: type === 'http' ? ((cfg.health_check_http_endpoint as string | undefined) ?? p.healthCheck.endpoint ?? '/') : null,
        })
      : undefined,
    readinessCheck: hasReadiness
      ? healthCheck(rtype, {
          invocationTimeout: num('readiness_health_check_invocation_timeout', p.readinessCheck.invocationTimeout),
          interval: num('readiness_health_check_interval', p.readinessCheck.interval),
          endpoint: rtype === 'http' ? ((cfg.readiness_health_check_http_endpoint as string | undefined) ?? p.readinessCheck.endpoint ?? '/') : null,
        })
      : undefined,
  })
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
    const pkg = s.packages
      .by('app', app.guid)
      .filter((p) => p.type === 'docker')
      .pop()
    entry.docker = pkg ? {image: pkg.image, ...(pkg.username ? {username: pkg.username} : {})} : {}
  } else {
    if (app.lifecycle.buildpacks.length > 0) entry.buildpacks = [...app.lifecycle.buildpacks]
    if (app.lifecycle.stack) entry.stack = app.lifecycle.stack
  }
  if (app.env && Object.keys(app.env).length > 0) entry.env = {...app.env}
  entry.features = {...app.features}
  const bindings = s.bindings.by('app', app.guid)
  if (bindings.length > 0) {
    entry.services = bindings.map((b) => {
      const name = s.serviceInstances.get(b.serviceInstanceGuid)?.name ?? b.serviceInstanceGuid
      return b.name || Object.keys(b.parameters).length > 0
        ? {name, ...(b.name ? {binding_name: b.name} : {}), ...(Object.keys(b.parameters).length > 0 ? {parameters: b.parameters} : {})}
        : name
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
      const out: Obj = {
        type: p.type,
        instances: p.instances,
        memory: `${p.memoryInMb}M`,
        disk_quota: `${p.diskInMb}M`,
        'log-rate-limit-per-second': p.logRateLimitInBytesPerSecond < 0 ? -1 : `${p.logRateLimitInBytesPerSecond}B`,
      }
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
  if (Object.keys(app.metadata.labels).length > 0 || Object.keys(app.metadata.annotations).length > 0)
    entry.metadata = {labels: {...app.metadata.labels}, annotations: {...app.metadata.annotations}}
  return '---\n' + dump({applications: [entry]}, {lineWidth: -1, noRefs: true})
}

/** POST /v3/spaces/:guid/manifest_diff: JSON-pointer ops from the current manifest to the given one. */
export function diffManifest(
  f: Foundation,
  space: SpaceRec,
  apps: ManifestApp[],
  current: (app: AppRec) => Obj,
): {op: string; path: string; was?: unknown; value?: unknown}[] {
  const ops: {op: string; path: string; was?: unknown; value?: unknown}[] = []
  apps.forEach(({raw: a}, i) => {
    const app = findApp(f, space, String(a.name))
    if (!app) {
      ops.push({op: 'add', path: `/applications/${i}`, value: a})
      return
    }
    // space_diff_manifest.rb compares top-level keys with the app's manifest merged with its web process.
    const existing = current(app)
    const web = Array.isArray(existing.processes) ? (existing.processes as Obj[]).find((p) => p.type === 'web') : undefined
    diffValue(web ? {...existing, ...web} : existing, a, `/applications/${i}`, ops, true)
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
