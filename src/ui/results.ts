/** The summary printed after an operation: what runs now, how long it took, what is left, what to do next. */
import {formatDuration} from '../clock.js'
import {renderProbeSummary} from '../probe/render.js'
import {chartMode, chartWidth} from '../report/chart.js'
import type {OperationResult} from '../strategies/types.js'
import {renderKeyValues} from './table.js'
import type {Ui} from './ui.js'

export function renderResult(ui: Ui, r: OperationResult): string {
  for (const w of r.warnings) ui.warn(w)
  const head: Record<OperationResult['outcome'], string> = {
    deployed: 'OK',
    started: 'OK',
    staged: 'OK (the app was stopped, and is left stopped with the new droplet)',
    paused: 'Canary paused',
    deploying: 'OK (the deployment continues in the background)',
    canceled: 'Canceled',
    scaled: 'OK (scaled in place: no instance was restarted)',
  }
  const pairs: [string, string | undefined][] = [
    ['app', `${r.app.name} (${r.app.guid})`],
    ['strategy', r.strategy === 'n/a' ? undefined : r.strategy],
    [
      'droplet',
      r.droplet ? `${r.droplet.guid}${r.droplet.previous && r.droplet.previous !== r.droplet.guid ? ` (was ${r.droplet.previous})` : ''}` : undefined,
    ],
    [
      'deployment',
      r.deployment
        ? `${r.deployment.guid} ${r.deployment.status}${r.deployment.reason ? `/${r.deployment.reason}` : ''}${r.deployment.canarySteps ? `, canary step ${r.deployment.canarySteps.current ?? '?'}/${r.deployment.canarySteps.total}` : ''}`
        : undefined,
    ],
    ['old app', r.previousApp ? `${r.previousApp.name} (${r.previousApp.guid}) ${r.previousApp.state}` : undefined],
    ['at 0', atZero(r)],
    ['took', formatDuration(r.totalMs)],
  ]
  const lines = [
    '',
    ui.style('green', ui.style('bold', head[r.outcome])),
    renderKeyValues(
      pairs.filter(([, v]) => v !== undefined),
      {bold: (s) => ui.style('bold', s)},
    ),
  ]
  for (const l of r.left) lines.push('', l)
  if (r.next.length) lines.push('', 'Next:', ...r.next.map((n) => `  ${n}`))
  if (r.probe) lines.push('', renderProbeSummary(r.probe, {mode: chartMode(), width: chartWidth(), paint: (c, s) => ui.style(c, s)}))
  return lines.join('\n')
}

/** Process types that had no running instance for a while (worker restarts at a finalize), or undefined. */
function atZero(r: OperationResult): string | undefined {
  const down = (r.processes ?? []).filter((p) => p.zeroMs > 0 || !p.recovered)
  if (down.length === 0) return undefined
  return down.map((p) => `${p.type} had 0 running instances for ${formatDuration(p.zeroMs)}${p.recovered ? '' : ' (not back yet)'}`).join(', ')
}
