/** cf-style borderless tables (header row in bold, columns separated by three spaces), via cli-table3. */
import Table from 'cli-table3'

const NO_BORDER = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '   ',
}

export function renderTable(head: string[], rows: (string | number | null | undefined)[][], opts: {bold?: (s: string) => string} = {}): string {
  const bold = opts.bold ?? ((s: string) => s)
  const table = new Table({head: head.map(bold), chars: NO_BORDER, style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0}})
  for (const r of rows) table.push(r.map((c) => (c === null || c === undefined ? '' : String(c))))
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
}

/** "key:   value" blocks like `cf app`. */
export function renderKeyValues(pairs: [string, string | number | undefined | null][], opts: {bold?: (s: string) => string} = {}): string {
  const bold = opts.bold ?? ((s: string) => s)
  const width = Math.max(0, ...pairs.map(([k]) => k.length + 1))
  return pairs.map(([k, v]) => `${bold((k + ':').padEnd(width))}   ${v ?? ''}`.trimEnd()).join('\n')
}
