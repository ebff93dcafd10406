/** The probe's summary as text: after the operation's summary on stdout, and in error messages. */
import {formatDuration} from '../clock.js'
import {chartMode} from '../report/chart.js'
import {renderProbeChart, type ChartOptions} from '../report/probe-chart.js'
import type {ProbeSummary} from './types.js'

/**
 *   probe:      http://web.apps.localhost:9080/ (10 requests/s for 12.3s)
 *   requests:   123 sent, 0 failed, availability 100%, longest run of failures 0
 *   latency:    p50 2.1ms, p99 8.4ms
 *   droplets:   old 3f2a…(full GUID) from 0.0s to 8.1s (80)
 *               → new 9bc1…(full GUID) from 5.0s to 12.3s (43)
 *   aborted:    at 4.2s: the probe saw 3 failed requests (--abort-on-errors 3)
 *
 *   available   ██████████▇█████   (then the chart over time: src/report/probe-chart.ts)
 *
 * Each line fits 80 columns when the numbers do (a droplet's line with its 36-character GUID too).
 */
export function renderProbeSummary(p: ProbeSummary, chart: ChartOptions = {mode: chartMode()}): string {
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)}s`
  const row = (label: string, text: string) => `${label.padEnd(12)}${text}`
  const lines = [
    row('probe:', `${p.url} (${p.ratePerSec} requests/s for ${formatDuration(p.durationMs)})`),
    row('requests:', `${p.sent} sent, ${p.failed} failed, availability ${p.availability}%, longest run of failures ${p.longestFailureRun}`),
    row('latency:', `p50 ${p.p50Ms}ms, p99 ${p.p99Ms}ms`),
  ]
  p.droplets.forEach((d, i) => {
    lines.push(row(i === 0 ? 'droplets:' : '', `${i === 0 ? '' : '→ '}${d.role} ${d.droplet} from ${sec(d.fromMs)} to ${sec(d.toMs)} (${d.count})`))
  })
  if (p.failures.length) {
    const f = p.failures[0]
    lines.push(row('failures:', `first at ${sec(f.atMs)}: ${f.status ? `HTTP ${f.status}` : (f.error ?? 'failed')}`))
  }
  if (p.unhealthyBefore) lines.push(row('before:', `the route answered ${p.unhealthyBefore} before the operation started (automatic abort was off)`))
  if (p.aborted) lines.push(row('aborted:', `at ${sec(p.aborted.atMs)}: ${p.aborted.reason}`))
  if (p.notAborted) lines.push(row('threshold:', `crossed at ${sec(p.notAborted.atMs)}: ${p.notAborted.reason}; not aborted: ${p.notAborted.why}`))
  const drawn = renderProbeChart(p.seconds ?? [], {durationMs: p.durationMs, ...chart})
  if (drawn.length) lines.push('', ...drawn)
  return lines.join('\n')
}
