/** What a human reads at the end: the summary table of a run, or the plan of a dry run. */
import {budgetLine} from './budget.js'
import {formatDuration} from '../clock.js'
import {renderTimeline, type TimelineOptions} from '../report/timeline.js'
import {renderTable} from '../ui/table.js'
import type {Report} from './report.js'
import type {ReportEntry} from './types.js'

export interface Styler {
  bold(s: string): string
  color?(c: 'green' | 'red' | 'yellow' | 'gray', s: string): string
  /** Draw the apps in flight over time under the table (src/report/timeline.ts). */
  timeline?: TimelineOptions
}

const n = (x: number) => x.toLocaleString('en-US')
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`

const ORDER: Record<ReportEntry['status'], number> = {failed: 0, interrupted: 1, pending: 2, restaged: 3, skipped: 4}
const RESULT: Record<ReportEntry['status'], string> = {
  failed: 'failed',
  interrupted: 'interrupted',
  pending: 'not started',
  restaged: 'restaged',
  skipped: 'skipped',
}

function clip(s: string | undefined, max = 110): string {
  const line = (s ?? '').split('\n')[0]
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

function reasonOf(e: ReportEntry): string {
  switch (e.status) {
    case 'restaged':
      return e.detail ?? (e.attempts && e.attempts > 1 ? `after ${e.attempts} attempts` : '')
    case 'pending':
      return e.reason ? clip(e.detail) : ''
    default:
      return clip(e.detail ?? e.reason)
  }
}

export function notUsingLine(r: Report): string | undefined {
  const x = r.notUsingBuildpack
  const parts: string[] = []
  if (x['other-buildpack']) parts.push(`${plural(x['other-buildpack'], 'app')} on other buildpacks`)
  if (x.docker) parts.push(`${plural(x.docker, 'docker app')} (skipped: no buildpack)`)
  if (x['no-droplet']) parts.push(`${plural(x['no-droplet'], 'app')} never staged`)
  return parts.length ? `Not using ${r.buildpack}: ${parts.join(', ')}.` : undefined
}

function headline(r: Report): string {
  const c = r.counts
  const parts = [`restaged ${n(c.restaged)}`, `failed ${n(c.failed)}`, `skipped ${n(c.skipped)}`]
  if (c.interrupted) parts.push(`interrupted ${n(c.interrupted)}`)
  if (c.pending) parts.push(`not started ${n(c.pending)}`)
  const total = r.apps.length
  return `${parts.join(' · ')} — of ${plural(total, 'app')} using ${r.buildpack}${r.durationMs !== undefined ? `, in ${formatDuration(r.durationMs)}` : ''}`
}

export function renderSummary(r: Report, s: Styler, reportFile?: string): string {
  const rows = [...r.apps].sort((a, b) => ORDER[a.status] - ORDER[b.status])
  const paint = (e: ReportEntry, text: string) =>
    s.color
      ? e.status === 'restaged'
        ? s.color('green', text)
        : e.status === 'failed'
          ? s.color('red', text)
          : e.status === 'skipped'
            ? s.color('gray', text)
            : s.color('yellow', text)
      : text
  const lines = ['', s.bold(headline(r))]
  if (rows.length) {
    lines.push(
      '',
      renderTable(
        ['result', 'app', 'org', 'space', 'took', 'reason'],
        rows.map((e) => [
          paint(e, RESULT[e.status]),
          e.name,
          e.org,
          e.space,
          e.durationMs !== undefined && e.status !== 'skipped' ? formatDuration(e.durationMs) : '',
          reasonOf(e),
        ]),
        {bold: s.bold},
      ),
    )
  }
  const drawn = s.timeline ? renderTimeline(r.apps, s.timeline) : []
  if (drawn.length) lines.push('', ...drawn)
  const warned = warningLines(r, reportFile)
  if (warned.length) lines.push('', ...warned)
  const other = notUsingLine(r)
  if (other) lines.push('', other)
  if (reportFile) lines.push(`Report: ${reportFile}`)
  return lines.join('\n')
}

/** Distinct warnings lines shown under the table, before the rest go to the report. */
const MAX_WARNINGS = 10

/**
 * The apps' warnings (a quota cfzd could not check, a package it could not carry), each distinct
 * one once with the apps it concerns: many apps in one space share the same quota warning.
 */
export function warningLines(r: Report, reportFile?: string): string[] {
  const byText = new Map<string, string[]>()
  for (const e of r.apps) for (const w of e.warnings ?? []) byText.set(w, [...(byText.get(w) ?? []), e.name])
  if (byText.size === 0) return []
  const lines = ['Warnings:']
  for (const [text, apps] of [...byText].slice(0, MAX_WARNINGS)) {
    lines.push(`  ${text} (${apps.length === 1 ? apps[0] : apps.length <= 3 ? apps.join(', ') : `${plural(apps.length, 'app')}`})`)
  }
  const more = byText.size - MAX_WARNINGS
  if (more > 0) lines.push(`  …and ${plural(more, 'other warning')}${reportFile ? ` in ${reportFile}` : ' (pass --report FILE to keep them all)'}.`)
  return lines
}

const day = (ts: string) => ts.replace('T', ' ').replace(/:\d\dZ$/, ' UTC')

export function renderPlan(r: Report, s: Styler): string {
  const planned = r.apps.filter((e) => e.status === 'pending')
  const skipped = r.apps.filter((e) => e.status === 'skipped')
  const o = r.options
  const lines = [
    '',
    s.bold(
      `Dry run: would restage ${plural(planned.length, 'app')} using ${r.buildpack} (${o.strategy}${o.maxInFlight ? `, max-in-flight ${o.maxInFlight}` : ''}, ${o.concurrency} at a time). Nothing was changed.`,
    ),
  ]
  if (r.discovery.releases.length) {
    lines.push(`${r.buildpack} last updated: ${r.discovery.releases.map((x) => `${day(x.updatedAt)}${x.stack ? ` (${x.stack})` : ''}`).join(', ')}`)
  } else {
    lines.push(`There is no admin buildpack named ${r.buildpack}: droplets matched it by buildpack_name or URL only.`)
  }
  if (planned.length) {
    lines.push(
      '',
      renderTable(
        ['app', 'org', 'space', 'state', 'buildpack', 'why'],
        planned.map((e) => [
          e.name,
          e.org,
          e.space,
          e.state.toLowerCase(),
          e.droplet ? `${e.droplet.buildpack}${e.droplet.version ? ` ${e.droplet.version}` : ''}` : '',
          e.why,
        ]),
        {bold: s.bold},
      ),
    )
  }
  if (skipped.length) {
    lines.push(
      '',
      s.bold(`Skipped (${n(skipped.length)}):`),
      renderTable(
        ['app', 'org', 'space', 'reason'],
        skipped.map((e) => [e.name, e.org, e.space, e.detail]),
        {bold: s.bold},
      ),
    )
  }
  if (r.requests && planned.length) lines.push('', budgetLine(r.requests))
  if (r.peak) {
    const p = r.peak
    const what = p.strategy === 'blue-green' ? 'a full copy of each app' : `up to max-in-flight new instances per app`
    lines.push(
      '',
      p.instances > 0
        ? `At peak: up to ${plural(p.instances, 'extra instance')} and ${n(p.memoryMb)} MB of extra memory, with ${plural(Math.min(p.concurrency, planned.length), 'app')} in flight (${p.strategy}: ${what}), plus staging memory for each app staging at the same time.`
        : `At peak: no extra instances (only staging), plus staging memory for each app staging at the same time.`,
    )
    if (p.largest.length > 1 && p.instances > 0) {
      lines.push(`Largest: ${p.largest.map((x) => `${x.name} (+${x.instances}, ${n(x.memoryMb)} MB)`).join(', ')}.`)
    }
  }
  const other = notUsingLine(r)
  if (other) lines.push('', other)
  lines.push(`Found in ${plural(r.discovery.requests, 'API request')} over ${plural(r.discovery.apps, 'app')}.`)
  return lines.join('\n')
}
