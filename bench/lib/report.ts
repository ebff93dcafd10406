/** The results table, as text for the terminal and as Markdown for bench/README.md. */
import type {Figure} from '../types.js'
import {mb, ms, num, times} from './stats.js'

function value(f: Figure, x: number | undefined): string {
  if (x === undefined) return ''
  switch (f.unit) {
    case 'ms':
      return ms(x)
    case 'req/s':
      return num(x, 2)
    case 'KB':
      return mb(x)
    default:
      return num(x, Number.isInteger(x) ? 0 : 1)
  }
}

export function renderTable(figures: Figure[]): string {
  const rows = [['section', 'figure', 'cfzd (median)', 'baseline (median)', 'ratio', 'goal', '']]
  for (const f of figures) {
    rows.push([
      f.section,
      f.label,
      value(f, f.value),
      f.baseline !== undefined ? `${value(f, f.baseline)} (${f.baselineLabel})` : '',
      f.ratio !== undefined ? times(f.ratio) : '',
      f.goal ?? '',
      f.met === undefined ? '' : f.met ? 'met' : 'MISSED',
    ])
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd()
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n')
}

/** The same table in Markdown, for bench/README.md. */
export function renderMarkdown(figures: Figure[]): string {
  const out = ['| section | figure | cfzd (median) | baseline (median) | ratio | goal |', '|---|---|---|---|---|---|']
  for (const f of figures) {
    const goal = f.goal ? `${f.goal} ${f.met ? '✓' : '✗ missed'}` : ''
    out.push(
      `| ${f.section} | ${f.label} | ${value(f, f.value)} | ${f.baseline !== undefined ? `${value(f, f.baseline)} (${f.baselineLabel})` : ''} | ${f.ratio !== undefined ? times(f.ratio) : ''} | ${goal} |`,
    )
  }
  return out.join('\n')
}
