/**
 * restage-all's report as one self-contained HTML page (--report FILE.html): the headline, the
 * failures with their reasons, a timeline of the apps in flight (inline SVG) and a table of
 * every app. No external CSS, JS, fonts or images, and a Content-Security-Policy that allows
 * none, so it opens the same from a CI artifact, a mail attachment or a file:// URL.
 *
 * Every name and reason is escaped. The JSON report rides along in a data block (never run:
 * type application/json, `<` escaped), so that --resume FILE.html works like --resume FILE.json.
 * Pure: report in, text out.
 */
import {formatDuration} from '../clock.js'
import type {ReportEntry} from '../restage-all/types.js'
import {inFlight, spans, type Span} from './timeline.js'

/** What the page shows of restage-all's report (src/restage-all/report.ts's Report; not imported, which would make a cycle). */
export interface Report {
  buildpack: string
  status: string
  dryRun: boolean
  options: {strategy: string; concurrency: number; maxInFlight?: number}
  scope: {orgs: string[]; spaces: string[]; labelSelector?: string}
  startedAt: string
  updatedAt: string
  durationMs?: number
  resumedFrom?: string
  counts: Record<ReportEntry['status'], number>
  apps: ReportEntry[]
}

/** The id of the data block that carries the JSON report. */
export const REPORT_DATA_ID = 'cfzd-report'

const ESCAPES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}

/** Text for HTML content and attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c])
}

/** JSON that cannot end its <script> element or open a comment: every <, > and & as \u escapes. */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** The JSON report inside an HTML report, or undefined when the text is not one. */
export function extractReportJson(html: string): string | undefined {
  const m = new RegExp(`<script type="application/json" id="${REPORT_DATA_ID}">([\\s\\S]*?)</script>`).exec(html)
  return m?.[1]
}

const ORDER: Record<ReportEntry['status'], number> = {failed: 0, interrupted: 1, pending: 2, restaged: 3, skipped: 4}
const RESULT: Record<ReportEntry['status'], string> = {
  failed: 'failed',
  interrupted: 'interrupted',
  pending: 'not started',
  restaged: 'restaged',
  skipped: 'skipped',
}
const COLOR: Record<ReportEntry['status'], string> = {failed: '#c62828', interrupted: '#ef8f00', pending: '#9e9e9e', restaged: '#2e7d32', skipped: '#9e9e9e'}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1b1b;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#555;margin:0 0 12px}
.counts span{display:inline-block;margin:0 8px 6px 0;padding:2px 10px;border-radius:12px;background:#eee}
.counts .failed{background:#fdecea;color:#b71c1c}.counts .restaged{background:#e8f5e9;color:#1b5e20}.counts .interrupted{background:#fff3e0;color:#e65100}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e3e3;vertical-align:top}
th{background:#f5f5f5;position:sticky;top:0}td.reason{white-space:pre-line}td.num{text-align:right;white-space:nowrap}
tr.failed td.result{color:#b71c1c;font-weight:600}tr.restaged td.result{color:#1b5e20}tr.interrupted td.result{color:#e65100}tr.skipped td,tr.pending td{color:#666}
.failure{border-left:4px solid #c62828;background:#fdecea;padding:6px 10px;margin:0 0 8px}
.failure pre{white-space:pre-wrap;word-break:break-word;margin:4px 0 0;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
.none{color:#555}svg{display:block;max-width:100%}svg text{font:11px system-ui,sans-serif;fill:#333}
`.trim()

const n = (x: number) => x.toLocaleString('en-US')
const plural = (x: number, one: string) => `${n(x)} ${x === 1 ? one : `${one}s`}`

function headline(r: Report): string {
  const c = r.counts
  if (r.dryRun) return `Dry run: would restage ${plural(c.pending, 'app')} using ${r.buildpack}`
  return `restage-all ${r.buildpack}: ${n(c.restaged)} restaged, ${n(c.failed)} failed, ${n(c.skipped)} skipped${c.interrupted ? `, ${n(c.interrupted)} interrupted` : ''}${c.pending ? `, ${n(c.pending)} not started` : ''}`
}

function reasonOf(e: ReportEntry): string {
  if (e.status === 'restaged') return e.detail ?? (e.attempts && e.attempts > 1 ? `after ${e.attempts} attempts` : '')
  if (e.status === 'pending') return e.reason ? (e.detail ?? '') : (e.why ?? '')
  return e.detail ?? e.reason ?? ''
}

function failuresSection(r: Report): string {
  const failed = r.apps.filter((e) => e.status === 'failed' || e.status === 'interrupted')
  if (!failed.length) return `<h2>Failures</h2>\n<p class="none">None.</p>`
  const items = failed.map(
    (e) =>
      `<div class="failure" data-app="${escapeHtml(e.name)}"><strong>${escapeHtml(e.name)}</strong> <span class="where">(${escapeHtml(e.org)} / ${escapeHtml(e.space)})</span>: ${escapeHtml(RESULT[e.status])}${e.reason && e.reason !== e.status ? ` (${escapeHtml(e.reason)})` : ''}<pre>${escapeHtml(e.detail ?? e.reason ?? '')}</pre></div>`,
  )
  return `<h2>Failures (${n(failed.length)})</h2>\n${items.join('\n')}`
}

/** Widths of the timeline's SVG: the name column, the bars. */
const NAME_W = 180
const BARS_W = 760
const ROW_H = 16

/** The apps in flight over time: a concurrency strip, then one bar per app, coloured by result. */
export function timelineSvg(r: Report): string {
  const list = spans(r.apps)
  if (!list.length) return `<p class="none">No app was restaged${r.dryRun ? ' (dry run)' : ''}, so there is no timeline.</p>`
  const totalMs = Math.max(1, ...list.map((s) => s.toMs))
  const x = (ms: number) => NAME_W + (ms / totalMs) * BARS_W
  const columns = 190
  const counts = inFlight(list, columns, totalMs / columns)
  const peak = Math.max(1, ...counts)
  const stripH = 40
  const top = stripH + 24
  const height = top + list.length * ROW_H + 24
  const width = NAME_W + BARS_W + 10
  const colW = BARS_W / columns
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Apps in flight over time">`,
    `<text x="0" y="14">in flight (${peak} max)</text>`,
  ]
  // One rect per run of equal columns.
  for (let i = 0; i < counts.length;) {
    let j = i
    while (j + 1 < counts.length && counts[j + 1] === counts[i]) j++
    const h = (counts[i] / peak) * stripH
    if (counts[i])
      parts.push(
        `<rect x="${(NAME_W + i * colW).toFixed(1)}" y="${(stripH + 4 - h).toFixed(1)}" width="${((j - i + 1) * colW).toFixed(1)}" height="${h.toFixed(1)}" fill="#5c6bc0"/>`,
      )
    i = j + 1
  }
  list.forEach((s: Span, i) => {
    const y = top + i * ROW_H
    const w = Math.max(2, x(s.toMs) - x(s.fromMs))
    const label = [...s.name].length > 26 ? `${[...s.name].slice(0, 25).join('')}…` : s.name
    parts.push(
      `<g class="span ${escapeHtml(s.status)}"><title>${escapeHtml(s.name)}: ${escapeHtml(s.status)}, ${escapeHtml(formatDuration(s.toMs - s.fromMs))}</title>` +
        `<text x="0" y="${y + 11}">${escapeHtml(label)}</text>` +
        `<rect x="${x(s.fromMs).toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${ROW_H - 4}" rx="2" fill="${COLOR[s.status as ReportEntry['status']] ?? '#9e9e9e'}"/></g>`,
    )
  })
  const axisY = top + list.length * ROW_H + 14
  parts.push(
    `<text x="${NAME_W}" y="${axisY}">0s</text>`,
    `<text x="${NAME_W + BARS_W}" y="${axisY}" text-anchor="end">${escapeHtml(formatDuration(totalMs))}</text>`,
    '</svg>',
  )
  return parts.join('\n')
}

function appsTable(r: Report): string {
  if (!r.apps.length) return `<p class="none">No app uses ${escapeHtml(r.buildpack)} in scope.</p>`
  const rows = [...r.apps]
    .sort((a, b) => ORDER[a.status] - ORDER[b.status])
    .map(
      (e) =>
        `<tr class="${e.status}" data-status="${e.status}"><td class="result">${RESULT[e.status]}</td><td>${escapeHtml(e.name)}</td><td>${escapeHtml(e.org)}</td><td>${escapeHtml(e.space)}</td>` +
        `<td class="num">${e.durationMs !== undefined && e.status !== 'skipped' ? escapeHtml(formatDuration(e.durationMs)) : ''}</td><td class="reason">${escapeHtml(reasonOf(e))}</td></tr>`,
    )
  return `<table id="apps"><thead><tr><th>result</th><th>app</th><th>org</th><th>space</th><th>took</th><th>reason</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table>`
}

function warningsSection(r: Report): string {
  const byText = new Map<string, string[]>()
  for (const e of r.apps) for (const w of e.warnings ?? []) byText.set(w, [...(byText.get(w) ?? []), e.name])
  if (!byText.size) return ''
  const items = [...byText].map(([text, apps]) => `<li>${escapeHtml(text)} <span class="where">(${apps.map(escapeHtml).join(', ')})</span></li>`)
  return `<h2>Warnings</h2>\n<ul>${items.join('\n')}</ul>`
}

/** The whole page. */
export function renderHtmlReport(r: Report): string {
  const o = r.options
  const meta = [
    `status ${r.status}`,
    `strategy ${o.strategy}${o.maxInFlight ? ` (max-in-flight ${o.maxInFlight})` : ''}`,
    `${o.concurrency} at a time`,
    `started ${r.startedAt}`,
    r.durationMs !== undefined ? `took ${formatDuration(r.durationMs)}` : `updated ${r.updatedAt}`,
    r.scope.orgs.length ? `orgs ${r.scope.orgs.join(', ')}` : '',
    r.scope.spaces.length ? `spaces ${r.scope.spaces.join(', ')}` : '',
    r.scope.labelSelector ? `labels ${r.scope.labelSelector}` : '',
    r.resumedFrom ? `resumed from ${r.resumedFrom}` : '',
  ].filter(Boolean)
  const c = r.counts
  const counts = (['restaged', 'failed', 'interrupted', 'skipped', 'pending'] as const)
    .filter((k) => c[k] || k === 'restaged' || k === 'failed')
    .map((k) => `<span class="${k}">${RESULT[k]}: ${n(c[k])}</span>`)
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(headline(r))}</title>`,
    `<style>${CSS}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(headline(r))}</h1>`,
    `<p class="meta">${escapeHtml(meta.join(' · '))}</p>`,
    `<p class="counts">${counts.join('')}</p>`,
    failuresSection(r),
    '<h2>Timeline</h2>',
    timelineSvg(r),
    `<h2>Apps (${n(r.apps.length)})</h2>`,
    appsTable(r),
    warningsSection(r),
    `<p class="meta">Written by cfzd restage-all; the JSON report is inside this file, so --resume accepts it.</p>`,
    `<script type="application/json" id="${REPORT_DATA_ID}">${jsonForHtml(r)}</script>`,
    '</body></html>',
    '',
  ].join('\n')
}
