/**
 * The local foundation: an embedded Cloud Controller (CAPI v3), UAA and gorouter-like router on
 * 127.0.0.1 that runs real HTTP app instances. Reached only from `cfzd local start`, and
 * in-process from tests and benchmarks:
 *
 *   const lf = await startLocalFoundation({port: 0, routerPort: 0, tickMs: 0, seed: {...}})
 *   ... drive lf.apiUrl with cfzd, step the updater with lf.tick(), await lf.settle() ...
 *   await lf.stop()
 *
 * See src/local/README.md for the admin endpoints, the env vars that make apps crash or fail
 * staging, and the seed format.
 */
import {randomBytes} from 'node:crypto'
import type {EventEmitter} from 'node:events'
import * as admin from './api/handlers/admin.js'
import * as logCache from './log-cache.js'
import * as apps from './api/handlers/apps.js'
import * as buildpacks from './api/handlers/buildpacks.js'
import * as builds from './api/handlers/builds.js'
import * as deployments from './api/handlers/deployments.js'
import * as droplets from './api/handlers/droplets.js'
import * as jobs from './api/handlers/jobs.js'
import * as manifests from './api/handlers/manifests.js'
import * as orgs from './api/handlers/orgs.js'
import * as packages from './api/handlers/packages.js'
import * as processes from './api/handlers/processes.js'
import * as revisions from './api/handlers/revisions.js'
import * as root from './api/handlers/root.js'
import * as routes from './api/handlers/routes.js'
import * as services from './api/handlers/services.js'
import {presentBuildpack} from './api/presenters.js'
import {ApiServer} from './api/server.js'
import {FoundationContext} from './foundation.js'
import type {DeploymentEvent, LogSink, RequestLogEntry} from './kernel.js'
import {defaultFaults, type Faults, type FaultsPatch, mergeFaults} from './faults.js'
import {Persister, readSnapshot, restore} from './persist.js'
import {Runtime} from './runtime/instances.js'
import type {InstanceCountEvent} from './runtime/timeline.js'
import {ProcessRunner, type ProcessRunnerOptions} from './runtime/process-runner.js'
import {GoRouter} from './runtime/router.js'
import {applySeed, DEFAULT_SEED, loadSeed, type SeedResult, type SeedSpec} from './seed.js'
import {Staging} from './staging.js'
import {Uaa, defaultUaaState} from './uaa.js'
import {Updater} from './updater.js'
import {bumpVersion, seededRandom} from './util.js'

/**
 * A generated admin password: 24 hex digits. Not base64url, whose '-' could come first (1 in 64)
 * and be taken for a flag by `cfzd login -p` and the cf CLI alike; that failed one bench site and
 * its whole run now and then.
 */
export function newPassword(): string {
  return randomBytes(12).toString('hex')
}

export type {DeploymentEvent, RequestLogEntry} from './kernel.js'
export type {Faults, FaultsPatch} from './faults.js'
export type {SeedResult, SeedSpec} from './seed.js'
export type {InstanceCountEvent} from './runtime/timeline.js'
export {canaryStepPlan} from './actions/deployments.js'

export interface LocalFoundationOptions {
  /** API (and UAA) port; 0 picks a free one. Default 0 (the command defaults to 9022). */
  port?: number
  /** Router port; 0 picks a free one. Default 0 (the command defaults to 9080). */
  routerPort?: number
  /** JSON state file: loaded if it exists (the seed is then ignored), saved atomically after changes and on stop. */
  statePath?: string
  /** A seed object or a YAML/JSON file path. Default: org local, space dev, app sample. `false`: no orgs at all. */
  seed?: SeedSpec | string | false
  /** Deployment updater interval in ms (default 5000, as in production); 0 turns the timer off (call tick()). */
  tickMs?: number
  /** Shortcuts for the matching faults. */
  stagingMs?: number
  startupMs?: number
  tokenLifetimeSec?: number
  /** Any fault settings at start (see faults.ts). */
  faults?: FaultsPatch
  /** Seed for every random decision (fault injection, crash rate, generators). Default: random. */
  randomSeed?: number
  /** Default apps.localhost, so http://<app>.apps.localhost:<router port>/ resolves to loopback. */
  sharedDomain?: string
  admin?: {username?: string; password?: string}
  ciClient?: {id?: string; secret?: string}
  /** Longest wait for in-flight requests when an instance drains (default 10 s). */
  drainTimeoutMs?: number
  /** How long jobs stay PROCESSING and copies COPYING (default 100 ms). */
  asyncMs?: number
  /** How long the router keeps routing to an unmapped destination, as gorouter does until it hears of the change (default 0). */
  routeDelayMs?: number
  /** Where log lines go (default: nowhere). */
  log?: LogSink
  /**
   * Run pushed apps' own code as child processes (`local start --run-apps`), with where to keep
   * bits (default: a temporary folder) and the SIGTERM → SIGKILL window (default 10 s).
   */
  runApps?: boolean | ProcessRunnerOptions
}

export interface LocalFoundation {
  readonly apiUrl: string
  readonly routerUrl: string
  readonly uaaUrl: string
  readonly apiPort: number
  readonly routerPort: number
  readonly sharedDomain: string
  readonly admin: {username: string; password: string}
  /** A client for the client_credentials grant. */
  readonly ciClient: {id: string; secret: string}
  /** The current fault settings (read-only copy); change them with setFaults. */
  readonly faults: Faults
  setFaults(patch: FaultsPatch): Promise<Faults>
  /** Every API, UAA and admin request: method, path, status, ms timestamps. */
  readonly requestLog: RequestLogEntry[]
  clearRequestLog(): void
  /** Every deployment state/status change, with ms timestamps. */
  readonly deploymentEvents: DeploymentEvent[]
  /** Every change in an app process type's running instance count, with ms timestamps. */
  readonly instanceTimeline: InstanceCountEvent[]
  /** Emits 'deployment' (DeploymentEvent) on every deployment status change. */
  readonly events: EventEmitter
  /** Run one deployment updater pass now. */
  tick(): void
  /** Wait until no staging, copy, job, instance start-up or drain is pending. */
  settle(timeoutMs?: number): Promise<void>
  /** Release a new version of a buildpack (bumps its version and updated_at). Returns the buildpacks changed. */
  releaseBuildpack(name: string, version?: string): {name: string; version: string; updated_at: string | null; guid: string}[]
  /** Add more orgs, spaces and apps. */
  seed(spec: SeedSpec | string): Promise<SeedResult>
  /** The result of the initial seed (undefined when the state was loaded from a file). */
  readonly seeded?: SeedResult
  /** Write the state file now (no-op without statePath). */
  save(): Promise<void>
  /** Graceful shutdown: stop the updater, drain instances, close every server, save. */
  stop(): Promise<void>
  /** The internals, for tests that need to look behind the API. */
  readonly internals: FoundationContext
}

export async function startLocalFoundation(opts: LocalFoundationOptions = {}): Promise<LocalFoundation> {
  const faults = mergeFaults(defaultFaults, {
    ...(opts.stagingMs !== undefined ? {stagingMs: opts.stagingMs} : {}),
    ...(opts.startupMs !== undefined ? {startupMs: opts.startupMs} : {}),
    ...(opts.tokenLifetimeSec !== undefined ? {tokenLifetimeSec: opts.tokenLifetimeSec} : {}),
    ...opts.faults,
  })
  const sharedDomain = opts.sharedDomain ?? 'apps.localhost'
  const f = new FoundationContext(
    {
      apiUrl: '',
      routerUrl: '',
      uaaUrl: '',
      sharedDomain,
      tickMs: opts.tickMs ?? 5000,
      drainTimeoutMs: opts.drainTimeoutMs ?? 10_000,
      asyncMs: opts.asyncMs ?? 100,
      routeDelayMs: opts.routeDelayMs ?? 0,
    },
    faults,
    seededRandom(opts.randomSeed ?? Math.floor(Math.random() * 2 ** 31)),
    opts.log,
  )
  f.runtime = new Runtime(f)
  f.staging = new Staging(f)
  f.updater = new Updater(f)

  const api = new ApiServer(f)
  const router = new GoRouter(f)
  const apiPort = await api.listen(opts.port ?? 0)
  let routerPort: number
  try {
    routerPort = await router.listen(opts.routerPort ?? 0)
  } catch (error) {
    await api.close()
    throw error
  }
  const apiUrl = `http://127.0.0.1:${apiPort}`
  Object.assign(f.settings, {apiUrl, routerUrl: `http://127.0.0.1:${routerPort}`, uaaUrl: `${apiUrl}/uaa`})
  if (opts.runApps) f.runtime.runner = new ProcessRunner(f, opts.runApps === true ? {} : opts.runApps)

  const snap = opts.statePath ? await readSnapshot(opts.statePath) : undefined
  const ci = {id: opts.ciClient?.id ?? 'cfzd-ci', secret: opts.ciClient?.secret ?? randomBytes(12).toString('hex')}
  const adminUser = {username: opts.admin?.username ?? 'admin', password: opts.admin?.password ?? newPassword()}
  const uaaState = snap?.uaa ?? defaultUaaState(adminUser, ci)
  f.uaa = new Uaa(uaaState, {
    issuer: `${f.settings.uaaUrl}/oauth/token`,
    now: () => f.now(),
    tokenLifetimeSec: () => f.faults.tokenLifetimeSec,
    refreshTokenLifetimeSec: () => f.faults.refreshTokenLifetimeSec,
  })
  if (snap && opts.admin?.password) f.uaa.addUser(adminUser.username, opts.admin.password)
  const ciClient = uaaState.clients.find((c) => c.secret !== '') ?? {id: ci.id, secret: ci.secret}
  const adminCreds = {username: uaaState.users[0].username, password: uaaState.users[0].password}

  const persister = opts.statePath ? new Persister(f, opts.statePath) : undefined

  const setFaults = async (patch: unknown): Promise<Faults> => {
    const next = mergeFaults(f.faults, patch)
    const before = f.faults
    f.faults = next
    if (JSON.stringify(before.rateLimit) !== JSON.stringify(next.rateLimit)) f.rateLimiter.reset()
    if (before.apiDown !== next.apiDown) await api.setDown(next.apiDown, next.apiDownMs)
    f.log(`faults: ${JSON.stringify(patch)}`)
    return {...f.faults}
  }
  const releaseBuildpack = (name: string, version?: string) => {
    const changed = f.store.buildpacks.all().filter((b) => b.name === name)
    for (const b of changed) {
      b.version = version ?? bumpVersion(b.version)
      b.updatedAt = f.now()
      f.log(`released ${b.name} ${b.version}`)
    }
    if (changed.length > 0) f.changed()
    return changed.map((b) => ({...presentBuildpack(f, b), version: b.version}))
  }
  const seed = async (spec: SeedSpec | string) => applySeed(f, await loadSeed(spec))

  root.register(api.routes, f)
  orgs.register(api.routes, f)
  apps.register(api.routes, f)
  processes.register(api.routes, f)
  packages.register(api.routes, f)
  builds.register(api.routes, f)
  droplets.register(api.routes, f)
  deployments.register(api.routes, f)
  revisions.register(api.routes, f)
  routes.register(api.routes, f)
  buildpacks.register(api.routes, f)
  services.register(api.routes, f)
  jobs.register(api.routes, f)
  manifests.register(api.routes, f)
  logCache.register(api.routes, f)
  admin.register(api.routes, f, {setFaults, releaseBuildpack, seed, tick: () => f.updater.tick()})

  let seeded: SeedResult | undefined
  try {
    if (snap) {
      restore(f, snap)
      f.runtime.syncAll()
      f.log(`loaded state from ${opts.statePath}: ${f.store.apps.size} apps`)
    } else {
      const spec = opts.seed === false ? {} : opts.seed === undefined ? DEFAULT_SEED : await loadSeed(opts.seed)
      seeded = await applySeed(f, spec)
      f.log(`seeded ${seeded.apps} apps (${seeded.instances} instances) in ${seeded.ms} ms`)
    }
  } catch (error) {
    f.cancelTimers()
    await Promise.all([api.close(), router.close(), f.runtime.stopAll()])
    throw error
  }
  f.updater.start()
  if (persister) f.changed()

  let stopped: Promise<void> | undefined
  return {
    apiUrl,
    routerUrl: f.settings.routerUrl,
    uaaUrl: f.settings.uaaUrl,
    apiPort,
    routerPort,
    sharedDomain,
    admin: adminCreds,
    ciClient: {id: ciClient.id, secret: ciClient.secret},
    get faults() {
      return {...f.faults}
    },
    setFaults: (patch) => setFaults(patch),
    requestLog: f.requestLog,
    clearRequestLog: () => {
      f.requestLog.length = 0
    },
    deploymentEvents: f.deploymentEvents,
    instanceTimeline: f.runtime.timeline,
    events: f.bus,
    tick: () => void f.updater.tick(),
    settle: (timeoutMs) => f.settle(timeoutMs),
    releaseBuildpack,
    seed,
    seeded,
    save: async () => {
      if (!persister) return
      persister.schedule()
      await persister.flush()
    },
    stop() {
      stopped ??= (async () => {
        f.updater.stop()
        await api.close()
        f.cancelTimers()
        await f.runtime.stopAll()
        await router.close()
        if (persister) {
          persister.schedule()
          await persister.flush()
        }
        f.log('stopped')
      })()
      return stopped
    },
    internals: f,
  }
}
