/**
 * Waiting, with injected time. Every loop here reads live state, so a re-run after an
 * interruption picks up where things are.
 */
import type {CapiClient} from '../capi/client.js'
import type {Build} from '../capi/resources/builds.js'
import {DeploymentStatusReason, type Deployment} from '../capi/resources/deployments.js'
import type {Droplet} from '../capi/resources/droplets.js'
import type {Package} from '../capi/resources/packages.js'
import type {Process, ProcessStat} from '../capi/resources/processes.js'
import {CapiError, CapiNotFound, NetworkError} from '../capi/errors.js'
import type {Clock} from '../clock.js'
import {formatDuration} from '../clock.js'
import {PollSchedule} from './poll-schedule.js'
import {FileTickStore, priorFrom, type TickStore} from './tick-store.js'

export type WaitFailureKind = 'crashed' | 'timeout' | 'canceled' | 'superseded' | 'staging-failed' | 'failed' | 'error'

/** A wait that ended badly, with what was observed last. */
export class WaitFailure extends Error {
  constructor(
    readonly kind: WaitFailureKind,
    message: string,
    readonly observed: {deployment?: Deployment; instances?: InstanceSummary; appGuid?: string} = {},
  ) {
    super(message)
    this.name = 'WaitFailure'
  }

  /** The app whose build or instances failed (its log-cache source id), when known. */
  get appGuid(): string | undefined {
    return this.observed.appGuid ?? this.observed.deployment?.relationships.app.data.guid
  }
}

export interface InstanceSummary {
  desired: number
  routable: number
  running: number
  starting: number
  crashed: number
  down: number
  /** Per-instance states, e.g. "#0 RUNNING", "#1 CRASHED (Instance never healthy)". */
  states: string[]
  /** Crash reasons reported in stats `details`. */
  reasons: string[]
}

/** Classify stats the way Cloud Controller's updater does (instance_count_summary). */
export function summarizeStats(stats: ProcessStat[], desired?: number): InstanceSummary {
  const want = desired ?? stats.length
  const s: InstanceSummary = {desired: want, routable: 0, running: 0, starting: 0, crashed: 0, down: 0, states: [], reasons: []}
  for (let i = 0; i < want; i++) {
    const st = stats.find((x) => x.index === i)
    const state = st?.state ?? 'DOWN'
    const routable = state === 'RUNNING' && st?.routable !== false
    if (state === 'RUNNING') s.running++
    if (routable) s.routable++
    else if (state === 'STARTING' || state === 'RUNNING') s.starting++
    else if (state === 'CRASHED') s.crashed++
    else s.down++
    const detail = st?.details ? ` (${st.details})` : ''
    s.states.push(`#${i} ${state}${state === 'RUNNING' && !routable ? ' (not routable yet)' : ''}${detail}`)
    if (st?.details && !s.reasons.includes(st.details)) s.reasons.push(st.details)
  }
  return s
}

export interface PollOptions {
  clock: Clock
  signal?: AbortSignal
  intervalMs?: number
  timeoutMs: number
}

/** Transient API trouble while waiting is not a failure of the operation: keep waiting. */
function isTransient(e: unknown): boolean {
  return e instanceof NetworkError || (e instanceof CapiError && (e.status === 429 || e.status >= 500))
}

async function readTolerant<T>(read: () => Promise<T>, o: PollOptions, deadline: () => number): Promise<T> {
  for (;;) {
    try {
      return await read()
    } catch (error) {
      if (!isTransient(error) || o.clock.now() >= deadline()) throw error
      await o.clock.sleep(1000, o.signal)
    }
  }
}

export async function waitForPackage(capi: CapiClient, guid: string, o: PollOptions): Promise<Package> {
  const end = o.clock.now() + o.timeoutMs
  for (;;) {
    const p = await readTolerant(() => capi.packages.get(guid), o, () => end)
    if (p.state === 'READY') return p
    if (p.state === 'FAILED' || p.state === 'EXPIRED') throw new WaitFailure('failed', `Package ${guid} is ${p.state}${p.data.error ? `: ${p.data.error}` : ''}`)
    if (o.clock.now() >= end) throw new WaitFailure('timeout', `Package ${guid} was not ready after ${formatDuration(o.timeoutMs)} (still ${p.state})`)
    await o.clock.sleep(o.intervalMs ?? 500, o.signal)
  }
}

export async function waitForBuild(capi: CapiClient, guid: string, o: PollOptions & {appName: string}): Promise<Build> {
  const end = o.clock.now() + o.timeoutMs
  for (;;) {
    const b = await readTolerant(() => capi.builds.get(guid, o.signal), o, () => end)
    if (b.state === 'STAGED') return b
    if (b.state === 'FAILED') throw new WaitFailure('staging-failed', `Staging failed for app ${o.appName}: ${b.error ?? 'no reason given'}`, {appGuid: b.relationships.app.data.guid})
    if (o.clock.now() >= end) {
      throw new WaitFailure('timeout', `Error staging application ${o.appName}: timed out after ${formatDuration(o.timeoutMs)}`)
    }
    await o.clock.sleep(o.intervalMs ?? 1000, o.signal)
  }
}

export async function waitForDroplet(capi: CapiClient, guid: string, o: PollOptions): Promise<Droplet> {
  const end = o.clock.now() + o.timeoutMs
  for (;;) {
    const d = await readTolerant(() => capi.droplets.get(guid), o, () => end)
    if (d.state === 'STAGED') return d
    if (d.state === 'FAILED' || d.state === 'EXPIRED') throw new WaitFailure('failed', `Droplet ${guid} is ${d.state}${d.error ? `: ${d.error}` : ''}`)
    if (o.clock.now() >= end) throw new WaitFailure('timeout', `Droplet ${guid} was not ready after ${formatDuration(o.timeoutMs)} (still ${d.state})`)
    await o.clock.sleep(o.intervalMs ?? 500, o.signal)
  }
}

export interface InstancesProgress {
  process: Process
  summary: InstanceSummary
}

/**
 * Wait until every instance of these processes is RUNNING (and, for web, routable). Fails when
 * all instances of a process have crashed, or when nothing improved for `timeoutMs`.
 */
export async function waitForInstances(
  capi: CapiClient,
  processes: Process[],
  o: PollOptions & {onProgress?: (p: InstancesProgress[]) => void},
): Promise<InstancesProgress[]> {
  const wanted = processes.filter((p) => p.instances > 0)
  let best = -1
  let lastProgress = o.clock.now()
  for (;;) {
    const deadline = () => lastProgress + o.timeoutMs
    const progress: InstancesProgress[] = []
    for (const p of wanted) {
      const stats = await readTolerant(() => capi.processes.stats(p.guid, o.signal), o, deadline)
      progress.push({process: p, summary: summarizeStats(stats, p.instances)})
    }
    o.onProgress?.(progress)
    const healthy = progress.reduce((n, x) => n + (x.process.type === 'web' ? x.summary.routable : x.summary.running), 0)
    const total = progress.reduce((n, x) => n + x.summary.desired, 0)
    if (healthy >= total) return progress
    const allCrashed = progress.find((x) => x.summary.crashed > 0 && x.summary.crashed === x.summary.desired)
    if (allCrashed) {
      const why = allCrashed.summary.reasons.length ? `: ${allCrashed.summary.reasons.join('; ')}` : ''
      throw new WaitFailure('crashed', `Start unsuccessful: all instances of process ${allCrashed.process.type} crashed${why}`, {instances: allCrashed.summary, appGuid: allCrashed.process.relationships.app.data.guid})
    }
    if (healthy > best) {
      best = healthy
      lastProgress = o.clock.now()
    }
    if (o.clock.now() >= deadline()) {
      const bad = progress.find((x) => (x.process.type === 'web' ? x.summary.routable : x.summary.running) < x.summary.desired)
      throw new WaitFailure('timeout', `Start app timeout: ${healthy}/${total} instances healthy after waiting ${formatDuration(o.timeoutMs)} without progress`, {
        instances: bad?.summary,
        appGuid: wanted[0]?.relationships.app.data.guid,
      })
    }
    await o.clock.sleep(o.intervalMs ?? 1000, o.signal)
  }
}

export type DeploymentGoal = 'deployed' | 'paused' | 'first-instance' | 'finalized'

export interface DeploymentProgress {
  deployment: Deployment
  instances?: InstanceSummary
  /** Web instances the deployment is heading for. */
  target: number
}

export interface WatchOptions extends PollOptions {
  goal: DeploymentGoal
  /** Web instances the deployment is heading for (for progress display). */
  target: number
  onProgress?: (p: DeploymentProgress) => void
  /** How long a `status.details.error` may persist before it counts as a failure. */
  errorGraceMs?: number
  schedule?: PollSchedule
  /**
   * Where the updater's tick is kept between runs (keyed by the API URL). Defaults to the file
   * beside the cf config, except under Jest; null for none.
   */
  tickStore?: TickStore | null
}

function defaultTickStore(): TickStore | null {
  if (process.env.JEST_WORKER_ID !== undefined || process.env.CFZD_TICK_STORE === '0') return null
  return new FileTickStore()
}

/**
 * Follow a deployment to its goal. Polls the deployment on the PollSchedule (learning the updater's
 * tick, so DEPLOYED is seen within a fraction of a second at under one request per second) and the
 * new web process's stats every few seconds, for progress and crash detection.
 *
 * `timeoutMs` is a no-progress timeout: the clock restarts whenever another new instance becomes
 * routable, so a 100-instance rolling deployment isn't held to a 5-minute total.
 */
export async function watchDeployment(capi: CapiClient, start: Deployment, o: WatchOptions): Promise<DeploymentProgress> {
  const clock = o.clock
  const apiUrl = (capi as {http?: {apiUrl?: string}}).http?.apiUrl
  const store = o.tickStore === undefined ? (o.schedule ? null : defaultTickStore()) : o.tickStore
  let prior
  try {
    prior = store && apiUrl ? priorFrom(store.load(apiUrl), clock.now()) : undefined
  } catch {}
  const schedule = o.schedule ?? new PollSchedule({learnMinMs: 1000, learnMaxMs: 1600, prior})
  const createdAt = clock.now()
  // No change is expected sooner after a tick than the first change came after the deployment
  // was created, less a period: the instances that tick started can't be routable before then.
  let quietMs: number | undefined
  let notBefore: number | undefined
  let deployment = start
  let fingerprint = fingerprintOf(deployment)
  let instances: InstanceSummary | undefined
  // The first stats a little after the deployment is created (its new process has no instances
  // before the updater's next tick), so a short deployment doesn't spend requests on them.
  let lastStats = clock.now()
  let lastProgress = clock.now()
  let bestRoutable = -1
  let errorSince: number | undefined
  let first = true
  schedule.record(clock.now(), false)

  for (;;) {
    const deadline = () => lastProgress + o.timeoutMs
    if (!first) {
      deployment = await readTolerant(() => capi.deployments.get(deployment.guid, o.signal), o, deadline)
      const fp = fingerprintOf(deployment)
      const stamp = Date.parse(deployment.updated_at ?? '')
      // updated_at moves on every tick that changes the deployment (last_healthy_at or status).
      schedule.record(clock.now(), fp !== fingerprint, Number.isFinite(stamp) ? {from: stamp - 1, to: stamp + 1000} : undefined)
      if (fp !== fingerprint) {
        lastProgress = clock.now()
        const e = schedule.estimator.estimate()
        if (e && e.uncertaintyMs <= 300) {
          // The tick that made this change: the latest predicted one at or before this poll.
          const tick = e.phaseMs + Math.floor((clock.now() - e.phaseMs) / e.periodMs) * e.periodMs
          quietMs ??= tick - createdAt - e.periodMs
          notBefore = quietMs > 0 ? tick + quietMs : undefined
        }
      }
      fingerprint = fp
    }
    first = false

    const {value, reason} = deployment.status
    if (value === 'FINALIZED') {
      remember()
      if (reason === 'DEPLOYED' || o.goal === 'finalized') return report()
      if (reason === 'CANCELED') throw new WaitFailure('canceled', 'Deployment has been canceled', {deployment, instances})
      if (reason === 'SUPERSEDED') throw new WaitFailure('superseded', 'Deployment has been superseded by a newer deployment of this app', {deployment, instances})
      throw new WaitFailure('failed', `Deployment finished with ${value}/${reason}`, {deployment, instances})
    }
    if (o.goal === 'paused' && reason === DeploymentStatusReason.PAUSED) {
      remember()
      return report()
    }

    const web = deployment.new_processes.find((p) => p.type === 'web')
    const statsEvery = o.goal === 'first-instance' ? 1000 : 3000
    if (web && o.goal !== 'finalized' && clock.now() - lastStats >= statsEvery) {
      lastStats = clock.now()
      try {
        // Stats are padded with DOWN entries up to the desired count, so they give both.
        instances = summarizeStats(await capi.processes.stats(web.guid, o.signal))
      } catch (error) {
        if (!isTransient(error) && !(error instanceof CapiNotFound)) throw error
      }
      if (instances) {
        if (instances.routable > bestRoutable) {
          bestRoutable = instances.routable
          lastProgress = clock.now()
        }
        if (o.goal === 'first-instance' && instances.running > 0) return report()
        if (instances.crashed > 0 && instances.crashed === instances.desired) {
          const why = instances.reasons.length ? `: ${instances.reasons.join('; ')}` : ''
          throw new WaitFailure('crashed', `Start unsuccessful: all new instances crashed${why}`, {deployment, instances})
        }
      }
    }
    o.onProgress?.(report())

    const err = deployment.status.details.error
    if (err) {
      errorSince ??= clock.now()
      if (clock.now() - errorSince >= (o.errorGraceMs ?? 30_000)) throw new WaitFailure('error', `The deployment is stuck: ${err}`, {deployment, instances})
    } else errorSince = undefined

    if (clock.now() >= deadline()) {
      throw new WaitFailure('timeout', `Start app timeout: no new instance became routable for ${formatDuration(o.timeoutMs)}`, {deployment, instances})
    }
    const next = Math.min(schedule.next(clock.now(), notBefore), deadline())
    await clock.sleep(Math.max(0, next - clock.now()), o.signal)
  }

  function report(): DeploymentProgress {
    return {deployment, instances, target: o.target}
  }

  /** Keep what was learned about the tick for the next run against this API. */
  function remember(): void {
    const e = schedule.estimator.estimate()
    if (!store || !apiUrl || !e || e.uncertaintyMs > 300) return
    try {
      store.save(apiUrl, {periodMs: e.periodMs, phaseMs: e.phaseMs, uncertaintyMs: e.uncertaintyMs, at: clock.now()})
    } catch {}
  }
}

/** What changes on an updater tick. */
function fingerprintOf(d: Deployment): string {
  return JSON.stringify([d.status.value, d.status.reason, d.status.details.last_successful_healthcheck, d.status.canary?.steps, d.new_processes, d.updated_at])
}
