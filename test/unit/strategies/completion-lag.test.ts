/**
 * Completion lag of watchDeployment against a simulated updater, on the injected clock: rolling
 * deployments (max-in-flight 1) of 1, 2, 4 and 10 instances with a 1 s and a 5 s tick and a 2 s
 * instance start-up, as the bench's short deployments. Each foundation first rolls a 10-instance
 * app (as any earlier deployment would), keeping what it learned in the tick store, then the
 * measured one. Lag: from the finalizing tick to the poll that saw it.
 */
import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import type {Deployment} from '../../../src/capi/resources/deployments.js'
import {FakeClock} from '../../../src/clock.js'
import type {SavedTick, TickStore} from '../../../src/strategies/tick-store.js'
import {watchDeployment} from '../../../src/strategies/wait.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()

function rng(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
}

class MemoryTickStore implements TickStore {
  saved = new Map<string, SavedTick>()
  load(apiUrl: string) {
    return this.saved.get(apiUrl)
  }
  save(apiUrl: string, tick: SavedTick) {
    this.saved.set(apiUrl, {...tick})
  }
}

const iso = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z')

/**
 * The updater's ticks: it sleeps its period minus the pass's duration (scheduler.rb), and wakes a
 * little late, so every tick comes a few ms after the period (more now and then on a loaded
 * machine): the phase drifts later, by tens of ms over a 10-instance deployment with a 1 s tick.
 */
class Updater {
  last: number
  private readonly ticks: number[] = []
  constructor(
    readonly tickMs: number,
    phase: number,
    private readonly r: () => number,
    readonly drift: boolean,
  ) {
    this.last = phase
    this.ticks.push(phase)
  }
  /** The first tick after t. */
  nextAfter(t: number): number {
    while (this.ticks.at(-1)! <= t) {
      const late = this.drift ? 1 + this.r() * 4 + (this.r() < 0.05 ? this.r() * 80 : 0) : 0
      this.ticks.push(this.ticks.at(-1)! + this.tickMs + late)
    }
    return this.ticks.find((x) => x > t)!
  }
}

/**
 * The updater (actions/scale.rb with max_in_flight 1): on each tick, when every new instance is
 * routable, finalize if all are there, else start one more (moving updated_at). Instances are
 * routable `startupMs` after they start; the first starts when the deployment is created. With a
 * 2 s start-up and a 1 s tick, each instance then takes 3 ticks: the changes fall on a 3 s lattice.
 */
function simulate(clock: FakeClock, o: {tickMs: number; phaseMs: number; startupMs: number; instances: number; updater: Updater}) {
  const created = clock.now()
  const starts = [created]
  let finalizedAt: number | undefined
  let updatedAt = created
  const advance = () => {
    for (let t = o.updater.nextAfter(o.updater.last); t <= clock.now() && finalizedAt === undefined; t = o.updater.nextAfter(t)) {
      o.updater.last = t
      if (t <= created) continue
      if (!starts.every((s) => s + o.startupMs <= t)) continue
      if (starts.length >= o.instances) finalizedAt = t
      // An instance starts a little after the tick that asked for it (Diego's own scheduling).
      else starts.push(t + 5)
      updatedAt = t
      if (process.env.LAG_TRACE) console.log('change at', t - created, finalizedAt === undefined ? '' : 'final')
    }
  }
  const deployment = () => {
    advance()
    const done = finalizedAt !== undefined
    return {
      guid: 'd1',
      created_at: iso(created),
      updated_at: iso(updatedAt),
      status: {value: done ? 'FINALIZED' : 'ACTIVE', reason: done ? 'DEPLOYED' : 'DEPLOYING', details: {last_successful_healthcheck: iso(starts.at(-1)!)}},
      strategy: 'rolling',
      options: {max_in_flight: 1},
      droplet: {guid: 'drop'},
      new_processes: [{guid: 'p-new', type: 'web'}],
      relationships: {app: {data: {guid: 'a1'}}},
      metadata: {labels: {}, annotations: {}},
    }
  }
  const stats = () => {
    advance()
    return {
      resources: starts.map((s, index) => ({
        type: 'web',
        index,
        state: s + o.startupMs <= clock.now() ? 'RUNNING' : 'STARTING',
        routable: s + o.startupMs <= clock.now(),
        details: null,
      })),
    }
  }
  return {deployment, stats, finalizedAt: () => finalizedAt}
}

async function rollOnce(
  clock: FakeClock,
  store: TickStore | null,
  o: {tickMs: number; phaseMs: number; instances: number; updater: Updater; random: () => number},
) {
  const sim = simulate(clock, {...o, startupMs: 2000})
  const started = clock.now()
  let requests = 0
  server.use(
    http.get(`${API}/v3/deployments/d1`, () => {
      requests++
      if (process.env.LAG_TRACE)
        console.log(
          'poll',
          clock.now() - started,
          o.instances,
          JSON.stringify(store?.load(API)),
          'next ticks',
          [1, 2, 3].map((k) => o.updater.nextAfter(clock.now() - 1000 * k + 1000) - started),
        )
      return HttpResponse.json(sim.deployment())
    }),
    http.get(`${API}/v3/processes/p-new/stats`, () => {
      requests++
      if (process.env.LAG_TRACE) console.log('stats', clock.now() - started)
      return HttpResponse.json(sim.stats())
    }),
  )
  const capi = new CapiClient({apiUrl: API, clock})
  await watchDeployment(capi, sim.deployment() as unknown as Deployment, {
    clock,
    tickStore: store,
    goal: 'deployed',
    target: o.instances,
    timeoutMs: 120_000,
    random: o.random,
  })
  const final = sim.finalizedAt()!
  return {lag: clock.now() - final, rate: requests / ((final - started) / 1000), requests}
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** One foundation: a 10-instance warm-up deployment, then the measured one a few seconds later. */
async function foundation(seed: number, tickMs: number, instances: number, warm = true, drift = true) {
  const r = rng(seed)
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z') + Math.floor(r() * 100_000))
  const phaseMs = Math.floor(r() * tickMs)
  const store = new MemoryTickStore()
  const updater = new Updater(tickMs, clock.now() - tickMs + phaseMs, r, drift)
  if (warm) {
    await rollOnce(clock, store, {tickMs, phaseMs, instances: 10, updater, random: r})
    clock.advance(2000 + Math.floor(r() * 10_000))
  }
  const result = await rollOnce(clock, store, {tickMs, phaseMs, instances, updater, random: r})
  return {...result, saved: store.load(API)}
}

describe('completion lag (simulated updater, 2 s start-up)', () => {
  it.each([
    {instances: 1, tickMs: 1000},
    {instances: 2, tickMs: 1000},
    {instances: 4, tickMs: 1000},
    {instances: 10, tickMs: 1000},
    {instances: 1, tickMs: 5000},
    {instances: 2, tickMs: 5000},
    {instances: 4, tickMs: 5000},
    {instances: 10, tickMs: 5000},
  ])(
    '$instances instance(s), $tickMs ms tick, after an earlier deployment (drifting updater): median lag ≤ 200 ms at ≤ 1 request/s, a tick missed in 1 run of 15 at most',
    async ({instances, tickMs}) => {
      const runs = []
      for (let i = 1; i <= 15; i++)
        if (!process.env.LAG_ONLY || Number(process.env.LAG_ONLY) === i) runs.push(await foundation(i * 7919 + instances * 31 + tickMs, tickMs, instances))
      if (process.env.LAG_DEBUG)
        console.log(instances, tickMs, median(runs.map((x) => x.lag)), median(runs.map((x) => x.rate)).toFixed(2), JSON.stringify(runs.map((x) => x.lag)))
      // 200 ms here: the command's reads after DEPLOYED and its exit add about 100 ms on the bench.
      expect(median(runs.map((x) => x.lag))).toBeLessThanOrEqual(200)
      expect(median(runs.map((x) => x.rate))).toBeLessThanOrEqual(1)
      // A tick missed, at most once in 15 runs. At a 1 s tick, the 2 s start-up sits on a whole
      // number of ticks, so a few ms of the updater's lateness decide whether an instance takes
      // 2 ticks or 3: skipping the tick before the usual one missed 3 of 15 at 4 and at 10
      // instances. At a 5 s tick, a tick that came late after a lateness spike missed 2 of 15 at
      // 10 instances, before a read just after a due tick that saw no change was read again.
      if (!process.env.LAG_ONLY) expect(runs.filter((x) => x.lag >= 0.9 * tickMs).length).toBeLessThanOrEqual(1)
    },
  )

  it.each([
    {instances: 1, tickMs: 1000},
    {instances: 10, tickMs: 1000},
    {instances: 1, tickMs: 5000},
    {instances: 10, tickMs: 5000},
  ])(
    '$instances instance(s), $tickMs ms tick, on a fresh API (nothing stored): learns the tick as it goes, or reads at about the cf CLI’s pace',
    async ({instances, tickMs}) => {
      const runs = []
      for (let i = 1; i <= 15; i++) runs.push(await foundation(i * 104_729 + instances, tickMs, instances, false))
      if (process.env.LAG_DEBUG)
        console.log(
          'fresh',
          instances,
          tickMs,
          median(runs.map((x) => x.lag)),
          median(runs.map((x) => x.rate)).toFixed(2),
          JSON.stringify(runs.map((x) => x.lag)),
          'requests',
          median(runs.map((x) => x.requests)),
        )
      if (instances === 1) {
        // One change, the last: read 3 s after the deployment was created, then every 2-2.6 s (the
        // cf CLI reads every 3 s: half of that on average).
        expect(median(runs.map((x) => x.lag))).toBeLessThanOrEqual(1300)
        expect(median(runs.map((x) => x.rate))).toBeLessThanOrEqual(0.6)
      } else {
        // Ten changes: the tick is learned (or the default one assumed holds) and the last one is
        // seen soon after it.
        expect(median(runs.map((x) => x.lag))).toBeLessThanOrEqual(tickMs === 5000 ? 300 : 1000)
        expect(median(runs.map((x) => x.rate))).toBeLessThanOrEqual(tickMs === 5000 ? 0.5 : 1)
        // And every run keeps the tick for the next one (an assumed 5 s tick followed as 5010 ms
        // was once left unsaved).
        expect(runs.map((x) => x.saved?.periodMs)).toEqual(runs.map(() => tickMs))
      }
    },
  )
})

describe('the tick kept for the next run', () => {
  it('is kept by every first run on a fresh API that sees it hold (10 and 20 instances, 5 s tick, 40 foundations)', async () => {
    const kept = []
    for (let i = 1; i <= 40; i++)
      if (!process.env.LAG_ONLY || Number(process.env.LAG_ONLY) === i)
        kept.push((await foundation(i * 65_537 + 11, 5000, i % 2 === 0 ? 10 : 20, false)).saved?.periodMs)
    // Two ways this went wrong: an assumed 5 s tick followed as 5010 ms (a step off) was left
    // unsaved, and one a drift spike moved to a fifth of itself (as a stored tick may, when an
    // earlier run saw every 5th tick only) was kept as 1 s.
    if (process.env.LAG_DEBUG) console.log(JSON.stringify(kept))
    expect(kept).toEqual(kept.map(() => 5000))
  })

  it.each([
    {tickMs: 1000, seed: 11},
    {tickMs: 1000, seed: 12},
    {tickMs: 5000, seed: 13},
  ])('is the updater’s $tickMs ms tick, not the 3-tick lattice a slow-starting deployment changes on', async ({tickMs, seed}) => {
    const r = rng(seed)
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z') + Math.floor(r() * 100_000))
    const store = new MemoryTickStore()
    const phaseMs = Math.floor(r() * tickMs)
    await rollOnce(clock, store, {tickMs, phaseMs, instances: 10, updater: new Updater(tickMs, clock.now() - tickMs + phaseMs, r, true), random: r})
    const saved = store.load(API)!
    expect(saved.periodMs).toBe(tickMs)
    // Instances took 2 s to be routable: quietMs is a lower bound of that (2005 ms from the tick that started them).
    expect(saved.quietMs).toBeGreaterThanOrEqual(tickMs === 1000 ? 1000 : 0)
    expect(saved.quietMs).toBeLessThanOrEqual(2005)
  })
})

describe('a 2-instance app on a fresh API (no other deployment to learn from)', () => {
  it('its first run assumes the default 5 s tick after its first change, sees it hold and keeps it; its next run waits with fewer reads', async () => {
    const runs = []
    for (const seed of [21, 22, 23, 24, 25, 26, 27]) {
      const r = rng(seed)
      const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z') + Math.floor(r() * 100_000))
      const store = new MemoryTickStore()
      const tickMs = 5000
      const phaseMs = Math.floor(r() * tickMs)
      const updater = new Updater(tickMs, clock.now() - tickMs + phaseMs, r, true)
      const first = await rollOnce(clock, store, {tickMs, phaseMs, instances: 2, updater, random: r})
      expect(store.load(API)?.periodMs).toBe(tickMs)
      clock.advance(2000 + Math.floor(r() * 20_000))
      const second = await rollOnce(clock, store, {tickMs, phaseMs, instances: 2, updater, random: r})
      if (process.env.LAG_DEBUG) process.stderr.write(`2-instance seed ${seed}: ${first.requests} then ${second.requests} requests, lag ${second.lag}\n`)
      runs.push({first, second})
    }
    // The first run reads 3 s after creation and every 2-2.6 s until the first change, then on
    // the assumed tick (3-6 reads here, where learning polls about once a second took 7-11); the
    // next one, knowing the tick, once a tick (2-5).
    expect(median(runs.map((x) => x.first.requests))).toBeLessThanOrEqual(5)
    expect(median(runs.map((x) => x.second.requests))).toBeLessThanOrEqual(3)
    expect(median(runs.map((x) => x.second.lag))).toBeLessThanOrEqual(300)
  })
})
