/**
 * Run the restages: a scheduler starts apps while the pacer allows (--concurrency, rate limit,
 * staging capacity), each app goes through operate() (the code `cfzd restage` runs), and every
 * outcome lands in its report entry, which is saved at once.
 *
 * One app's failure never stops the others. A failure worth retrying (staging capacity, a build
 * already staging, the rate limit, quota held by other apps in flight) puts the app back in the
 * queue with a not-before time. On Ctrl-C no new app starts; the apps in flight are cancelled or
 * rolled back by their strategy (it watches the same signal) and are reported as interrupted.
 *
 * The scheduler waits on events (an app finishing) or on the clock (a pause or a retry coming
 * due), never in a polling loop, so tests run it on a FakeClock.
 */
import type {TickStore} from '../strategies/tick-store.js'
import type {StagingStore} from '../strategies/staging-store.js'
import type {CapiClient} from '../capi/client.js'
import {CapiNotFound} from '../capi/errors.js'
import type {App} from '../capi/resources/apps.js'
import type {Clock} from '../clock.js'
import {operate as realOperate} from '../strategies/index.js'
import type {DeployOptions, OperationEnv} from '../strategies/types.js'
import type {Ui} from '../ui/ui.js'
import type {RateLimitInfo} from '../capi/http.js'
import {requestBudget, type RequestBudget} from './budget.js'
import {memoryGuard} from './lean.js'
import {Prefetcher} from './prefetch.js'
import {classifyFailure, decideRetry, type Pacer, type RetryPolicy} from './pacing.js'
import type {Progress, Tally} from './progress.js'
import type {AppRef, ReportEntry, SkipReason} from './types.js'

export interface WorkItem {
  app: AppRef
  entry: ReportEntry
  /** Runs so far. */
  attempt: number
  /** Not to be started before this time (a retry's backoff). */
  notBefore: number
}

export interface ExecuteDeps {
  capi: CapiClient
  clock: Clock
  signal: AbortSignal
  ui: Ui
  tickStore?: TickStore | null
  stagingStore?: StagingStore | null
  progress: Progress
  pacer: Pacer
  /** Persist the report (called after every app). */
  save: () => Promise<void>
  /** The operation; the real one unless a test swaps it. */
  operate?: typeof realOperate
  random?: () => number
  retryPolicy?: RetryPolicy
  /** Batched reads before each app (a test may pass its own). */
  prefetch?: Prefetcher
}

export interface ExecuteOptions {
  deploy: DeployOptions
  includeStopped: boolean
  /** For the progress display, e.g. "ruby_buildpack apps". */
  title: string
  /** Told the request budget after every app (the report keeps the last). */
  budget?: (b: RequestBudget) => void
}

/** A signal that aborts with `outer` or when `inner` is aborted (AbortSignal.any needs Node 20.3). */
function either(outer: AbortSignal, inner: AbortController): AbortSignal {
  if (outer.aborted) inner.abort()
  else outer.addEventListener('abort', () => inner.abort(), {once: true, signal: inner.signal})
  return inner.signal
}

export const iso = (t: number) => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z')
export const labelOf = (a: Pick<AppRef, 'org' | 'space' | 'name'>) => `${a.org}/${a.space}/${a.name}`

export async function execute(items: WorkItem[], deps: ExecuteDeps, o: ExecuteOptions): Promise<{interrupted: boolean; tally: Tally}> {
  const {capi, clock, signal, progress, pacer} = deps
  const operate = deps.operate ?? realOperate
  const queue = [...items]
  const running = new Set<Promise<void>>()
  const tally: Tally = {total: items.length, finished: 0, restaged: 0, failed: 0, skipped: 0}
  const env: OperationEnv = {
    capi,
    clock,
    signal,
    ui: deps.ui,
    tickStore: deps.tickStore,
    stagingStore: deps.stagingStore,
    reads: new Map(),
    skipRenameCheck: true,
  }
  const guard = memoryGuard()
  // Requests made and the rate limit last reported, for the request budget (budget.ts).
  const execStarted = clock.now()
  let made = 0
  let rateLimit: RateLimitInfo | undefined
  const prefetch = deps.prefetch ?? new Prefetcher(capi, clock)
  /** Apps that may start next, in queue order (first attempts only: a retry reads afresh). */
  const upcoming = () => {
    const now = clock.now()
    return queue.filter((x) => x.attempt === 0 && x.notBefore <= now).map((x) => x.app.guid)
  }

  const finish = async (item: WorkItem, started: number) => {
    const e = item.entry
    const now = clock.now()
    e.finishedAt = new Date(now).toISOString() // to the millisecond: the timeline shows which apps overlapped
    e.durationMs = now - started
    if (e.status !== 'interrupted') tally.finished++
    if (e.status === 'restaged') tally.restaged++
    else if (e.status === 'failed') tally.failed++
    else if (e.status === 'skipped') tally.skipped++
    progress.finished(item.app.guid, labelOf(item.app), e, {...tally})
    const b = requestBudget({
      apps: tally.total - tally.finished,
      strategy: o.deploy.strategy,
      now,
      rateLimit,
      made,
      // The others in flight have made about half their requests.
      finished: tally.finished + Math.max(0, running.size - 1) / 2,
      msPerApp: (now - execStarted) / Math.max(1, tally.finished),
    })
    o.budget?.(b)
    if (b.limit !== undefined) progress.budget?.(b)
    guard()
    await deps.save()
  }

  const skip = (e: ReportEntry, reason: SkipReason, detail: string) => {
    e.status = 'skipped'
    e.reason = reason
    e.detail = detail
  }

  async function runOne(item: WorkItem): Promise<void> {
    const {app, entry} = item
    item.attempt++
    entry.attempts = item.attempt
    const started = clock.now()
    entry.startedAt ??= new Date(started).toISOString()
    progress.started(app.guid, labelOf(app), item.attempt)
    try {
      // Read the app again: minutes may have passed since discovery.
      // With the next apps' in one batch, when nothing fresh is at hand (prefetch.ts).
      const known = item.attempt === 1 ? await prefetch.take(app.guid, upcoming(), pacer.max) : undefined
      // The batch's list no longer has it: deleted since discovery, as a 404 would say.
      if (known?.app === null) {
        skip(entry, 'gone', 'deleted since discovery')
        return await finish(item, started)
      }
      let fresh: App
      try {
        fresh = known?.app ?? (await capi.apps.get(app.guid))
      } catch (error) {
        if (!(error instanceof CapiNotFound)) throw error
        skip(entry, 'gone', 'deleted since discovery')
        return await finish(item, started)
      }
      const rel = fresh.relationships.current_droplet
      const current = rel === undefined ? ((await capi.apps.getCurrentDropletGuid(app.guid)) ?? null) : (rel.data?.guid ?? null)
      if (entry.droplet && current !== entry.droplet.guid) {
        skip(entry, 'changed', `its current droplet changed since discovery (now ${current ?? 'none'}): restaged by someone else?`)
        return await finish(item, started)
      }
      if (fresh.state !== 'STARTED' && !o.includeStopped) {
        skip(entry, 'stopped', 'stopped since discovery (use --include-stopped to give it a new droplet and leave it stopped)')
        return await finish(item, started)
      }
      entry.state = fresh.state
      if (signal.aborted) {
        // Ctrl-C came while reading the app: it was never started.
        if (item.attempt === 1) entry.startedAt = entry.attempts = undefined
        return
      }
      const target = {org: {guid: app.orgGuid, name: app.org}, space: {guid: app.spaceGuid, name: app.space}}
      const opEnv: OperationEnv = known ? {...env, known: (g) => (g === app.guid ? known : undefined)} : env
      const result = await operate(
        opEnv,
        target,
        fresh,
        {kind: 'restage', appName: fresh.name, opts: o.deploy},
        {
          renderer: 'silent',
          beforeStep: (id) => progress.step(app.guid, id),
        },
      )
      entry.status = 'restaged'
      entry.reason = undefined
      entry.detail = result.outcome === 'staged' ? 'stopped: staged and given the new droplet, left stopped' : undefined
      entry.newDroplet = result.droplet?.guid
      if (result.app.guid !== app.guid) entry.newGuid = result.app.guid
      if (result.warnings.length) entry.warnings = result.warnings
      if (result.left.length) entry.left = result.left
      pacer.onSuccess()
      return await finish(item, started)
    } catch (error) {
      const f = classifyFailure(error, signal.aborted)
      if (f.kind === 'interrupted') {
        entry.status = 'interrupted'
        entry.reason = 'interrupted'
        entry.detail = f.message
        return await finish(item, started)
      }
      const d = decideRetry(f, item.attempt, {othersInFlight: running.size - 1, random: deps.random}, deps.retryPolicy)
      if (d.retry) {
        if (f.kind === 'capacity' || f.kind === 'rate-limited') pacer.slowDown()
        item.notBefore = clock.now() + d.delayMs
        entry.status = 'pending'
        entry.reason = f.kind
        entry.detail = `will try again: ${f.message}`
        queue.push(item)
        progress.retrying(app.guid, labelOf(app), d.why, d.delayMs, item.attempt)
        return await deps.save()
      }
      entry.status = 'failed'
      entry.reason = f.kind
      entry.detail = f.message
      return await finish(item, started)
    }
  }

  await progress.begin(o.title, {...tally})
  const stopObserving = capi.http.observe((e) => {
    made++
    if (e.rateLimit) rateLimit = e.rateLimit
    if (pacer.onResponse(e, clock.now())) progress.paused(pacer.pauseReason, pacer.pausedUntil)
  })
  try {
    while (!signal.aborted && (queue.length > 0 || running.size > 0)) {
      const now = clock.now()
      const limit = pacer.limit(now)
      if (running.size < limit) {
        const i = queue.findIndex((x) => x.notBefore <= now)
        if (i >= 0) {
          const [item] = queue.splice(i, 1)
          const p: Promise<void> = runOne(item)
            .catch((error) => deps.ui.warn(`Unexpected error restaging ${labelOf(item.app)}: ${(error as Error).message}`))
            .finally(() => running.delete(p))
          running.add(p)
          continue
        }
      }
      // Nothing can start now: wait for an app to finish, or until something may start.
      let wakeAt: number | undefined
      if (queue.length > 0) {
        if (now < pacer.pausedUntil) wakeAt = pacer.pausedUntil
        else if (running.size < limit) wakeAt = Math.min(...queue.map((x) => x.notBefore))
      }
      if (wakeAt === undefined && running.size === 0) wakeAt = now + 1000
      const local = new AbortController()
      const waits: Promise<unknown>[] = [...running]
      if (wakeAt !== undefined) waits.push(clock.sleep(Math.max(0, wakeAt - now), either(signal, local)).catch(() => {}))
      await Promise.race(waits)
      local.abort()
    }
    await Promise.all(running)
  } finally {
    stopObserving()
    await progress.end({...tally}, signal.aborted)
  }
  return {interrupted: signal.aborted, tally}
}
