/** The summary after a push: the strategies' summary per app, plus what was uploaded. */
import {formatDuration} from '../clock.js'
import type {OperationResult} from '../strategies/types.js'
import {renderResult} from '../ui/results.js'
import {renderKeyValues} from '../ui/table.js'
import type {Ui} from '../ui/ui.js'
import {formatBytes} from './bits.js'
import type {PushResult} from './run.js'

export function renderPushResult(ui: Ui, r: PushResult): string {
  const bits = r.upload
    ? `${r.upload.files} file${r.upload.files === 1 ? '' : 's'}, ${r.upload.matched} already on the foundation, ${formatBytes(r.upload.zipBytes)} uploaded`
    : undefined
  if (r.outcome === 'uploaded') {
    for (const w of r.warnings) ui.warn(w)
    const pairs: [string, string][] = [['app', `${r.app.name} (${r.app.guid})`]]
    if (r.package) pairs.push(['package', r.package])
    if (bits) pairs.push(['bits', bits])
    pairs.push(['took', formatDuration(r.totalMs)])
    const lines = ['', ui.style('green', ui.style('bold', 'OK (uploaded; not started)')), renderKeyValues(pairs, {bold: (s) => ui.style('bold', s)})]
    for (const l of r.left) lines.push('', l)
    if (r.next.length) lines.push('', 'Next:', ...r.next.map((n) => `  ${n}`))
    return lines.join('\n')
  }
  // Shown with the strategies' summary, before what is left and what to run next.
  const notes: string[] = []
  if (r.mode === 'create') notes.push(`First push: '${r.app.name}' was created, staged and started directly.`)
  if (bits) notes.push(`Bits: ${bits}.`)
  return renderResult(ui, {...r, operation: 'push', outcome: r.outcome, left: [...notes, ...r.left]} as OperationResult)
}

export function renderPushResults(ui: Ui, results: PushResult[]): string {
  return results.map((r) => renderPushResult(ui, r)).join('\n')
}
