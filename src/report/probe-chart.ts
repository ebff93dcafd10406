/**
 * The probe's report over time, one column per second (or per few seconds, to fit the width):
 *
 *   available   ████████████▇▅█████████████████████   (a lower block: some requests failed)
 *   p50 ms      ▁▁▁▁▁▁▂▂▂▃▃▂▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁
 *   p95 ms      ▁▂▁▁▂▂▅▆▃▄█▂▁▂▁▁▁▁▂▁▁▁▁▁▁▂▁▁▁▁▁▁▁
 *   new share   ▁▁▁▁▁▁▁▁▂▄▅▇██████████████████████   (old → new droplet)
 *               0s              16s              33s
 *
 * In plain mode (NO_COLOR, CI, not a terminal) the blocks are digits 0-9 and a legend says how
 * to read them. Pure: seconds in, lines out.
 */
import type {ProbeSecond} from '../probe/types.js'
import {axis, axisLabel, level, row, secondsPerColumn, wrap, type ChartMode} from './chart.js'

export type {ProbeSecond}

export interface ChartOptions {
  width?: number
  mode: ChartMode
  /** The probe's duration, for the axis's end (default: the number of seconds). */
  durationMs?: number
  /** Colour a column (unicode mode only): red for failures. */
  paint?: (color: 'red' | 'green' | 'gray', s: string) => string
}

const LABEL = 12
const MIN_COLUMNS = 24

/** Seconds merged into columns: counts add up, p50 is the mean weighted by successful requests, p95 the worst. */
export function bucketSeconds(seconds: ProbeSecond[], step: number): ProbeSecond[] {
  const out: ProbeSecond[] = []
  for (let i = 0; i < seconds.length; i += step) {
    const group = seconds.slice(i, i + step)
    const ok = group.reduce((n, s) => n + s.ok, 0)
    out.push({
      ok,
      failed: group.reduce((n, s) => n + s.failed, 0),
      p50Ms: ok ? group.reduce((n, s) => n + s.p50Ms * s.ok, 0) / ok : 0,
      p95Ms: Math.max(0, ...group.map((s) => s.p95Ms)),
      old: group.reduce((n, s) => n + s.old, 0),
      new: group.reduce((n, s) => n + s.new, 0),
    })
  }
  return out
}

function availabilityCell(s: ProbeSecond, mode: ChartMode): string {
  const done = s.ok + s.failed
  if (!done) return ' '
  if (!s.failed) return mode === 'unicode' ? '█' : '-'
  // Any failure shows below full, however small its share.
  const tenths = Math.min(9, Math.floor((s.ok / done) * 10))
  return mode === 'unicode' ? level(Math.min(6 / 7, (tenths / 9) * (6 / 7)), mode) : String(tenths)
}

const ms = (x: number) => `${x >= 100 ? Math.round(x) : Math.round(x * 10) / 10}ms`

/** The chart as lines, at most `width` columns wide (default 80). Empty when there is nothing to draw. */
export function renderProbeChart(seconds: ProbeSecond[], o: ChartOptions): string[] {
  if (!seconds.length) return []
  const width = Math.max(LABEL + 10, o.width ?? 80)
  const step = secondsPerColumn(seconds.length, width - LABEL)
  // A short run is stretched to at least MIN_COLUMNS, each second drawn `wide` columns wide.
  const wide = step === 1 ? Math.max(1, Math.floor(MIN_COLUMNS / seconds.length)) : 1
  const cols = bucketSeconds(seconds, step).flatMap((c) => Array<ProbeSecond>(wide).fill(c))
  const paint = o.mode === 'unicode' && o.paint ? o.paint : undefined
  const maxMs = Math.max(0, ...cols.map((c) => c.p95Ms))
  const lat = (pick: (c: ProbeSecond) => number) => cols.map((c) => (c.ok ? level(maxMs ? pick(c) / maxMs : 0, o.mode) : ' ')).join('')
  const avail = cols
    .map((c) => {
      const cell = availabilityCell(c, o.mode)
      return paint && c.failed ? paint('red', cell) : cell
    })
    .join('')
  const lines = [
    row(`available`, avail, LABEL),
    row(
      `p50 ms`,
      lat((c) => c.p50Ms),
      LABEL,
    ),
    row(
      `p95 ms`,
      lat((c) => c.p95Ms),
      LABEL,
    ),
  ]
  if (cols.some((c) => c.old + c.new > 0)) {
    lines.push(row('new share', cols.map((c) => (c.old + c.new ? level(c.new / (c.old + c.new), o.mode) : ' ')).join(''), LABEL))
  }
  lines.push(row('', axis(cols.length, step / wide, axisLabel, o.durationMs !== undefined ? o.durationMs / 1000 : seconds.length), LABEL))
  const per = wide > 1 ? `${wide} columns per second` : step === 1 ? 'one column per second' : `one column per ${step} seconds`
  const legend =
    o.mode === 'unicode'
      ? `${per}; latency ▁ 0 to █ ${ms(maxMs)}; new share: answers from the new droplet, ▁ none to █ all`
      : `${per}; available: - all ok, 0-9 tenths ok; latency 0-9 of ${ms(maxMs)}; new share 0-9 tenths; blank: no answer`
  lines.push(...wrap(legend, width, LABEL))
  return lines
}
