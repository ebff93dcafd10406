import {describe, expect, it} from '@jest/globals'
import {renderProbeSummary} from '../../../src/probe/render.js'
import type {ProbeSummary} from '../../../src/probe/types.js'
import {bucketSeconds, renderProbeChart, type ProbeSecond} from '../../../src/report/probe-chart.js'

const s = (ok: number, failed: number, p50Ms: number, p95Ms: number, old: number, nw: number): ProbeSecond => ({ok, failed, p50Ms, p95Ms, old, new: nw})
/** Old droplet, a bad second, a fully failed one, the switch to the new droplet, a second with no answer. */
const SECONDS = [
  s(10, 0, 2, 4, 10, 0),
  s(10, 0, 2, 4, 10, 0),
  s(9, 1, 6, 20, 6, 3),
  s(0, 10, 0, 0, 0, 0),
  s(10, 0, 3, 8, 2, 8),
  s(10, 0, 2, 4, 0, 10),
  s(0, 0, 0, 0, 0, 0),
  s(10, 0, 2, 4, 0, 10),
]
const visible = (l: string) => [...l.replace(/\x1b\[[0-9;]*m/g, '')].length

describe('the probe chart', () => {
  it('draws availability, latency and the new droplet share with blocks on a terminal, a short run stretched', () => {
    expect(renderProbeChart(SECONDS, {mode: 'unicode'})).toEqual([
      'available   ██████▇▇▇▁▁▁██████   ███',
      'p50 ms      ▂▂▂▂▂▂▃▃▃   ▂▂▂▂▂▂   ▂▂▂',
      'p95 ms      ▂▂▂▂▂▂███   ▄▄▄▂▂▂   ▂▂▂',
      'new share   ▁▁▁▁▁▁▃▃▃   ▇▇▇███   ███',
      '            0s                    8s',
      '            3 columns per second; latency ▁ 0 to █ 20ms; new share: answers from',
      '            the new droplet, ▁ none to █ all',
    ])
  })

  it('draws ASCII digits for NO_COLOR and CI, with a legend that says how to read them', () => {
    const lines = renderProbeChart(SECONDS, {mode: 'plain', paint: (c, x) => `<${c}>${x}`})
    expect(lines).toEqual([
      'available   ------999000------   ---',
      'p50 ms      111111333   111111   111',
      'p95 ms      222222999   444222   222',
      'new share   000000333   777999   999',
      '            0s                    8s',
      '            3 columns per second; available: - all ok, 0-9 tenths ok; latency',
      '            0-9 of 20ms; new share 0-9 tenths; blank: no answer',
    ])
    expect(lines.join('\n')).toMatch(/^[\x20-\x7e\n]*$/)
  })

  it('colours the seconds with failures red, in unicode mode only', () => {
    const paint = (c: string, x: string) => `<${c}>${x}</${c}>`
    expect(renderProbeChart(SECONDS.slice(2, 4), {mode: 'unicode', paint})[0]).toBe(`available   ${'<red>▇</red>'.repeat(12)}${'<red>▁</red>'.repeat(12)}`)
  })

  it('shows one failure in a thousand below full', () => {
    const thirty = (mode: 'unicode' | 'plain') => renderProbeChart([...Array<ProbeSecond>(29).fill(s(1000, 0, 1, 1, 0, 0)), s(999, 1, 1, 1, 0, 0)], {mode})[0]
    expect(thirty('unicode')).toBe(`available   ${'█'.repeat(29)}▇`)
    expect(thirty('plain')).toBe(`available   ${'-'.repeat(29)}9`)
  })

  it('fits a long run into 80 columns, a few seconds a column, the axis ending at its length', () => {
    const long = Array.from({length: 600}, (_, i) => s(10, i === 300 ? 1 : 0, 2, 5, i < 310 ? 10 : 0, i < 310 ? 0 : 10))
    for (const mode of ['unicode', 'plain'] as const) {
      const lines = renderProbeChart(long, {mode, width: 80})
      for (const l of lines) expect(visible(l)).toBeLessThanOrEqual(80)
      expect(lines[0]).toMatch(/^available {3}\S{67}$/)
      expect(lines[4]).toMatch(/^ {12}0s .* 10m00s$/)
      expect(lines[5]).toContain('one column per 9 seconds')
    }
    expect(renderProbeChart(long, {mode: 'plain', width: 50})[0]).toMatch(/^available {3}\S{38}$/)
  })

  it('merges seconds: counts add up, p50 weighted by answers, p95 the worst', () => {
    expect(bucketSeconds([s(10, 0, 2, 4, 10, 0), s(30, 2, 6, 9, 0, 30), s(5, 0, 1, 1, 5, 0)], 2)).toEqual([s(40, 2, 5, 9, 10, 30), s(5, 0, 1, 1, 5, 0)])
  })

  it('leaves out the share row when the app does not say which droplet answered, and draws nothing without seconds', () => {
    expect(renderProbeChart([s(5, 0, 1, 1, 0, 0)], {mode: 'plain'}).some((l) => l.startsWith('new share'))).toBe(false)
    expect(renderProbeChart([], {mode: 'plain'})).toEqual([])
  })

  it('goes under the probe summary', () => {
    const p: ProbeSummary = {
      url: 'http://web.local/',
      ratePerSec: 10,
      sent: 70,
      ok: 59,
      failed: 11,
      availability: 84.286,
      longestFailureRun: 10,
      p50Ms: 2,
      p99Ms: 20,
      durationMs: 8000,
      droplets: [],
      failures: [],
      seconds: SECONDS,
    }
    const text = renderProbeSummary(p, {mode: 'plain'})
    expect(text).toContain('\n\navailable   ------999000------   ---\n')
    expect(renderProbeSummary({...p, seconds: undefined}, {mode: 'plain'})).not.toContain('available ')
  })
})
