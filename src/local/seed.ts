/**
 * Seeding: a YAML or JSON description of orgs, spaces, quotas, stacks, buildpacks (with versions),
 * service instances and apps, plus a bulk generator (`generate: {count: 10000, ...}`). Seeded apps
 * are fully staged: a READY package, a STAGED current droplet built with a buildpack (or a docker
 * image), a revision, routes, bindings, and running instances that start without the start-up
 * delay. Records are written straight into the store, so 10,000 apps seed in a few seconds.
 * The format is documented in src/local/README.md.
 */
import {readFile} from 'node:fs/promises'
import {load} from 'js-yaml'
import {z} from 'zod'
import {parseDuration} from '../clock.js'
import {defaultFeatures, defaultStack, resolveLifecycle} from './actions/apps.js'
import {createProcess, healthCheck} from './actions/processes.js'
import {createRevision} from './actions/revisions.js'
import {parseRouteUrl} from './actions/routes.js'
import {createBinding} from './actions/services.js'
import type {Foundation} from './kernel.js'
import {
  type AppLimits,
  type AppRec,
  type BuildpackRec,
  type DestinationRec,
  type DomainRec,
  type DropletRec,
  emptyMetadata,
  type OrgQuotaRec,
  type OrgRec,
  type PackageRec,
  type RouteRec,
  type ServiceInstanceRec,
  type SpaceQuotaRec,
  type SpaceRec,
  type StackRec,
} from './state.js'
import {newGuid, parseIso, previousVersion, seededRandom} from './util.js'
import {megabytesOrThrow} from './api/messages.js'

const Size = z.union([z.number(), z.string()])
/** An age before now: a duration such as 3d, 12h or 90m (clock.ts's parseDuration). */
const Age = z.string().refine(isDuration, {message: 'Give an age such as 3d, 12h or 90m.'})
/** An ISO timestamp, or an age before now. */
const Time = z.string().refine((v) => !Number.isNaN(parseIso(v)) || isDuration(v), {message: 'Give an ISO timestamp, or an age such as 7d or 12h.'})
const Labels = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))

const QuotaSpec = z.object({
  name: z.string(),
  total_memory_in_mb: z.number().nullable().optional(),
  per_process_memory_in_mb: z.number().nullable().optional(),
  total_instances: z.number().nullable().optional(),
  log_rate_limit_in_bytes_per_second: z.number().nullable().optional(),
  per_app_tasks: z.number().nullable().optional(),
  total_routes: z.number().nullable().optional(),
  total_service_instances: z.number().nullable().optional(),
})

const ServiceInstanceSpec = z.object({
  name: z.string(),
  type: z.enum(['user-provided', 'managed']).default('user-provided'),
  credentials: z.record(z.string(), z.unknown()).default({}),
  offering: z.string().optional(),
  plan: z.string().optional(),
  tags: z.array(z.string()).default([]),
  syslog_drain_url: z.string().optional(),
})

const ServiceRef = z.union([
  z.string(),
  z.object({name: z.string(), binding_name: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional()}),
])

const ProcessSpec = z.object({
  type: z.string(),
  instances: z.number().int().min(0).optional(),
  memory: Size.optional(),
  disk_quota: Size.optional(),
  command: z.string().optional(),
  health_check_type: z.enum(['port', 'process', 'http']).optional(),
  health_check_http_endpoint: z.string().optional(),
  readiness_health_check_type: z.enum(['port', 'process', 'http']).optional(),
  readiness_health_check_http_endpoint: z.string().optional(),
})

const AppSpec = ProcessSpec.omit({type: true}).extend({
  name: z.string().min(1),
  buildpacks: z.array(z.string()).optional(),
  buildpack: z.string().optional(),
  docker: z.object({image: z.string(), username: z.string().optional()}).optional(),
  stack: z.string().optional(),
  state: z.enum(['STARTED', 'STOPPED']).optional(),
  stopped: z.boolean().optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  /** Route URLs ("host.domain/path"); omitted: `<name>.<shared domain>`. */
  routes: z.array(z.union([z.string(), z.object({route: z.string()})])).optional(),
  no_route: z.boolean().optional(),
  services: z.array(ServiceRef).default([]),
  processes: z.array(ProcessSpec).default([]),
  features: z
    .object({ssh: z.boolean(), revisions: z.boolean(), 'service-binding-k8s': z.boolean(), 'file-based-vcap-services': z.boolean()})
    .partial()
    .default({}),
  labels: Labels.default({}),
  annotations: Labels.default({}),
  /** Files in the package, for buildpack detection (default: one that matches its buildpack). */
  files: z.array(z.string()).optional(),
  droplet: z
    .object({
      /** Staged before the buildpack's updated_at, with its previous version. */
      stale: z.boolean().optional(),
      /** How long before now the droplet was staged, e.g. "3d" or "12h". */
      age: Age.optional(),
      buildpack_version: z.string().optional(),
    })
    .default({}),
})
export type AppSpec = z.infer<typeof AppSpec>

const MixEntry = z.object({buildpack: z.string(), fraction: z.number().min(0).max(1), stale_fraction: z.number().min(0).max(1).optional()})

const GeneratorSpec = z.object({
  count: z.number().int().min(0),
  orgs: z.number().int().min(1).default(1),
  spaces_per_org: z.number().int().min(1).default(1),
  org_prefix: z.string().default('bulk-org'),
  space_prefix: z.string().default('space'),
  prefix: z.string().default('app'),
  instances: z.number().int().min(0).default(1),
  memory: Size.default('64M'),
  /** Shorthand for a one-entry mix. */
  buildpack: z.string().optional(),
  fraction: z.number().min(0).max(1).optional(),
  /** Buildpack distribution (exact counts); the other apps are docker_fraction docker apps, then cycle through the other buildpacks. */
  mix: z.array(MixEntry).default([]),
  /** Fraction of droplets staged before their buildpack's updated_at (for entries without their own). */
  stale_fraction: z.number().min(0).max(1).default(0),
  stopped_fraction: z.number().min(0).max(1).default(0),
  docker_fraction: z.number().min(0).max(1).default(0),
  routes: z.boolean().default(true),
  random_seed: z.number().int().default(1),
})
export type GeneratorSpec = z.infer<typeof GeneratorSpec>

const SpaceSpec = z.object({
  name: z.string(),
  quota: z.union([z.string(), QuotaSpec]).optional(),
  allow_ssh: z.boolean().default(true),
  service_instances: z.array(ServiceInstanceSpec).default([]),
  apps: z.array(AppSpec).default([]),
})

const OrgSpec = z.object({
  name: z.string(),
  quota: z.union([z.string(), QuotaSpec]).optional(),
  spaces: z.array(SpaceSpec).default([]),
})

const StackSpec = z.object({name: z.string(), description: z.string().default(''), default: z.boolean().default(false), state: z.string().default('ACTIVE')})
const BuildpackSpec = z.object({
  name: z.string(),
  version: z.string().default('1.0.0'),
  stack: z.string().nullable().default(null),
  position: z.number().int().optional(),
  enabled: z.boolean().default(true),
  locked: z.boolean().default(false),
  /** An ISO timestamp or an age like "7d" (before now). Default: 7 days ago. */
  updated_at: Time.optional(),
})

export const SeedSpec = z.object({
  stacks: z.array(StackSpec).optional(),
  buildpacks: z.array(BuildpackSpec).optional(),
  org_quotas: z.array(QuotaSpec).default([]),
  users: z.array(z.object({username: z.string(), password: z.string()})).default([]),
  orgs: z.array(OrgSpec).default([]),
  generate: z.union([GeneratorSpec, z.array(GeneratorSpec)]).optional(),
})
export type SeedSpec = z.input<typeof SeedSpec>

export const DEFAULT_STACKS: z.input<typeof StackSpec>[] = [
  {name: 'cflinuxfs4', description: 'Cloud Foundry Linux-based filesystem - Ubuntu Jammy 22.04 LTS', default: true},
  {name: 'cflinuxfs3', description: 'Cloud Foundry Linux-based filesystem - Ubuntu Bionic 18.04 LTS', state: 'DEPRECATED'},
]

export const DEFAULT_BUILDPACKS: z.input<typeof BuildpackSpec>[] = [
  {name: 'staticfile_buildpack', version: '1.6.20', stack: 'cflinuxfs4'},
  {name: 'java_buildpack', version: '4.77.0', stack: 'cflinuxfs4'},
  {name: 'ruby_buildpack', version: '1.10.20', stack: 'cflinuxfs4'},
  {name: 'nodejs_buildpack', version: '1.8.30', stack: 'cflinuxfs4'},
  {name: 'go_buildpack', version: '1.10.25', stack: 'cflinuxfs4'},
  {name: 'python_buildpack', version: '1.8.30', stack: 'cflinuxfs4'},
  {name: 'php_buildpack', version: '4.6.20', stack: 'cflinuxfs4'},
  {name: 'binary_buildpack', version: '1.1.12', stack: 'cflinuxfs4'},
]

/** With no --seed: org local, space dev, and a sample app with 2 instances and a route. */
export const DEFAULT_SEED: SeedSpec = {
  orgs: [{name: 'local', spaces: [{name: 'dev', apps: [{name: 'sample', buildpacks: ['nodejs_buildpack'], instances: 2, memory: '256M'}]}]}],
}

/** A seed from a file (YAML or JSON) or an object. */
export async function loadSeed(seed: SeedSpec | string): Promise<SeedSpec> {
  if (typeof seed !== 'string') return seed
  return load(await readFile(seed, 'utf8')) as SeedSpec
}

const SAMPLE_FILES: Record<string, string[]> = {
  node: ['package.json', 'server.js'],
  ruby: ['Gemfile', 'config.ru'],
  python: ['requirements.txt', 'app.py'],
  go: ['go.mod', 'main.go'],
  java: ['app.jar'],
  php: ['composer.json', 'index.php'],
  staticfile: ['Staticfile', 'index.html'],
  binary: ['Procfile', 'app'],
}

export interface SeedResult {
  orgs: number
  spaces: number
  apps: number
  instances: number
  ms: number
}

/** Apply a seed to the foundation. `base` also creates stacks, buildpacks and domains when missing. */
export async function applySeed(f: Foundation, input: SeedSpec): Promise<SeedResult> {
  const started = Date.now()
  const spec = SeedSpec.parse(input)
  const seeder = new Seeder(f)
  seeder.base(spec)
  for (const q of spec.org_quotas) seeder.orgQuota(q)
  for (const u of spec.users) f.uaa.addUser(u.username, u.password)
  let apps = 0
  for (const o of spec.orgs) {
    const org = seeder.org(o.name, o.quota)
    for (const sp of o.spaces) {
      const space = seeder.space(org, sp.name, sp.quota, sp.allow_ssh)
      for (const si of sp.service_instances) seeder.serviceInstance(space, si)
      for (const a of sp.apps) {
        seeder.app(space, a)
        apps++
      }
    }
  }
  const generators = spec.generate === undefined ? [] : Array.isArray(spec.generate) ? spec.generate : [spec.generate]
  for (const g of generators) apps += seeder.generate(g)
  await f.settle()
  f.changed()
  return {orgs: f.store.orgs.size, spaces: f.store.spaces.size, apps, instances: f.runtime.instanceCount, ms: Date.now() - started}
}

class Seeder {
  private readonly now: number
  private routeKeys?: Set<string>
  /** Lower-cased app names per space, so checking uniqueness does not scan the space. */
  private readonly appNames = new Map<string, Set<string>>()

  constructor(private readonly f: Foundation) {
    this.now = f.now()
  }

  /** Stacks, buildpacks and the shared and internal domains, unless they exist. */
  base(spec: z.output<typeof SeedSpec>): void {
    const s = this.f.store
    for (const st of (spec.stacks ?? (s.stacks.size === 0 ? DEFAULT_STACKS : [])).map((x) => StackSpec.parse(x))) {
      if (s.stacks.all().some((x) => x.name === st.name)) continue
      s.stacks.insert(
        s.stamp<StackRec>(
          {name: st.name, description: st.description, state: st.state, isDefault: st.default, metadata: emptyMetadata()},
          this.now - 30 * 86_400_000,
        ),
      )
    }
    const bps = (spec.buildpacks ?? (s.buildpacks.size === 0 ? DEFAULT_BUILDPACKS : [])).map((x) => BuildpackSpec.parse(x))
    for (const bp of bps) {
      const existing = s.buildpacks.all().find((x) => x.name === bp.name && x.stack === bp.stack)
      const updatedAt = bp.updated_at ? timeOf(bp.updated_at, this.now) : this.now - 7 * 86_400_000
      if (existing) {
        existing.version = bp.version
        existing.updatedAt = updatedAt
        continue
      }
      const position = bp.position ?? s.buildpacks.size + 1
      s.buildpacks.insert(
        s.stamp<BuildpackRec>(
          {
            name: bp.name,
            version: bp.version,
            stack: bp.stack,
            position,
            enabled: bp.enabled,
            locked: bp.locked,
            metadata: emptyMetadata(),
            createdAt: this.now - 30 * 86_400_000,
            updatedAt,
          },
          this.now,
        ),
      )
    }
    const domains = [
      {name: this.f.settings.sharedDomain, internal: false},
      {name: 'apps.internal', internal: true},
    ]
    for (const d of domains) {
      if (s.domains.all().some((x) => x.name === d.name)) continue
      s.domains.insert(s.stamp<DomainRec>({name: d.name, internal: d.internal, orgGuid: null, metadata: emptyMetadata()}, this.now - 30 * 86_400_000))
    }
    this.f.routesChanged()
  }

  orgQuota(q: z.output<typeof QuotaSpec>): OrgQuotaRec {
    const s = this.f.store
    const existing = s.orgQuotas.all().find((x) => x.name === q.name)
    if (existing) return existing
    return s.orgQuotas.insert(s.stamp<OrgQuotaRec>({name: q.name, ...limits(q)}, this.now))
  }

  org(name: string, quota?: string | z.output<typeof QuotaSpec>): OrgRec {
    const s = this.f.store
    const existing = s.orgs.all().find((o) => o.name === name)
    if (existing) return existing
    const q = quota === undefined ? this.orgQuota({name: 'default'}) : typeof quota === 'string' ? this.orgQuota({name: quota}) : this.orgQuota(quota)
    return s.orgs.insert(s.stamp<OrgRec>({name, quotaGuid: q.guid, suspended: false, metadata: emptyMetadata()}, this.now))
  }

  space(org: OrgRec, name: string, quota?: string | z.output<typeof QuotaSpec>, allowSsh = true): SpaceRec {
    const s = this.f.store
    const existing = s.spaces.by('org', org.guid).find((x) => x.name === name)
    if (existing) return existing
    let quotaGuid: string | null = null
    if (quota !== undefined) {
      const spec = typeof quota === 'string' ? {name: quota} : quota
      const q =
        s.spaceQuotas.by('org', org.guid).find((x) => x.name === spec.name) ??
        s.spaceQuotas.insert(s.stamp<SpaceQuotaRec>({name: spec.name, orgGuid: org.guid, ...limits(spec)}, this.now))
      quotaGuid = q.guid
    }
    return s.spaces.insert(s.stamp<SpaceRec>({name, orgGuid: org.guid, quotaGuid, allowSsh, metadata: emptyMetadata()}, this.now))
  }

  serviceInstance(space: SpaceRec, si: z.output<typeof ServiceInstanceSpec>): ServiceInstanceRec {
    const s = this.f.store
    const existing = s.serviceInstances.by('space', space.guid).find((x) => x.name === si.name)
    if (existing) return existing
    return s.serviceInstances.insert(
      s.stamp<ServiceInstanceRec>(
        {
          name: si.name,
          spaceGuid: space.guid,
          type: si.type,
          credentials: si.credentials,
          syslogDrainUrl: si.syslog_drain_url ?? null,
          routeServiceUrl: null,
          tags: si.tags,
          offering: si.type === 'managed' ? (si.offering ?? 'p-service') : null,
          plan: si.type === 'managed' ? (si.plan ?? 'default') : null,
          metadata: emptyMetadata(),
        },
        this.now,
      ),
    )
  }

  /** One fully staged app. */
  app(space: SpaceRec, a: z.output<typeof AppSpec>): AppRec {
    const f = this.f
    const s = f.store
    let names = this.appNames.get(space.guid)
    if (!names) this.appNames.set(space.guid, (names = new Set(s.apps.by('space', space.guid).map((x) => x.name.toLowerCase()))))
    if (names.has(a.name.toLowerCase())) throw new Error(`seed: app ${a.name} exists twice in space ${space.name}`)
    names.add(a.name.toLowerCase())
    const docker = a.docker !== undefined
    const buildpacks = a.buildpacks ?? (a.buildpack ? [a.buildpack] : [])
    const lifecycle = docker
      ? {type: 'docker' as const, buildpacks: [], stack: null}
      : resolveLifecycle(f, {type: 'buildpack', data: {buildpacks, stack: a.stack ?? defaultStack(f)}})
    const app = s.apps.insert(
      s.stamp<AppRec>(
        {
          name: a.name,
          spaceGuid: space.guid,
          state: 'STOPPED',
          lifecycle,
          currentDropletGuid: null,
          env: {...a.env},
          features: {...defaultFeatures(), ...a.features},
          metadata: {labels: {...a.labels}, annotations: {...a.annotations}},
        },
        this.now - 30 * 86_400_000,
      ),
    )
    const web = createProcess(f, app, 'web')
    // The package.
    const named = s.buildpacks.all().find((b) => b.name === buildpacks[0])
    const family = Object.keys(SAMPLE_FILES).find((k) => named?.name.includes(k))
    const pkg = s.packages.insert(
      s.stamp<PackageRec>(
        {
          appGuid: app.guid,
          type: docker ? 'docker' : 'bits',
          state: 'READY',
          checksum: docker ? null : newGuid().replace(/-/g, ''),
          error: null,
          image: docker ? a.docker!.image : null,
          username: docker ? (a.docker!.username ?? null) : null,
          password: null,
          files: a.files ?? (family ? SAMPLE_FILES[family] : ['index.html', 'Staticfile']),
          metadata: emptyMetadata(),
        },
        this.now - 30 * 86_400_000,
      ),
    )
    // The droplet: fresh (after the buildpack's updated_at, current version) or stale (before it, previous version).
    const stale = a.droplet.stale === true
    const bpFor = (b: BuildpackRec) => (a.droplet.buildpack_version ? a.droplet.buildpack_version : stale ? previousVersion(b.version) : b.version)
    const base = f.staging.dropletFor(app, pkg, lifecycle, bpFor)
    const bpUpdated = Math.max(0, ...(base.buildpacks ?? []).map((b) => s.buildpacks.all().find((x) => x.name === b.name)?.updatedAt ?? 0))
    const createdAt = a.droplet.age
      ? this.now - parseDuration(a.droplet.age)
      : stale
        ? bpUpdated - 86_400_000 - Math.floor(f.random() * 20 * 86_400_000)
        : Math.min(this.now - 1000, (bpUpdated || this.now - 86_400_000) + 3_600_000 + Math.floor(f.random() * 86_400_000))
    const droplet = s.droplets.insert(s.stamp<DropletRec>({...base, createdAt, updatedAt: createdAt}, this.now))
    app.currentDropletGuid = droplet.guid
    for (const type of Object.keys(droplet.processTypes ?? {})) if (type !== 'web') createProcess(f, app, type)

    // Processes.
    web.instances = a.instances ?? 1
    web.memoryInMb = megabytesOrThrow(a.memory ?? '256M', 'Memory')
    if (a.disk_quota !== undefined) web.diskInMb = megabytesOrThrow(a.disk_quota, 'Disk quota')
    if (a.command) web.command = a.command
    if (a.health_check_type)
      web.healthCheck = healthCheck(a.health_check_type, {endpoint: a.health_check_type === 'http' ? (a.health_check_http_endpoint ?? '/') : null})
    if (a.readiness_health_check_type)
      web.readinessCheck = healthCheck(a.readiness_health_check_type, {
        endpoint: a.readiness_health_check_type === 'http' ? (a.readiness_health_check_http_endpoint ?? '/') : null,
      })
    for (const p of a.processes) {
      const proc = p.type === 'web' ? web : (s.processOfType(app.guid, p.type) ?? createProcess(f, app, p.type))
      if (p.instances !== undefined) proc.instances = p.instances
      if (p.memory !== undefined) proc.memoryInMb = megabytesOrThrow(p.memory, 'Memory')
      if (p.disk_quota !== undefined) proc.diskInMb = megabytesOrThrow(p.disk_quota, 'Disk quota')
      if (p.command !== undefined) proc.command = p.command
      if (p.health_check_type)
        proc.healthCheck = healthCheck(p.health_check_type, {endpoint: p.health_check_type === 'http' ? (p.health_check_http_endpoint ?? '/') : null})
      if (p.readiness_health_check_type)
        proc.readinessCheck = healthCheck(p.readiness_health_check_type, {
          endpoint: p.readiness_health_check_type === 'http' ? (p.readiness_health_check_http_endpoint ?? '/') : null,
        })
    }
    const revision = app.features.revisions ? createRevision(f, app, 'Initial revision.', undefined) : undefined

    // Routes and bindings.
    if (!a.no_route) {
      const routes = a.routes ?? [`${a.name.toLowerCase()}.${f.settings.sharedDomain}`]
      for (const r of routes) this.route(space, app, typeof r === 'string' ? r : r.route)
    }
    for (const ref of a.services) {
      const spec = typeof ref === 'string' ? {name: ref} : ref
      const si = s.serviceInstances.by('space', space.guid).find((x) => x.name === spec.name)
      if (!si) throw new Error(`seed: app ${a.name} binds service instance ${spec.name}, which the space ${space.name} does not have`)
      const b = createBinding(f, {
        type: 'app',
        name: spec.binding_name,
        appGuid: app.guid,
        serviceInstanceGuid: si.guid,
        parameters: si.type === 'managed' ? spec.parameters : undefined,
      })
      b.lastOperation.state = 'succeeded'
    }

    // Start it: instances come up RUNNING without the start-up delay.
    const started = a.stopped !== true && (a.state ?? 'STARTED') === 'STARTED'
    if (started) {
      app.state = 'STARTED'
      for (const p of s.processes.by('app', app.guid)) {
        p.state = 'STARTED'
        p.dropletGuid = droplet.guid
        p.revisionGuid = revision?.guid ?? null
        f.runtime.sync(p, {immediate: true})
      }
    } else {
      for (const p of s.processes.by('app', app.guid)) {
        p.state = 'STOPPED'
        p.revisionGuid = revision?.guid ?? null
      }
    }
    return app
  }

  /** A route "host.domain/path" mapped to the app's web process (created without a per-route scan). */
  private route(space: SpaceRec, app: AppRec, url: string): void {
    const s = this.f.store
    if (!this.routeKeys) this.routeKeys = new Set(s.routes.all().map((r) => `${r.domainGuid}|${r.host}|${r.path}`))
    const parsed = parseRouteUrl(this.f, url, space.orgGuid)
    if (!parsed) throw new Error(`seed: route ${url} matches no domain`)
    const {domain, host, path} = parsed
    const key = `${domain.guid}|${host}|${path}`
    let route = this.routeKeys.has(key) ? s.routes.by('domain', domain.guid).find((r) => r.host === host && r.path === path) : undefined
    if (!route) {
      route = s.routes.insert(
        s.stamp<RouteRec>(
          {spaceGuid: space.guid, domainGuid: domain.guid, host, path, port: null, protocol: 'http', options: {}, destinations: [], metadata: emptyMetadata()},
          this.now,
        ),
      )
      this.routeKeys.add(key)
    }
    const dest: DestinationRec = {
      guid: newGuid(),
      appGuid: app.guid,
      processType: 'web',
      port: 8080,
      protocol: 'http1',
      weight: null,
      createdAt: this.now,
      updatedAt: this.now,
    }
    route.destinations.push(dest)
    this.f.routesChanged()
  }

  /** The bulk generator: `count` apps spread over orgs × spaces, with a buildpack mix. */
  generate(g: GeneratorSpec): number {
    const rand = seededRandom(g.random_seed)
    const buildpackNames = this.f.store.buildpacks
      .all()
      .sort((a, b) => a.position - b.position)
      .map((b) => b.name)
    const mix = [...g.mix]
    if (g.buildpack) mix.unshift({buildpack: g.buildpack, fraction: g.fraction ?? 1, stale_fraction: g.stale_fraction})
    const rest = buildpackNames.filter((n) => !mix.some((m) => m.buildpack === n))
    const spaces: SpaceRec[] = []
    for (let o = 1; o <= g.orgs; o++) {
      const org = this.org(`${g.org_prefix}-${o}`)
      for (let sp = 1; sp <= g.spaces_per_org; sp++) spaces.push(this.space(org, `${g.space_prefix}-${sp}`))
    }
    const width = String(g.count).length
    // Deterministic assignment: the first fraction·count apps (in a seeded shuffle) get the first buildpack, and so on.
    const order = Array.from({length: g.count}, (_, i) => i)
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      ;[order[i], order[j]] = [order[j], order[i]]
    }
    // Docker apps come out of the apps outside the mix, so the mix's counts are exact.
    const assignment = new Array<{buildpack: string; stale: boolean; docker: boolean}>(g.count)
    let cursor = 0
    for (const m of mix) {
      const n = Math.round(m.fraction * g.count)
      const staleN = Math.round((m.stale_fraction ?? g.stale_fraction) * n)
      for (let k = 0; k < n && cursor < g.count; k++, cursor++) assignment[order[cursor]] = {buildpack: m.buildpack, stale: k < staleN, docker: false}
    }
    const dockerN = Math.round(g.docker_fraction * g.count)
    for (let k = 0; k < dockerN && cursor < g.count; k++, cursor++) assignment[order[cursor]] = {buildpack: '', stale: false, docker: true}
    for (let k = 0; cursor < g.count; k++, cursor++) {
      const others = rest.length > 0 ? rest : buildpackNames
      assignment[order[cursor]] = {buildpack: others[k % others.length], stale: rand() < g.stale_fraction, docker: false}
    }
    for (let i = 0; i < g.count; i++) {
      const space = spaces[i % spaces.length]
      const name = `${g.prefix}-${String(i + 1).padStart(width, '0')}`
      const docker = assignment[i].docker
      const stopped = rand() < g.stopped_fraction
      this.app(
        space,
        AppSpec.parse({
          name,
          ...(docker ? {docker: {image: 'cloudfoundry/diego-docker-app:latest'}} : {buildpacks: [assignment[i].buildpack]}),
          instances: g.instances,
          memory: g.memory,
          stopped,
          no_route: !g.routes,
          droplet: {stale: !docker && assignment[i].stale},
        }),
      )
    }
    return g.count
  }
}

function limits(q: z.output<typeof QuotaSpec>): AppLimits {
  return {
    totalMemoryInMb: q.total_memory_in_mb ?? null,
    perProcessMemoryInMb: q.per_process_memory_in_mb ?? null,
    totalInstances: q.total_instances ?? null,
    logRateLimitInBytesPerSecond: q.log_rate_limit_in_bytes_per_second ?? null,
    perAppTasks: q.per_app_tasks ?? null,
    totalRoutes: q.total_routes ?? null,
    totalServiceInstances: q.total_service_instances ?? null,
  }
}

/** An ISO timestamp, or an age before `now` like "7d". */
function timeOf(value: string, now: number): number {
  const t = parseIso(value)
  return Number.isNaN(t) ? now - parseDuration(value) : t
}

function isDuration(value: string): boolean {
  try {
    parseDuration(value)
    return true
  } catch {
    return false
  }
}
