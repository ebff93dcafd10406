import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from '@jest/globals'
import {escapeHtml, extractReportJson, jsonForHtml, renderHtmlReport, timelineSvg} from '../../../src/report/html.js'
import {loadResume, ReportFile, type Report} from '../../../src/restage-all/report.js'
import type {ReportEntry} from '../../../src/restage-all/types.js'

const t0 = Date.parse('2026-01-01T00:00:00Z')
const at = (s: number) => new Date(t0 + s * 1000).toISOString()
const entry = (name: string, status: ReportEntry['status'], over: Partial<ReportEntry> = {}): ReportEntry => ({
  guid: `g-${name}`,
  name,
  org: 'acme',
  space: 'prod',
  spaceGuid: 's1',
  state: 'STARTED',
  status,
  ...(status === 'restaged' || status === 'failed' || status === 'interrupted' ? {startedAt: at(0), finishedAt: at(10), durationMs: 10_000} : {}),
  ...over,
})

function report(apps: ReportEntry[]): Report {
  const counts = {selected: 0, restaged: 0, failed: 0, skipped: 0, interrupted: 0, pending: 0}
  for (const a of apps) {
    counts[a.status]++
    if (a.status !== 'skipped') counts.selected++
  }
  return {
    version: 1,
    command: 'restage-all',
    buildpack: 'ruby_buildpack',
    status: 'finished',
    dryRun: false,
    options: {all: false, includeStopped: false, strategy: 'rolling', concurrency: 4},
    scope: {orgs: ['acme'], spaces: [], labelSelector: 'team=<x>'},
    startedAt: at(0),
    updatedAt: at(20),
    finishedAt: at(20),
    durationMs: 20_000,
    discovery: {apps: apps.length, requests: 3, perAppRequests: 0, durationMs: 10, releases: []},
    counts,
    notUsingBuildpack: {'other-buildpack': 0, docker: 0, 'no-droplet': 0},
    apps,
  }
}

const EVIL = '<script>alert("x")</script>'
const rows = (html: string) =>
  [...html.matchAll(/<tr class="[a-z]+" data-status="([a-z]+)"><td class="result">[^<]*<\/td><td>([^<]*)<\/td>/g)].map((m) => [m[1], m[2]])

describe('the HTML report', () => {
  it('escapes every name and reason, in text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
    const html = renderHtmlReport(
      report([entry(EVIL, 'failed', {reason: 'failed', detail: `Staging failed: <img src=x onerror=alert(1)>`, org: '<o>', space: '"s"', warnings: ['<w>']})]),
    )
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<o>')
    expect(html).not.toContain('<w>')
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(html).toContain('data-app="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"')
    expect(html).toContain('Staging failed: &lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('labels team=&lt;x&gt;')
    // The one <script> is the JSON data block, which cannot be closed from inside.
    expect(html.match(/<script/g)).toHaveLength(1)
    expect(html.match(/<\/script>/g)).toHaveLength(1)
  })

  it('is self-contained: inline style, no external resources, a CSP that forbids them', () => {
    const html = renderHtmlReport(report([entry('web', 'restaged')]))
    expect(html).toMatch(/^<!doctype html>\n<html lang="en"><head><meta charset="utf-8">/)
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`)
    expect(html).not.toMatch(/<link|<img|@import|url\(|<[a-z][^>]*\s(src|href)=/i)
  })

  it('lists the failures with their reasons first, then every app', () => {
    const html = renderHtmlReport(
      report([
        entry('ok1', 'restaged'),
        entry('bad', 'failed', {reason: 'quota', detail: 'memory quota exceeded'}),
        entry('cut', 'interrupted', {reason: 'interrupted', detail: 'Interrupted.'}),
        entry('new', 'skipped', {reason: 'up-to-date', detail: 'built after the release'}),
        entry('later', 'pending'),
      ]),
    )
    expect(html).toContain('<h2>Failures (2)</h2>')
    expect(html).toContain('<strong>bad</strong> <span class="where">(acme / prod)</span>: failed (quota)<pre>memory quota exceeded</pre>')
    expect(html).toContain('<strong>cut</strong> <span class="where">(acme / prod)</span>: interrupted<pre>Interrupted.</pre>')
    expect(rows(html)).toEqual([
      ['failed', 'bad'],
      ['interrupted', 'cut'],
      ['pending', 'later'],
      ['restaged', 'ok1'],
      ['skipped', 'new'],
    ])
    expect(html).toContain('<title>restage-all ruby_buildpack: 1 restaged, 1 failed, 1 skipped, 1 interrupted, 1 not started</title>')
    expect(html.match(/<g class="span /g)).toHaveLength(3)
  })

  it('says so when there are no apps, no failures or nothing ran', () => {
    const empty = renderHtmlReport(report([]))
    expect(empty).toContain('<p class="none">No app uses ruby_buildpack in scope.</p>')
    expect(empty).toContain('<h2>Failures</h2>\n<p class="none">None.</p>')
    expect(empty).toContain('there is no timeline')
    expect(rows(empty)).toEqual([])
    const one = renderHtmlReport(report([entry('web', 'restaged')]))
    expect(rows(one)).toEqual([['restaged', 'web']])
    expect(one).toContain('<p class="none">None.</p>')
  })

  it('draws many apps: a bar each, the in-flight strip merged into runs', () => {
    const apps = Array.from({length: 300}, (_, i) =>
      entry(`app${i}`, i % 50 === 0 ? 'failed' : 'restaged', {startedAt: at(i), finishedAt: at(i + 5), durationMs: 5000}),
    )
    const svg = timelineSvg(report(apps))
    expect(svg.match(/<g class="span restaged">/g)).toHaveLength(294)
    expect(svg.match(/<g class="span failed">/g)).toHaveLength(6)
    expect(svg).toContain('in flight (5 max)')
    expect(svg).toContain(`height="${64 + 300 * 16 + 24}"`)
    expect(renderHtmlReport(report(apps)).length).toBeLessThan(200_000)
  })

  it('carries the JSON report, which survives any name', () => {
    const r = report([entry(`${EVIL}\u2028<!--`, 'failed', {detail: '</script><script>alert(1)</script>'})])
    expect(jsonForHtml(r)).not.toMatch(/[<>&]/)
    const json = extractReportJson(renderHtmlReport(r))
    expect(JSON.parse(json!)).toEqual(r)
    expect(extractReportJson('<!doctype html><p>hello</p>')).toBeUndefined()
  })
})

describe('--report FILE.html and --resume FILE.html', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-html-unit-'))
  afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

  it('writes the page for .html and .htm, JSON otherwise', async () => {
    const r = report([entry('web', 'restaged')])
    for (const name of ['r.html', 'r.HTM', 'r.json', 'r.txt']) {
      const file = path.join(dir, name)
      await new ReportFile(file).save(r)
      const text = fs.readFileSync(file, 'utf8')
      expect({name, html: text.startsWith('<!doctype html>')}).toEqual({name, html: /\.html?$/i.test(name)})
    }
  })

  it('resumes from the page: the apps it says are done are skipped', async () => {
    const file = path.join(dir, 'resume.html')
    await new ReportFile(file).save(report([entry('web', 'restaged'), entry('bad', 'failed')]))
    const resume = await loadResume(file, 'ruby_buildpack')
    expect(resume.done({guid: 'g-web', spaceGuid: 's1', name: 'web'})).toBe(true)
    expect(resume.done({guid: 'g-bad', spaceGuid: 's1', name: 'bad'})).toBe(false)
    await expect(loadResume(file, 'go_buildpack')).rejects.toThrow("is a report for buildpack 'ruby_buildpack'")
  })

  it('says clearly when a page has no report inside', async () => {
    const file = path.join(dir, 'other.html')
    fs.writeFileSync(file, '<!DOCTYPE html><html><body>hello</body></html>')
    await expect(loadResume(file, 'ruby_buildpack')).rejects.toThrow(`${file} is an HTML page without a cfzd restage-all report inside.`)
  })
})
