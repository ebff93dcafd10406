/**
 * Charts for the terminal: pure functions from numbers to text, no I/O.
 *
 * Two modes: `unicode` draws sparklines with the eighth blocks ▁▂▃▄▅▆▇█ (and may colour them);
 * `plain` is for NO_COLOR, CI logs and pipes: ASCII only, a level digit 0-9 per column, so a
 * log viewer or a grep still reads it.
 */
import type {Writable} from 'node:stream'

export type ChartMode = 'unicode' | 'plain'

export const SPARKS = '▁▂▃▄▅▆▇█'

/** plain when NO_COLOR or CI is set, TERM is dumb, or the stream is not a terminal; unicode otherwise. */
export function chartMode(stream: Pick<Writable, never> & {isTTY?: boolean} = process.stdout, env: NodeJS.ProcessEnv = process.env): ChartMode {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 'plain'
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return 'plain'
  if (env.TERM === 'dumb') return 'plain'
  return stream.isTTY ? 'unicode' : 'plain'
}

/** Charts are drawn for 80 columns, or the terminal's width when it is narrower (never under 40). */
export function chartWidth(stream: {columns?: number} = process.stdout): number {
  return Math.max(40, Math.min(80, stream.columns || 80))
}

/** Lines at most `width` columns: words carried to the next line, indented by `indent`. */
export function wrap(text: string, width: number, indent: number): string[] {
  const out: string[] = []
  let cur = ''
  for (const w of text.split(' ')) {
    if (cur && indent + cur.length + 1 + w.length > width) {
      out.push(' '.repeat(indent) + cur)
      cur = w
    } else cur = cur ? `${cur} ${w}` : w
  }
  if (cur) out.push(' '.repeat(indent) + cur)
  return out
}

/** A fraction 0..1 as one column: an eighth block (unicode) or a digit 0-9 (plain). */
export function level(frac: number, mode: ChartMode): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(frac) ? frac : 0))
  return mode === 'unicode' ? SPARKS[Math.round(f * (SPARKS.length - 1))] : String(Math.round(f * 9))
}

/** How many seconds go in one column so that `count` seconds fit in `columns`. */
export function secondsPerColumn(count: number, columns: number): number {
  return Math.max(1, Math.ceil(count / Math.max(1, columns)))
}

/** "0s", "42s", "3m05s": a compact axis label. */
export function axisLabel(sec: number): string {
  if (sec < 10 && Math.round(sec) !== sec) return `${sec.toFixed(1)}s`
  const s = Math.round(sec)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  return `${m}m${String(s % 60).padStart(2, '0')}s`
}

/** An axis under `columns` columns of `step` seconds each: the start at the left, the end at the right. */
export function axis(columns: number, step: number, label = axisLabel, end = columns * step): string {
  if (columns <= 0) return ''
  const left = label(0)
  const right = label(end)
  if (columns < left.length + right.length + 1) return right.padStart(columns)
  const mid = columns >= 30 ? label(Math.round((columns / 2) * step)) : ''
  const midAt = Math.floor(columns / 2) - Math.floor(mid.length / 2)
  let line = left.padEnd(columns - right.length) + right
  if (mid && midAt > left.length + 1 && midAt + mid.length < columns - right.length - 1) line = line.slice(0, midAt) + mid + line.slice(midAt + mid.length)
  return line
}

export const row = (label: string, text: string, labelWidth = 12) => `${label.padEnd(labelWidth)}${text}`
