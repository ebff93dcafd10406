import {describe, expect, it} from '@jest/globals'
import {inFlight, niceStep, renderTimeline, spans, type TimelineEntry} from '../../../src/report/timeline.js'

const t0 = Date.parse('2026-01-01T00:00:00Z')
const at = (s: number) => new Date(t0 + s * 1000).toISOString()
const e = (name: string, from: number, to: number, status = 'restaged'): TimelineEntry => ({name, status, startedAt: at(from), finishedAt: at(to)})
const ENTRIES = [
  e('web', 0, 20),
  e('api', 0, 30, 'failed'),
  e('worker', 20, 50),
  e('batch', 30, 40, 'interrupted'),
  {name: 'old', status: 'skipped'},
  {name: 'later', status: 'pending'},
]
const visible = (l: string) => [...l.replace(/\x1b\[[0-9;]*m/g, '')].length

describe('the restage-all timeline', () => {
  it('draws apps in flight and a bar per app with blocks on a terminal', () => {
    expect(renderTimeline(ENTRIES, {mode: 'unicode', width: 60})).toEqual([
      `in flight (2 max)   ${'█'.repeat(27)}${'▅'.repeat(7)}`,
      'api                 ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓✗',
      'web                 ██████████████',
      'worker                           █████████████████████',
      'batch                                   ░░░░░░░',
      '                    0s              26s            50s',
      '                    █ restaged, ▓✗ failed, ░ interrupted;',
      '                    one column per 1.5s',
    ])
  })

  it('draws ASCII for NO_COLOR and CI: digits for apps in flight, = x ~ for the results', () => {
    const lines = renderTimeline(ENTRIES, {mode: 'plain', width: 60, paint: (c, x) => `<${c}>${x}`})
    expect(lines.slice(0, 5)).toEqual([
      `in flight (2 max)   ${'2'.repeat(27)}${'1'.repeat(7)}`,
      'api                 xxxxxxxxxxxxxxxxxxxX',
      'web                 ==============',
      'worker                           =====================',
      'batch                                   ~~~~~~~',
    ])
    expect(lines.join('\n')).toMatch(/^[\x20-\x7e\n]*$/)
  })

  it('colours the bars in unicode mode', () => {
    const lines = renderTimeline([e('a', 0, 10), e('b', 0, 10, 'failed')], {mode: 'unicode', paint: (c, x) => `<${c}>${x[0]}`})
    expect(lines[1]).toMatch(/^a {19}<green>█$/)
    expect(lines[2]).toMatch(/^b {19}<red>▓$/)
  })

  it('stays within 80 columns, clipping long names and control characters', () => {
    const long = 'a-very-long-application-name-that-goes-on'
    for (const mode of ['unicode', 'plain'] as const) {
      const lines = renderTimeline([e(long, 0, 600), e('x\u001b[31my', 5, 700)], {mode, width: 80})
      for (const l of lines) expect(visible(l)).toBeLessThanOrEqual(80)
      expect(lines[1].startsWith(mode === 'unicode' ? 'a-very-long-appli…  ' : 'a-very-long-app...  ')).toBe(true)
      expect(lines[2].startsWith('x?[31my ')).toBe(true)
    }
  })

  it('keeps to the in-flight row when there are many apps', () => {
    const many = Array.from({length: 40}, (_, i) => e(`app${i}`, i * 2, i * 2 + 8))
    const lines = renderTimeline(many, {mode: 'plain'})
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^in flight \(\d max\) {3}[0-9]+$/)
    expect(lines[1]).toBe(`${' '.repeat(20)}40 apps: one row each with --report FILE.html`)
  })

  it('picks a column width a reader can count with', () => {
    expect([50, 100, 101, 1200, 1250, 40_000, 5 * 3_600_000].map(niceStep)).toEqual([100, 100, 200, 1500, 1500, 60_000, 3_600_000 * 5])
  })

  it('draws nothing when no app ran', () => {
    expect(
      renderTimeline(
        [
          {name: 'a', status: 'skipped'},
          {name: 'b', status: 'pending'},
        ],
        {mode: 'plain'},
      ),
    ).toEqual([])
    expect(renderTimeline([], {mode: 'unicode'})).toEqual([])
  })

  it('uses the measured duration over whole-second timestamps, the timestamps when they are to the millisecond', () => {
    const coarse = (x: TimelineEntry) => ({...x, startedAt: x.startedAt!.replace(/\.\d+Z$/, 'Z'), finishedAt: x.finishedAt!.replace(/\.\d+Z$/, 'Z')})
    expect(spans([{...coarse(e('a', 10, 12)), durationMs: 2345}, coarse(e('b', 11, 11))])).toEqual([
      {name: 'a', status: 'restaged', fromMs: 0, toMs: 2345},
      {name: 'b', status: 'restaged', fromMs: 1000, toMs: 1000},
    ])
    // Retried: started at the first attempt, the duration is the last one's.
    expect(spans([{...e('a', 10, 12.5), durationMs: 900}])).toEqual([{name: 'a', status: 'restaged', fromMs: 0, toMs: 2500}])
  })

  it('counts the most apps in flight at any moment of a column, not one ending as another starts', () => {
    const list = spans([e('a', 0, 10), e('b', 10, 20), e('c', 5, 15)])
    expect(inFlight(list, 4, 5000)).toEqual([1, 2, 2, 1])
    expect(inFlight(spans([e('a', 0, 10), e('b', 10, 20)]), 1, 20_000)).toEqual([1])
  })
})
