/**
 * The Markdown summary of an operation, for CI job pages: GitHub Actions shows what is appended
 * to $GITHUB_STEP_SUMMARY, and `--summary FILE` writes the same text anywhere (a Concourse
 * output, a merge request comment).
 *
 * - restart, restage, bg-*, push, cancel-deployment, continue-deployment: the outcome, the
 *   strategy's steps with their durations, the live probe's report (--probe), what is left and
 *   what to run next;
 * - restage-all: the counts and the list of apps, each with its status;
 * - a failure: the message, the exit code and the probe's report when there was one.
 *
 * Pure functions of the --json shapes, so the text says what --json says.
 */
import {formatDuration} from '../clock.js'
import type {ProbeSummary} from '../probe/types.js'
import type {Report} from '../restage-all/report.js'
import type {ReportEntry} from '../restage-all/types.js'
import type {OperationResult} from '../strategies/types.js'

/** An operation's result as --json prints it (push adds mode, package and upload). */
export type SummaryResult = Omit<OperationResult, 'outcome' | 'operation'> & {
  operation: string
  outcome: string
  mode?: string
  package?: string
  upload?: {files: number; matched: number; zipBytes: number}
}

/** What a command hands over to be summarised. */
export type Summarizable = SummaryResult | SummaryResult[] | Report

/** Tables of more rows than this are cut, with a line saying how many were left out. */
export const MAX_ROWS = 500

const ICON: Record<string, string> = {
  deployed: '✅',
  started: '✅',
  staged: '✅',
  uploaded: '✅',
  scaled: '✅',
  deploying: '🔄',
  paused: '⏸️',
  canceled: '↩️',
}

/** Text safe in a Markdown table cell: no pipes or line breaks, no stray HTML. */
export function cell(text: string | number | undefined | null): string {
  if (text === undefined || text === null) return ''
  return String(text).replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll(/\r?\n/g, ' ')
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const t = text.replaceAll(/\r?\n/g, ' ')
  const longest = Math.max(0, ...[...t.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return longest ? `${fence} ${t} ${fence}` : `${fence}${t}${fence}`
}

/** A fenced block that survives fences in the text. */
function block(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}text\n${text}\n${fence}`
}

export function table(head: string[], rows: (string | number | undefined)[][], align?: ('l' | 'r')[]): string {
  const shown = rows.slice(0, MAX_ROWS)
  const lines = [
    `| ${head.map(cell).join(' | ')} |`,
    `| ${head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...shown.map((r) => `| ${r.map(tableCell).join(' | ')} |`),
  ]
  if (rows.length > shown.length) lines.push('', `… and ${rows.length - shown.length} more (see the --json output).`)
  return lines.join('\n')
}

/** Cells made with code() or **bold** are Markdown already: only their pipes and line breaks are escaped. */
function tableCell(c: string | number | undefined): string {
  if (typeof c === 'string' && /^(`|\*\*)/.test(c)) return c.replaceAll('|', '\\|').replaceAll(/\r?\n/g, ' ')
  return cell(c)
}

function list(items: string[]): string {
  return items.map((i) => `- ${cell(i)}`).join('\n')
}

/** A summary of whatever a command returned: one operation, several (push), or restage-all's report. */
export function summaryMarkdown(subject: Summarizable, command?: string): string {
  if (Array.isArray(subject)) return subject.map((r) => operationMarkdown(r, command)).join('\n\n')
  if ('command' in subject && subject.command === 'restage-all') return restageAllMarkdown(subject)
  return operationMarkdown(subject as SummaryResult, command)
}

/** One operation: heading with the outcome, facts, steps with durations, probe, what is left. */
export function operationMarkdown(r: SummaryResult, command?: string): string {
  const cmd = command ?? r.operation
  const parts = [`### ${ICON[r.outcome] ?? 'ℹ️'} cfzd ${cmd} ${r.app.name}: ${r.outcome}`]
  const facts: [string, string][] = [['app', `${code(r.app.name)} (${code(r.app.guid)})`]]
  if (r.strategy && r.strategy !== 'n/a') facts.push(['strategy', r.strategy])
  if (r.mode) facts.push(['push', r.mode])
  if (r.droplet)
    facts.push(['droplet', `${code(r.droplet.guid)}${r.droplet.previous && r.droplet.previous !== r.droplet.guid ? ` (was ${code(r.droplet.previous)})` : ''}`])
  if (r.package) facts.push(['package', code(r.package)])
  if (r.upload) facts.push(['bits', `${r.upload.files} files, ${r.upload.matched} already on the foundation, ${r.upload.zipBytes} bytes uploaded`])
  if (r.deployment) {
    const d = r.deployment
    const canary = d.canarySteps ? `, canary step ${d.canarySteps.current ?? '?'}/${d.canarySteps.total}` : ''
    facts.push(['deployment', `${code(d.guid)} ${d.status}${d.reason ? `/${d.reason}` : ''}${canary}`])
  }
  if (r.previousApp) facts.push(['old app', `${code(r.previousApp.name)} (${code(r.previousApp.guid)}) ${r.previousApp.state}`])
  facts.push(['took', formatDuration(r.totalMs)])
  parts.push(table(['', ''], facts))

  const steps = Object.entries(r.durationsMs ?? {})
  if (steps.length) {
    parts.push(
      '#### Steps',
      table(['step', 'duration'], [...steps.map(([id, ms]) => [id, formatDuration(ms)]), ['**total**', `**${formatDuration(r.totalMs)}**`]], ['l', 'r']),
    )
  }
  if (r.probe) parts.push(probeMarkdown(r.probe))
  if (r.warnings?.length) parts.push('#### Warnings', list(r.warnings))
  if (r.left?.length) parts.push('#### Left on the foundation', list(r.left))
  if (r.next?.length) parts.push('#### Next', r.next.map((n) => `- ${code(n)}`).join('\n'))
  return parts.join('\n\n')
}

/** The live probe's report: requests, availability, latency, which droplet answered, any abort. */
export function probeMarkdown(p: ProbeSummary): string {
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)}s`
  const parts = [
    '#### Probe',
    `${code(p.url)}, ${p.ratePerSec} requests/s for ${formatDuration(p.durationMs)}`,
    table(
      ['sent', 'ok', 'failed', 'availability', 'longest run of failures', 'p50', 'p99'],
      [[p.sent, p.ok, p.failed, `${p.availability}%`, p.longestFailureRun, `${p.p50Ms}ms`, `${p.p99Ms}ms`]],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  ]
  if (p.droplets.length) {
    parts.push(
      table(
        ['droplet', 'role', 'answered from', 'to', 'requests'],
        p.droplets.map((d) => [code(d.droplet), d.role, sec(d.fromMs), sec(d.toMs), d.count]),
        ['l', 'l', 'r', 'r', 'r'],
      ),
    )
  }
  const notes: string[] = []
  if (p.failures.length) {
    const f = p.failures[0]
    notes.push(`First failure at ${sec(f.atMs)}: ${f.status ? `HTTP ${f.status}` : (f.error ?? 'failed')}`)
  }
  if (p.unhealthyBefore) notes.push(`The route answered ${p.unhealthyBefore} before the operation started (automatic abort was off).`)
  if (p.aborted) notes.push(`Aborted at ${sec(p.aborted.atMs)}: ${p.aborted.reason}`)
  if (p.notAborted) notes.push(`Threshold crossed at ${sec(p.notAborted.atMs)}: ${p.notAborted.reason}; not aborted: ${p.notAborted.why}`)
  if (notes.length) parts.push(list(notes))
  return parts.join('\n\n')
}

const STATUS: Record<ReportEntry['status'], string> = {
  failed: '❌ failed',
  interrupted: '⚠️ interrupted',
  pending: '⏳ not started',
  restaged: '✅ restaged',
  skipped: '➖ skipped',
}
const ORDER: Record<ReportEntry['status'], number> = {failed: 0, interrupted: 1, pending: 2, restaged: 3, skipped: 4}

/** restage-all: the counts, then every app of the buildpack with its status (failed first). */
export function restageAllMarkdown(r: Report): string {
  const c = r.counts
  const icon = r.dryRun ? '📋' : c.failed ? '❌' : c.interrupted || r.status === 'interrupted' ? '⚠️' : '✅'
  const what = r.dryRun ? `plan: ${c.selected} to restage, ${c.skipped} skipped` : `${c.restaged} restaged, ${c.failed} failed, ${c.skipped} skipped`
  const parts = [`### ${icon} cfzd restage-all --buildpack ${r.buildpack}: ${what}`]
  const head = ['selected', 'restaged', 'failed', 'skipped', 'interrupted', 'not started', 'strategy', 'concurrency']
  const row: (string | number)[] = [c.selected, c.restaged, c.failed, c.skipped, c.interrupted, c.pending, r.options.strategy, r.options.concurrency]
  if (r.durationMs !== undefined) {
    head.push('took')
    row.push(formatDuration(r.durationMs))
  }
  parts.push(table(head, [row]))
  const scope = [
    ...r.scope.orgs.map((o) => `org ${o}`),
    ...r.scope.spaces.map((s) => `space ${s}`),
    ...(r.scope.labelSelector ? [`labels ${r.scope.labelSelector}`] : []),
  ]
  if (scope.length) parts.push(`Scope: ${cell(scope.join(', '))}`)
  if (r.peak)
    parts.push(`Peak extra capacity: ${r.peak.instances} instances, ${r.peak.memoryMb} MB (${r.peak.concurrency} apps at a time, ${r.peak.strategy}).`)
  const apps = [...r.apps].sort((a, b) => ORDER[a.status] - ORDER[b.status])
  if (apps.length) {
    parts.push(
      '#### Apps',
      table(
        ['app', 'org / space', 'status', 'buildpack', 'droplet', 'took', 'why'],
        apps.map((e) => [
          e.name,
          `${e.org} / ${e.space}`,
          r.dryRun && e.status === 'pending' ? '📋 to restage' : STATUS[e.status],
          e.droplet ? [e.droplet.buildpack, e.droplet.version].filter(Boolean).join(' ') : '',
          e.newDroplet ? code(e.newDroplet) : e.droplet ? code(e.droplet.guid) : '',
          e.durationMs === undefined ? '' : formatDuration(e.durationMs),
          firstLine(e.status === 'restaged' || e.status === 'pending' ? e.why : (e.detail ?? e.reason)),
        ]),
      ),
    )
  } else parts.push(`No app uses ${cell(r.buildpack)}.`)
  return parts.join('\n\n')
}

function firstLine(s: string | undefined): string {
  const line = (s ?? '').split('\n')[0]
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

/** A command that failed: what it said, its exit code, and the probe's report when it ran one. */
export function failureMarkdown(command: string, err: {message: string; exitCode: number; suggestions?: string[]; details?: Record<string, unknown>}): string {
  const interrupted = err.exitCode === 130
  const parts = [`### ${interrupted ? '⚠️' : '❌'} cfzd ${command}: ${interrupted ? 'interrupted' : 'failed'} (exit ${err.exitCode})`, block(err.message)]
  if (err.suggestions?.length) parts.push(list(err.suggestions))
  const probe = err.details?.probe as ProbeSummary | undefined
  if (probe && typeof probe === 'object' && 'sent' in probe) parts.push(probeMarkdown(probe))
  return parts.join('\n\n')
}
