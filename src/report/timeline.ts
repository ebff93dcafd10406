/**
 * restage-all's apps in flight over time, for the terminal:
 *
 *   in flight (3 max)   ▆▆▆▆▆▆▆▆████████▆▆▆▆▆▃▃▃
 *   web-a               ██████████████
 *   web-b               ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓✗
 *   worker                      ████████████████
 *                       0s        8s          15s
 *
 * A Gantt row per app when there are few (at most `maxRows`), else only the concurrency row.
 * Plain mode (NO_COLOR, CI, not a terminal): digits for the concurrency and = / x / ~ for
 * restaged / failed / interrupted. Pure: entries in, lines out.
 */
import {axis, axisLabel, level, row, wrap, type ChartMode} from './chart.js'

export interface TimelineEntry {
  name: string
  status: string
  startedAt?: string
  finishedAt?: string
  /** The last attempt's duration: used when the timestamps are whole seconds (older reports). */
  durationMs?: number
}

export interface Span {
  name: string
  status: string
  /** Milliseconds since the first app started. */
  fromMs: number
  toMs: number
}

export interface TimelineOptions {
  width?: number
  mode: ChartMode
  /** A Gantt row per app up to this many apps (default 12). */
  maxRows?: number
  paint?: (color: 'red' | 'green' | 'yellow' | 'gray', s: string) => string
}

const LABEL = 20

/** The apps that ran, as spans from the first start; apps never started are left out. */
export function spans(entries: TimelineEntry[]): Span[] {
  const ran = entries.filter((e) => e.startedAt && e.finishedAt && e.status !== 'skipped')
  if (!ran.length) return []
  const t0 = Math.min(...ran.map((e) => Date.parse(e.startedAt!)))
  return ran
    .map((e) => {
      const from = Date.parse(e.startedAt!) - t0
      // Whole-second timestamps (older reports): the measured duration is closer.
      const coarse = !/\.\d+Z$/.test(e.finishedAt!)
      const to = coarse && e.durationMs !== undefined ? from + e.durationMs : Date.parse(e.finishedAt!) - t0
      return {name: e.name, status: e.status, fromMs: from, toMs: Math.max(from, to)}
    })
    .sort((a, b) => a.fromMs - b.fromMs || a.name.localeCompare(b.name))
}

/**
 * The most apps in flight at any moment of each of `columns` slices of `msPerCol`: an exact sweep
 * over starts and ends (an app ending when another starts does not count twice).
 */
export function inFlight(list: Span[], columns: number, msPerCol: number): number[] {
  const events = list.flatMap((s) => [
    {t: s.fromMs, d: 1},
    {t: Math.max(s.toMs, s.fromMs + 1), d: -1},
  ])
  events.sort((a, b) => a.t - b.t || a.d - b.d)
  const out: number[] = []
  let i = 0
  let level = 0
  for (let c = 0; c < columns; c++) {
    const start = c * msPerCol
    const end = start + msPerCol
    while (i < events.length && events[i].t <= start) level += events[i++].d
    let max = level
    while (i < events.length && events[i].t < end) {
      level += events[i++].d
      max = Math.max(max, level)
    }
    out.push(max)
  }
  return out
}

const MARK: Record<'unicode' | 'plain', {bar: string; failed: string; end: string; interrupted: string}> = {
  unicode: {bar: '█', failed: '▓', end: '✗', interrupted: '░'},
  plain: {bar: '=', failed: 'x', end: 'X', interrupted: '~'},
}

function clipName(name: string, max: number, mode: ChartMode): string {
  const chars = [...name.replace(/[\x00-\x1f\x7f]/g, '?')]
  if (chars.length <= max) return chars.join('')
  return mode === 'unicode' ? `${chars.slice(0, max - 1).join('')}…` : `${chars.slice(0, max - 3).join('')}...`
}

export function renderTimeline(entries: TimelineEntry[], o: TimelineOptions): string[] {
  const list = spans(entries)
  if (!list.length) return []
  const width = Math.max(LABEL + 10, o.width ?? 80)
  const columns = width - LABEL
  const totalMs = Math.max(1, ...list.map((s) => s.toMs))
  const msPerCol = niceStep(totalMs / columns)
  const used = Math.min(columns, Math.ceil(totalMs / msPerCol))
  const counts = inFlight(list, used, msPerCol)
  const peak = Math.max(...counts)
  const paint = o.mode === 'unicode' && o.paint ? o.paint : undefined
  const conc = counts.map((n) => (n === 0 ? ' ' : o.mode === 'unicode' ? level(n / peak, o.mode) : n > 9 ? '+' : String(n))).join('')
  const lines = [row(`in flight (${peak} max)`, conc, LABEL)]
  const maxRows = o.maxRows ?? 12
  if (list.length <= maxRows) {
    const m = MARK[o.mode]
    for (const s of list) {
      const first = Math.min(used - 1, Math.floor(s.fromMs / msPerCol))
      const last = Math.max(first, Math.min(used - 1, Math.ceil(s.toMs / msPerCol) - 1))
      const fill = s.status === 'failed' ? m.failed : s.status === 'restaged' ? m.bar : m.interrupted
      let bar = fill.repeat(last - first + 1)
      if (s.status === 'failed') bar = bar.slice(0, -1) + m.end
      const color = s.status === 'failed' ? 'red' : s.status === 'restaged' ? 'green' : 'yellow'
      lines.push(row(clipName(s.name, LABEL - 2, o.mode), ' '.repeat(first) + (paint ? paint(color, bar) : bar), LABEL))
    }
  } else {
    lines.push(row('', `${list.length} apps: one row each with --report FILE.html`, LABEL))
  }
  const step = msPerCol / 1000
  const label = (sec: number) => (step < 1 && sec < 60 ? `${Math.round(sec * 10) / 10}s` : axisLabel(sec))
  lines.push(row('', axis(used, step, label, totalMs / 1000), LABEL))
  const legend =
    o.mode === 'unicode'
      ? `█ restaged, ▓✗ failed, ░ interrupted; one column per ${fmtStep(step)}`
      : `digits: apps in flight; = restaged, xX failed, ~ interrupted; one column per ${fmtStep(step)}`
  if (list.length <= maxRows) lines.push(...wrap(legend, width, LABEL))
  return lines
}

/** Column widths a reader can count with: 100 ms, 250 ms, 1 s, 5 s, 1 min... */
const STEPS = [
  100, 200, 250, 500, 1000, 1500, 2000, 3000, 5000, 10_000, 15_000, 20_000, 30_000, 60_000, 90_000, 120_000, 180_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000,
]
export function niceStep(rawMs: number): number {
  return STEPS.find((s) => s >= rawMs) ?? Math.ceil(rawMs / 3_600_000) * 3_600_000
}

const fmtStep = (s: number) => (s < 1 ? `${Math.round(s * 1000)}ms` : s === 1 ? 'second' : s < 60 ? `${s}s` : s === 60 ? 'minute' : `${s / 60}min`)
