import {describe, expect, it} from '@jest/globals'
import {snapToWholeSecond, TickEstimator} from '../../../src/strategies/tick-estimator.js'

/** A seeded PRNG so the simulations are repeatable. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
}

/** Poll with jittered intervals; a change is visible at a poll when a tick happened since the previous poll. */
function simulate(periodMs: number, phaseMs: number, ticks: number, seed: number, minGap = 700, maxGap = 1300) {
  const r = rng(seed)
  // Cloud Controller's tick is a whole number of seconds; an odd one is learned with wholeSeconds off.
  const est = new TickEstimator({wholeSeconds: periodMs % 1000 === 0})
  let prev = 0
  let t = 0
  const end = phaseMs + ticks * periodMs
  while (t < end) {
    t = prev + minGap + r() * (maxGap - minGap)
    const ticked = Math.floor((t - phaseMs) / periodMs) > Math.floor((prev - phaseMs) / periodMs)
    if (ticked && prev > 0) est.observe({after: prev, atOrBefore: t})
    prev = t
  }
  return {est, now: t}
}

describe('TickEstimator', () => {
  it.each([
    {name: 'capi-release default 5 s', period: 5000, phase: 1234},
    {name: 'dev config 30 s', period: 30_000, phase: 17_000},
    {name: 'fast local tick 2 s', period: 2000, phase: 300},
    {name: 'odd period 3.7 s', period: 3700, phase: 999},
  ])('learns the period and predicts the next tick without polling early: $name', ({period, phase}) => {
    let trusted = 0
    for (let seed = 1; seed <= 20; seed++) {
      const {est, now} = simulate(period, phase, 12, seed)
      const e = est.estimate()
      if (!e) continue
      trusted++
      expect(Math.abs(e.periodMs - period)).toBeLessThanOrEqual(period * 0.02 + 20)
      const next = est.nextTick(now)!
      const trueNext = phase + (Math.floor((now - phase) / period) + 1) * period
      // The true tick lies in the predicted window, and the window is narrow enough to beat a 1 s poll.
      expect(next.latest).toBeGreaterThanOrEqual(trueNext)
      expect(next.earliest).toBeLessThanOrEqual(trueNext)
      expect(next.latest - next.earliest).toBeLessThanOrEqual(1100)
    }
    expect(trusted).toBeGreaterThanOrEqual(12)
  })

  it('predicts the nearest tick only, even when some fitting periods put it already past', () => {
    // Windows that fit a band of periods around 5 s; just after the early end of the band's
    // prediction, the window must stay on this tick, not stretch to the one after.
    const est = new TickEstimator({maxUncertaintyMs: 2000, wholeSeconds: false})
    for (const [a, b] of [
      [900, 2100],
      [5800, 7000],
      [10_950, 12_100],
    ])
      est.observe({after: a, atOrBefore: b})
    const e = est.estimate()!
    expect(e.band.maxMs - e.band.minMs).toBeGreaterThan(0)
    const first = est.nextTick(14_000)!
    const later = est.nextTick(first.earliest + 10)!
    expect(later.latest).toBeLessThanOrEqual(first.latest)
    expect(later.latest - later.earliest).toBeLessThan(e.periodMs / 2)
  })

  it('takes a whole second in the band as the period (update_frequency_in_seconds)', () => {
    const est = new TickEstimator({maxUncertaintyMs: 2000})
    for (const [a, b] of [
      [900, 2100],
      [5800, 7000],
      [10_950, 12_100],
    ])
      est.observe({after: a, atOrBefore: b})
    expect(est.estimate()?.periodMs).toBe(5000)
  })

  it('finds a finer tick than an earlier run saw (it saw only every third tick)', () => {
    const est = new TickEstimator({}, {periodMs: 3000, phaseMs: 0, uncertaintyMs: 30})
    est.observe({after: 30_950, atOrBefore: 31_050})
    expect(est.estimate()?.periodMs).toBe(1000)
    expect(est.usingPrior).toBe(true)
  })

  it('drops a prior that a narrow window contradicts', () => {
    const est = new TickEstimator({}, {periodMs: 5000, phaseMs: 0, uncertaintyMs: 30})
    est.observe({after: 31_650, atOrBefore: 31_750})
    expect(est.estimate()).toBeUndefined()
    expect(est.usingPrior).toBe(false)
  })

  it('gives no estimate from too few observations', () => {
    const est = new TickEstimator()
    est.observe({after: 0, atOrBefore: 900})
    est.observe({after: 4900, atOrBefore: 5800})
    expect(est.estimate()).toBeUndefined()
    expect(est.nextTickAfter(6000)).toBeUndefined()
  })

  it('ignores windows that do not move forward', () => {
    const est = new TickEstimator()
    est.observe({after: 1000, atOrBefore: 1000})
    expect(est.observations).toBe(0)
  })

  it('drops a trusted estimate when a change is seen where no tick could be', () => {
    const {est} = simulate(5000, 1234, 12, 5)
    expect(est.estimate()).toBeDefined()
    const p = est.estimate()!
    // A change observed in a narrow window half a period away from every predicted tick.
    const off = p.phaseMs + p.periodMs * 3 + p.periodMs / 2
    est.observe({after: off - 100, atOrBefore: off + 100})
    const after = est.estimate()
    expect(after === undefined || Math.abs(after.periodMs - 5000) > 100).toBe(true)
  })
})

describe('snapToWholeSecond', () => {
  it('takes a period a step off a whole second (a prior followed give or take a step) as that second, and leaves others', () => {
    expect([5010, 4990, 5000, 1010, 5020, 2500, 990].map((p) => snapToWholeSecond(p))).toEqual([5000, 5000, 5000, 1000, 5020, 2500, 1000])
    expect(snapToWholeSecond(4)).toBe(4)
  })

  it('follows an exact prior a step off it (5010 ms for 5000), which snapToWholeSecond takes back', () => {
    // Windows 5010 ms apart, each 20 ms wide: 5000 fits no longer, 5010 does.
    const est = new TickEstimator({maxUncertaintyMs: 1200, driftPerTickMs: 0}, {periodMs: 5000, exact: true})
    for (let k = 0; k < 6; k++) est.observe({after: 100_000 + k * 5010 - 10, atOrBefore: 100_000 + k * 5010 + 10})
    expect(est.usingPrior).toBe(true)
    expect(est.estimate()?.periodMs).toBe(5010)
    expect(snapToWholeSecond(est.estimate()!.periodMs)).toBe(5000)
  })
})
