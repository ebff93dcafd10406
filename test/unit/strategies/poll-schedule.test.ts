import {describe, expect, it} from '@jest/globals'
import {PollSchedule} from '../../../src/strategies/poll-schedule.js'

function rng(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
}

/**
 * A deployment that changes on each of `ticks` updater ticks and is DEPLOYED on the last one.
 * Returns how long after that last tick the poller noticed, and its request rate.
 */
function run(
  period: number,
  ticks: number,
  seed: number,
  o: {learnMinMs?: number; learnMaxMs?: number; changeEvery?: number; prior?: {periodMs: number; phaseOffsetMs?: number; uncertaintyMs?: number}} = {},
) {
  const r = rng(seed)
  const phase = r() * period
  const final = phase + ticks * period
  // An earlier run's tick: the same updater, some periods ago (phaseOffsetMs: how far off it is now).
  const prior = o.prior && {
    periodMs: o.prior.periodMs,
    ...(o.prior.uncertaintyMs === undefined ? {} : {phaseMs: phase - 7 * period + (o.prior.phaseOffsetMs ?? 0), uncertaintyMs: o.prior.uncertaintyMs}),
  }
  const sched = new PollSchedule({
    random: r,
    prior,
    estimator: {wholeSeconds: period % 1000 === 0},
    ...(o.learnMinMs ? {learnMinMs: o.learnMinMs, learnMaxMs: o.learnMaxMs} : {}),
  })
  // The deployment changes on every `changeEvery`-th tick (instances that take longer than a
  // tick to start leave the updater nothing to do in between), the last one included.
  const every = o.changeEvery ?? 1
  const changesBy = (t: number) => {
    const k = Math.min(Math.max(0, Math.floor((t - phase) / period) + 1), ticks + 1)
    return Math.floor((k + ((ticks + 1) % every)) / every)
  }
  let now = 0
  let polls = 0
  let seen = 0
  for (;;) {
    now = sched.next(now)
    polls++
    const c = changesBy(now)
    sched.record(now, c > seen)
    seen = c
    if (now >= final) return {lag: now - final, rate: polls / (now / 1000)}
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

describe('PollSchedule', () => {
  it.each([
    {period: 5000, ticks: 10},
    {period: 2000, ticks: 10},
    {period: 3700, ticks: 12},
  ])('sees a $period ms tick within 0.3 s (median) at under 1 request/s, over $ticks ticks', ({period, ticks}) => {
    const runs = Array.from({length: 40}, (_, i) => run(period, ticks, i + 1))
    expect(median(runs.map((x) => x.lag))).toBeLessThanOrEqual(300)
    expect(Math.max(...runs.map((x) => x.lag))).toBeLessThanOrEqual(3000)
    expect(median(runs.map((x) => x.rate))).toBeLessThanOrEqual(1.05)
  })

  it('learns the 5 s tick within a 10-instance rolling deployment with watchDeployment’s 1-1.6 s learning polls', () => {
    const runs = Array.from({length: 60}, (_, i) => run(5000, 10, i + 1, {learnMinMs: 1000, learnMaxMs: 1600}))
    const lags = runs.map((x) => x.lag).sort((a, b) => a - b)
    expect(median(lags)).toBeLessThanOrEqual(200)
    // Not just the median: a tick predicted wrong costs up to maxGap, so the tail shows it.
    expect(lags[Math.floor(lags.length * 0.9)]).toBeLessThanOrEqual(400)
    expect(median(runs.map((x) => x.rate))).toBeLessThanOrEqual(0.7)
  })

  it('follows a deployment that changes on every other tick (instances slower than the tick)', () => {
    const runs = Array.from({length: 60}, (_, i) => run(5000, 19, i + 1, {learnMinMs: 1000, learnMaxMs: 1600, changeEvery: 2}))
    expect(median(runs.map((x) => x.lag))).toBeLessThanOrEqual(300)
    expect(median(runs.map((x) => x.rate))).toBeLessThanOrEqual(0.7)
  })

  it('stays under a second of lag and one request a second with a slow 30 s tick', () => {
    const runs = Array.from({length: 40}, (_, i) => run(30_000, 8, i + 1))
    expect(median(runs.map((x) => x.lag))).toBeLessThanOrEqual(1000)
    expect(median(runs.map((x) => x.rate))).toBeLessThanOrEqual(1.05)
  })

  it('falls back to about one poll a second for deployments too short to learn the tick', () => {
    const runs = Array.from({length: 40}, (_, i) => run(5000, 2, i + 1))
    expect(Math.max(...runs.map((x) => x.lag))).toBeLessThanOrEqual(1300)
    expect(median(runs.map((x) => x.lag))).toBeLessThanOrEqual(700)
    expect(median(runs.map((x) => x.rate))).toBeLessThanOrEqual(1.2)
  })

  it.each([
    {period: 2000, ticks: 2, rate: 0.7},
    {period: 5000, ticks: 1, rate: 0.5},
    {period: 5000, ticks: 3, rate: 0.5},
    // Polling on every tick of a 1 s updater is one request a second; watchDeployment skips the
    // ticks before the started instances can be routable (notBefore) to stay under it.
    {period: 1000, ticks: 5, rate: 1.25},
  ])('with the tick an earlier run kept, sees a short deployment ($ticks ticks of $period ms) within 0.3 s', ({period, ticks, rate}) => {
    const runs = Array.from({length: 40}, (_, i) =>
      run(period, ticks, i + 1, {learnMinMs: 1000, learnMaxMs: 1600, prior: {periodMs: period, uncertaintyMs: 60, phaseOffsetMs: 25}}),
    )
    expect(median(runs.map((x) => x.lag))).toBeLessThanOrEqual(300)
    expect(median(runs.map((x) => x.rate))).toBeLessThanOrEqual(rate)
  })

  it('narrows a change window to the second its timestamp names', () => {
    const s = new PollSchedule({estimator: {minWindows: 1, maxUncertaintyMs: 5000}})
    s.record(10_000, false)
    s.record(15_000, true, {from: 12_000, to: 13_000})
    expect(s.estimator.estimate()).toMatchObject({phaseMs: 13_000, uncertaintyMs: 1000})
    s.record(21_000, true, {from: 7_000, to: 8_000}) // a server clock far off: ignored
    expect(s.estimator.observations).toBe(2)
  })

  it('skips predicted ticks before notBefore', () => {
    const s = new PollSchedule({prior: {periodMs: 1000, phaseMs: 0, uncertaintyMs: 20}})
    s.record(100, false)
    expect(s.next(100)).toBeGreaterThanOrEqual(1000)
    expect(s.next(100)).toBeLessThan(1100)
    const later = s.next(100, 2500)
    expect(later).toBeGreaterThanOrEqual(3000)
    expect(later).toBeLessThan(3100)
  })

  it('before the first change on a fresh API: the first read after firstReadMs, then every firstMin-firstMaxMs', () => {
    const s = new PollSchedule({firstReadMs: 3000, firstMinMs: 2000, firstMaxMs: 2600, learnMinMs: 1000, learnMaxMs: 1600, random: () => 0.5})
    s.record(0, false)
    expect(s.next(0)).toBe(3000)
    s.record(3000, false)
    expect(s.next(3000)).toBe(5300)
    s.record(5300, true, {from: 5000, to: 6000})
    // After a change (and nothing assumed), learning polls again.
    expect(s.next(5300)).toBe(6600)
  })

  it('an assumed tick: polls stay within maxGap until a change comes on it, and a change off it drops it', () => {
    const held = new PollSchedule({maxGapMs: 3000, random: () => 0.5})
    held.record(0, false)
    held.record(2600, true, {from: 2000, to: 3000})
    held.assume(5000)
    expect(held.assumption).toBe('unconfirmed')
    // The next tick is due in 7000-7600: a read at 5600 first, as the gap may not exceed 3 s.
    expect(held.next(2600)).toBe(5600)
    held.record(5600, false)
    // Split once (600 ms at most is left unsplit), then just after its end.
    const mid = held.next(5600)
    expect(mid).toBeGreaterThan(7000)
    expect(mid).toBeLessThan(7600)
    held.record(7700, true, {from: 7000, to: 8000})
    expect(held.assumption).toBe('held')
    // Held: no read in between the ticks any more.
    expect(held.next(7700)).toBeGreaterThan(11_000)

    const off = new PollSchedule({maxGapMs: 3000, random: () => 0.5})
    off.record(0, false)
    off.record(2600, true, {from: 2000, to: 3000})
    off.assume(5000)
    off.record(5600, true, {from: 4000, to: 5000}) // two seconds after the first: not a 5 s tick
    expect(off.assumption).toBe('dropped')
    expect(off.estimator.usingPrior).toBe(false)
  })

  it('polls at least every maxGap even with a trusted estimate', () => {
    const s = new PollSchedule({maxGapMs: 3000, random: () => 0.5})
    s.record(0, false)
    expect(s.next(0)).toBeLessThanOrEqual(3000)
  })
})
