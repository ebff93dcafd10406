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
import {CapiNotFound} from '../capi/errors.js'
import {isTransient, tolerant, until} from '../poll.js'
import type {Clock} from '../clock.js'
import {formatDuration} from '../clock.js'
import {PollSchedule} from './poll-schedule.js'
import {finestTick, snapToWholeSecond, tickAtOrBefore} from './tick-estimator.js'
import {priorFrom, type TickStore} from './tick-store.js'
import {buildSchedule, stagingToKeep} from './staging-store.js'

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

/** A read that outlasts transient API trouble (poll.ts `tolerant`) until `deadline()`. */
function readTolerant<T>(read: () => Promise<T>, o: PollOptions, deadline: () => number): Promise<T> {
  return tolerant(read, {clock: o.clock, signal: o.signal, deadline: deadline()})
}

export async function waitForPackage(capi: CapiClient, guid: string, o: PollOptions): Promise<Package> {
  return until(
    (deadline) => tolerant(() => capi.packages.get(guid), {clock: o.clock, signal: o.signal, deadline}),
    (p) => {
      if (p.state === 'FAILED' || p.state === 'EXPIRED')
        throw new WaitFailure('failed', `Package ${guid} is ${p.state}${p.data.error ? `: ${p.data.error}` : ''}`)
      return p.state === 'READY'
    },
    {
      clock: o.clock,
      signal: o.signal,
      timeoutMs: o.timeoutMs,
      interval: o.intervalMs ?? 500,
      onTimeout: (p) => new WaitFailure('timeout', `Package ${guid} was not ready after ${formatDuration(o.timeoutMs)} (still ${p.state})`),
    },
  )
}

/**
 * Staging takes from seconds to minutes. The build is read first about when staging took last time
 * for this app (`staging.priorMs`, from staging-store.ts), then every tenth of that; without it,
 * every 3 s (the cf CLI's interval). The POST's answer was the build in STAGING, so there is no
 * read straight away. `staging.keep` gets what to remember for next time.
 */
export async function waitForBuild(
  capi: CapiClient,
  guid: string,
  o: PollOptions & {appName: string; staging?: {priorMs?: number; keep?: (ms: number) => void}},
): Promise<Build> {
  const started = o.clock.now()
  const wait = o.intervalMs !== undefined ? () => o.intervalMs! : buildSchedule(o.staging?.priorMs)
  let reads = 0
  await o.clock.sleep(Math.min(wait(0), o.timeoutMs), o.signal)
  const build = await until(
    (deadline) => (reads++, tolerant(() => capi.builds.get(guid, o.signal), {clock: o.clock, signal: o.signal, deadline})),
    (b) => {
      if (b.state === 'FAILED')
        throw new WaitFailure('staging-failed', `Staging failed for app ${o.appName}: ${b.error ?? 'no reason given'}`, {
          appGuid: b.relationships.app.data.guid,
        })
      return b.state === 'STAGED'
    },
    {
      clock: o.clock,
      signal: o.signal,
      timeoutMs: Math.max(0, o.timeoutMs - (o.clock.now() - started)),
      interval: (n) => wait(n + 1),
      onTimeout: () => new WaitFailure('timeout', `Error staging application ${o.appName}: timed out after ${formatDuration(o.timeoutMs)}`),
    },
  )
  o.staging?.keep?.(stagingToKeep(o.clock.now() - started, o.staging.priorMs, reads))
  return build
}

export async function waitForDroplet(capi: CapiClient, guid: string, o: PollOptions): Promise<Droplet> {
  return until(
    (deadline) => tolerant(() => capi.droplets.get(guid), {clock: o.clock, signal: o.signal, deadline}),
    (d) => {
      if (d.state === 'FAILED' || d.state === 'EXPIRED') throw new WaitFailure('failed', `Droplet ${guid} is ${d.state}${d.error ? `: ${d.error}` : ''}`)
      return d.state === 'STAGED'
    },
    {
      clock: o.clock,
      signal: o.signal,
      timeoutMs: o.timeoutMs,
      interval: o.intervalMs ?? 500,
      onTimeout: (d) => new WaitFailure('timeout', `Droplet ${guid} was not ready after ${formatDuration(o.timeoutMs)} (still ${d.state})`),
    },
  )
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
  // The deadline is a no-progress one: it moves whenever another instance becomes healthy, so
  // `until` runs without one and `final` applies it.
  const deadline = () => lastProgress + o.timeoutMs
  return until(
    async () => {
      const progress: InstancesProgress[] = []
      for (const p of wanted) {
        const stats = await readTolerant(() => capi.processes.stats(p.guid, o.signal), o, deadline)
        progress.push({process: p, summary: summarizeStats(stats, p.instances)})
      }
      return progress
    },
    (progress) => {
      o.onProgress?.(progress)
      const healthy = progress.reduce((n, x) => n + (x.process.type === 'web' ? x.summary.routable : x.summary.running), 0)
      const total = progress.reduce((n, x) => n + x.summary.desired, 0)
      if (healthy >= total) return true
      const allCrashed = progress.find((x) => x.summary.crashed > 0 && x.summary.crashed === x.summary.desired)
      if (allCrashed) {
        const why = allCrashed.summary.reasons.length ? `: ${allCrashed.summary.reasons.join('; ')}` : ''
        throw new WaitFailure('crashed', `Start unsuccessful: all instances of process ${allCrashed.process.type} crashed${why}`, {
          instances: allCrashed.summary,
          appGuid: allCrashed.process.relationships.app.data.guid,
        })
      }
      if (healthy > best) {
        best = healthy
        lastProgress = o.clock.now()
      }
      if (o.clock.now() >= deadline()) {
        const bad = progress.find((x) => (x.process.type === 'web' ? x.summary.routable : x.summary.running) < x.summary.desired)
        throw new WaitFailure(
          'timeout',
          `Start app timeout: ${healthy}/${total} instances healthy after waiting ${formatDuration(o.timeoutMs)} without progress`,
          {
            instances: bad?.summary,
            appGuid: wanted[0]?.relationships.app.data.guid,
          },
        )
      }
      return false
    },
    {clock: o.clock, signal: o.signal, interval: o.intervalMs ?? 1000, onTimeout: () => new Error('unreachable: no deadline')},
  )
}

/** A read this soon after a predicted tick that should have changed the deployment is read again this much later. */
const LATE_TICK_MS = 250

/** capi-release's default `cc_deployment_updater.update_frequency_in_seconds`. */
const DEFAULT_TICK_MS = 5000

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
   * Where the updater's tick is kept between runs (keyed by the API URL), chosen by the CLI
   * (beside the cf config); none when absent.
   */
  tickStore?: TickStore | null
  /** The learning polls' jitter (tests pass a seeded one). */
  random?: () => number
}

/**
 * Follow a deployment to its goal. Polls the deployment on the PollSchedule (learning the updater's
 * tick, so DEPLOYED is seen within a fraction of a second at under one request per second) and the
 * new web process's stats every few seconds, for progress and crash detection.
 *
 * What the API tells about the tick: every change of the deployment happens on one (its
 * updated_at names the second), and the tick after all new instances are routable is the one that
 * changes it next (scales up, or finalizes). So after a change, no poll is needed before the
 * instances it started can be routable (the shortest time seen from a start to its change), and
 * stats showing every new instance routable mean the next tick changes the deployment.
 *
 * `timeoutMs` is a no-progress timeout: the clock restarts whenever another new instance becomes
 * routable, so a 100-instance rolling deployment isn't held to a 5-minute total.
 */
export async function watchDeployment(capi: CapiClient, start: Deployment, o: WatchOptions): Promise<DeploymentProgress> {
  const clock = o.clock
  const apiUrl = (capi as {http?: {apiUrl?: string}}).http?.apiUrl
  const store = o.schedule ? null : (o.tickStore ?? null)
  let prior: ReturnType<typeof priorFrom>
  try {
    prior = store && apiUrl ? priorFrom(store.load(apiUrl), clock.now()) : undefined
  } catch {}
  const timedGoal = o.goal === 'deployed' || o.goal === 'paused'
  // With no tick stored for the API (or no store), a deployment followed to its end assumes
  // capi-release's default tick once it has seen its first change, until a change contradicts it
  // (the estimator then drops it and learns); until that first change, it polls at about the cf
  // CLI's pace.
  const assumeDefault = !o.schedule && prior === undefined && timedGoal
  let assumptionDropped = false
  const schedule =
    o.schedule ??
    new PollSchedule({
      learnMinMs: 1000,
      learnMaxMs: 1600,
      // The cf CLI's 3 s to the first read, then a little quicker.
      ...(assumeDefault ? {firstReadMs: 3000, firstMinMs: 2000, firstMaxMs: 2600} : {}),
      prior,
      ...(o.random ? {random: o.random} : {}),
    })
  const createdAt = clock.now()
  // Instances start on a tick and are routable some time later; the next change comes on the
  // first tick after that. quietMs: how long after a start no change can come (from the first
  // change after the deployment was created, less a period, or an earlier run's); minGap: the
  // shortest time between two changes seen. Ticks before `notBefore` are not polled.
  let quietMs: number | undefined
  let minGapMs: number | undefined
  let lastTick: number | undefined
  let firstChangeAfter: number | undefined
  let notBefore: number | undefined = timedGoal && prior?.quietMs !== undefined ? createdAt + prior.quietMs : undefined
  // The updater's tick exceeds this: a change came this long after stats showed it was due.
  let floorMs = 0
  let dueSince: number | undefined
  // Whether this iteration's read saw a change; the predicted tick already read again for lateness.
  let changedNow = false
  let latePollFor: number | undefined
  let prevPoll = clock.now()
  let deployment = start
  let fingerprint = fingerprintOf(deployment)
  let instances: InstanceSummary | undefined
  // The first stats a little after the deployment is created (its new process has no instances
  // before the updater's next tick), so a short deployment doesn't spend requests on them.
  let lastStats = clock.now()
  let lastProgress = clock.now()
  let lastChange = clock.now()
  let bestRoutable = -1
  let errorSince: number | undefined
  let first = true
  schedule.record(clock.now(), false)

  for (;;) {
    const deadline = () => lastProgress + o.timeoutMs
    if (!first) {
      deployment = await readTolerant(() => capi.deployments.get(deployment.guid, o.signal), o, deadline)
      const now = clock.now()
      const fp = fingerprintOf(deployment)
      const stamp = Date.parse(deployment.updated_at ?? '')
      // updated_at moves on every tick that changes the deployment (last_healthy_at or status).
      const second = Number.isFinite(stamp) ? {from: stamp - 1, to: stamp + 1000} : undefined
      schedule.record(now, fp !== fingerprint, second)
      changedNow = fp !== fingerprint
      if (fp !== fingerprint && assumeDefault && schedule.assumption === 'none' && schedule.estimator.observations === 1 && !schedule.estimator.usingPrior)
        schedule.assume(DEFAULT_TICK_MS)
      // Once a change contradicts the default tick, what was worked out from it goes too.
      if (!assumptionDropped && schedule.assumption === 'dropped') {
        assumptionDropped = true
        quietMs = minGapMs = lastTick = undefined
      }
      if (fp !== fingerprint) {
        lastProgress = now
        lastChange = now
        // The tick was after the previous poll, and not before the second its stamp names.
        const after = second && second.to > prevPoll && second.from <= now ? Math.max(prevPoll, second.from) : prevPoll
        const firstChange = firstChangeAfter === undefined
        firstChangeAfter ??= after
        if (dueSince !== undefined) floorMs = Math.max(floorMs, after - dueSince)
        dueSince = undefined
        const e = schedule.estimator.estimate()
        notBefore = undefined
        if (e && e.uncertaintyMs <= 300) {
          // The tick that made this change: the latest predicted one at or before this poll, and
          // before the end of the second its stamp names (this poll may have come later).
          const seen = second && second.to > prevPoll ? Math.min(now, second.to) : now
          const tick = tickAtOrBefore(e, seen)
          // Polls two periods apart or more may have let two changes through: no gap is learned.
          if (lastTick !== undefined && tick - lastTick >= e.periodMs && now - prevPoll < 2 * e.periodMs)
            minGapMs = Math.min(minGapMs ?? Infinity, tick - lastTick)
          lastTick = tick
          // The first instances started when the deployment was created; their change came on
          // the first tick after they were routable.
          if (firstChange) firstChangeAfter = Math.max(after, tick - e.uncertaintyMs)
          quietMs ??= firstChangeAfter - createdAt - e.periodMs
          // Instances started on this tick can't be routable before quietMs. When every start so
          // far took k ticks, the ticks before the (k-1)-th are skipped too, not the (k-1)-th
          // itself: an instance whose start-up is about k-1 periods is routable by then whenever
          // the updater runs a few ms late, and that tick changes the deployment.
          const skip = Math.max(quietMs, minGapMs === undefined ? 0 : minGapMs - e.periodMs)
          if (timedGoal && skip > 0) notBefore = tick + skip
        } else lastTick = undefined
      }
      prevPoll = now
      fingerprint = fp
    }
    first = false

    const {value, reason} = deployment.status
    if (value === 'FINALIZED') {
      remember()
      if (reason === 'DEPLOYED' || o.goal === 'finalized') return report()
      if (reason === 'CANCELED') throw new WaitFailure('canceled', 'Deployment has been canceled', {deployment, instances})
      if (reason === 'SUPERSEDED')
        throw new WaitFailure('superseded', 'Deployment has been superseded by a newer deployment of this app', {deployment, instances})
      throw new WaitFailure('failed', `Deployment finished with ${value}/${reason}`, {deployment, instances})
    }
    if (o.goal === 'paused' && reason === DeploymentStatusReason.PAUSED) {
      remember()
      return report()
    }

    const web = deployment.new_processes.find((p) => p.type === 'web')
    // With the tick known from an earlier run, while the deployment keeps changing its instances
    // are fine and the next change comes on a known tick: stats (for crashes, progress and the due
    // signal) are read once it has been quiet a while. While learning the tick, every 3 s: the due
    // signal tells a long tick from a short one (floorMs).
    const statsEvery = o.goal === 'first-instance' ? 1000 : 3000
    // Before the first change on an API with nothing stored too: the first change comes when the
    // first instance is routable, and stats read earlier tell nothing the deployment won't.
    const quietFor =
      o.goal === 'first-instance' || !(schedule.estimator.usingPrior || (assumeDefault && schedule.estimator.observations === 0)) ? 0 : statsEvery + 1000
    if (web && o.goal !== 'finalized' && clock.now() - lastStats >= statsEvery && clock.now() - lastChange >= quietFor) {
      lastStats = clock.now()
      try {
        // Stats are padded with DOWN entries up to the desired count, so they give both.
        instances = summarizeStats(await capi.processes.stats(web.guid, o.signal))
      } catch (error) {
        if (!isTransient(error) && !(error instanceof CapiNotFound)) throw error
      }
      if (instances) {
        if (instances.routable > bestRoutable) {
          // The first reading is no progress unless an instance is routable already.
          if (bestRoutable >= 0 || instances.routable > 0) lastProgress = clock.now()
          bestRoutable = instances.routable
        }
        if (o.goal === 'first-instance' && instances.running > 0) return report()
        if (instances.crashed > 0 && instances.crashed === instances.desired) {
          const why = instances.reasons.length ? `: ${instances.reasons.join('; ')}` : ''
          throw new WaitFailure('crashed', `Start unsuccessful: all new instances crashed${why}`, {deployment, instances})
        }
        // Every new instance routable: the updater's next tick changes the deployment.
        if (instances.desired > 0 && instances.routable === instances.desired) {
          dueSince ??= clock.now()
          notBefore = undefined
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
    let next = Math.min(schedule.next(clock.now(), notBefore), deadline())
    // With a tick from an earlier run, every new instance routable, and a read just after a
    // predicted tick that saw no change: that tick may be running late (an updater runs late by
    // tens of ms now and then, and the ticks after stay late). One more read a little later,
    // rather than a period later.
    const known = dueSince !== undefined && !changedNow && prior !== undefined && schedule.estimator.usingPrior ? schedule.estimator.estimate() : undefined
    if (known && known.uncertaintyMs <= 300) {
      const tick = tickAtOrBefore(known, clock.now())
      if (clock.now() - tick < LATE_TICK_MS && latePollFor !== tick) {
        latePollFor = tick
        next = Math.min(next, clock.now() + LATE_TICK_MS)
      }
    }
    await clock.sleep(Math.max(0, next - clock.now()), o.signal)
  }

  function report(): DeploymentProgress {
    return {deployment, instances, target: o.target}
  }

  /**
   * Keep what was learned about the tick for the next run against this API: the finest
   * whole-second tick the changes leave possible (never finer than an earlier run's that still
   * fits), its phase, and how soon a started instance was seen to change the deployment.
   */
  function remember(): void {
    if (!store || !apiUrl) return
    let e = schedule.estimator.estimate()
    // A deployment that changed only twice (2 instances) never trusts an estimate while it runs,
    // but its two changes (with the due signal's floor) leave few whole-second periods: one, or
    // capi-release's default of 5 s among them, is kept, and the next run needs a single change
    // to know the phase. A wrong one is dropped there as soon as a change contradicts it.
    // A run that assumed the default tick and saw it hold (the estimator drops it otherwise) has
    // only checked it against its own changes: as loose, unless it saw three or more.
    const assumedHeld = schedule.assumption === 'held' || schedule.assumption === 'unconfirmed'
    const loose = !e || e.uncertaintyMs > 300 || (assumedHeld && schedule.estimator.observations < 3)
    if (loose) {
      const fits = schedule.estimator.wholeSecondFits(floorMs)
      e = fits.length === 1 ? fits[0] : fits.find((f) => f.periodMs === DEFAULT_TICK_MS)
    }
    if (!e) return
    // A prior (or the assumed tick) is followed give or take a step: a step off, it is still that.
    const whole = snapToWholeSecond(e.periodMs)
    if (whole !== e.periodMs) e = {...e, periodMs: whole, band: {minMs: whole, maxMs: whole}}
    // Cloud Controller's update_frequency_in_seconds is a whole number: a period that isn't (the
    // windows of a drifting updater happened to fit it) would mislead the next run.
    if (e.periodMs % 1000 !== 0) return
    // A period only known as a wide band (no whole second fits, the middle guessed) would mislead
    // the next run more than learning afresh.
    if (e.band.maxMs - e.band.minMs > 50) return
    const lattice = schedule.estimator.latticeMs()
    const base = lattice !== undefined && lattice % e.periodMs === 0 ? lattice : e.periodMs
    const fine = loose ? e.periodMs : finestTick(base, floorMs)
    const periodMs = schedule.estimator.usingPrior ? Math.max(e.periodMs, fine) : fine
    // Two lower bounds on how long this app's instances take to be routable: from the first
    // change after the deployment was created, and from the shortest time between two changes.
    const bounds = [
      firstChangeAfter === undefined ? undefined : firstChangeAfter - createdAt - periodMs,
      minGapMs === undefined ? undefined : minGapMs - periodMs,
    ]
    const runQuiet = timedGoal ? Math.max(...bounds.filter((b): b is number => b !== undefined)) : undefined
    const quiet = [runQuiet, prior?.periodMs === periodMs ? prior.quietMs : undefined].filter((q): q is number => q !== undefined && Number.isFinite(q))
    const quietMs = quiet.length > 0 ? Math.max(0, Math.min(...quiet)) : undefined
    // The latest tick (the windows' phase may be an older tick's; the updater has drifted since).
    const now = clock.now()
    const last = schedule.estimator.nextTick(now - e.periodMs, false)
    // Saved as the middle of the window and half its width (the next run's prior window is that
    // middle ± the uncertainty); an estimate's phase is the late end of a window `uncertaintyMs` wide.
    const tick =
      last && last.latest - last.earliest < e.periodMs / 2
        ? {phaseMs: (last.earliest + last.latest) / 2, uncertaintyMs: (last.latest - last.earliest) / 2}
        : {phaseMs: e.phaseMs - e.uncertaintyMs / 2, uncertaintyMs: e.uncertaintyMs / 2}
    try {
      store.save(apiUrl, {periodMs, phaseMs: tick.phaseMs, uncertaintyMs: tick.uncertaintyMs, at: now, ...(quietMs === undefined ? {} : {quietMs})})
    } catch {}
  }
}

/** What changes on an updater tick. */
function fingerprintOf(d: Deployment): string {
  return JSON.stringify([d.status.value, d.status.reason, d.status.details.last_successful_healthcheck, d.status.canary?.steps, d.new_processes, d.updated_at])
}
