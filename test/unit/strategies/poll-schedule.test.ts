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
function run(period: number, ticks: number, seed: number) {
  const r = rng(seed)
  const phase = r() * period
  const final = phase + ticks * period
  const sched = new PollSchedule({random: r})
  let now = 0
  let polls = 0
  let seenTicks = 0
  for (;;) {
    now = sched.next(now)
    polls++
    const ticksSoFar = Math.max(0, Math.floor((now - phase) / period) + 1)
    const changed = Math.min(ticksSoFar, ticks + 1) > seenTicks
    seenTicks = Math.min(ticksSoFar, ticks + 1)
    sched.record(now, changed)
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

  it('polls at least every maxGap even with a trusted estimate', () => {
    const s = new PollSchedule({maxGapMs: 3000, random: () => 0.5})
    s.record(0, false)
    expect(s.next(0)).toBeLessThanOrEqual(3000)
  })
})
