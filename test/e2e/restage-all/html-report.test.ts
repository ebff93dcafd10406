/**
 * restage-all --report FILE.html end to end: the built CLI restages apps on the local foundation
 * (one fails, one has markup in its name and its failure), then the page is opened in a real
 * headless Chromium: the DOM it builds has the table rows and the failure's reason as text (no
 * injected element), and its screenshot is a PNG of the window's size with the timeline's bars
 * in it. The page needs nothing from outside the file. --resume accepts the HTML report.
 * Chromium missing fails here with how to install it (.ci/run installs Debian's package).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {renderHtmlReport} from '../../../src/report/html.js'
import type {Report} from '../../../src/restage-all/report.js'
import {countPixels, decodePng, dumpDom, findChromium, screenshot} from '../../helpers/chromium.js'
import {startE2E, type E2E} from '../../helpers/e2e.js'

const M = '64M'
const EVIL = 'bad<script>document.title="pwned"</script>'
const EVIL_REASON = 'BuildpackCompileFailed - <img src=x onerror=alert(1)> & "gems"'
const ruby = (name: string, over: Record<string, unknown> = {}) => ({name, buildpacks: ['ruby_buildpack'], memory: M, droplet: {stale: true}, ...over})

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-html-report-'))
afterAll(() => (process.env.KEEP_HTML_REPORT_DIR ? undefined : fs.rmSync(dir, {recursive: true, force: true})))

/** The <tbody> rows of the apps table in a serialised DOM, as {status, cells}. */
function rows(dom: string): {status: string; cells: string[]}[] {
  const body = /<table id="apps">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(dom)?.[1] ?? ''
  return [...body.matchAll(/<tr class="[^"]*" data-status="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({
    status: m[1],
    cells: [...m[2].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]),
  }))
}

describe('restage-all --report FILE.html, checked in headless Chromium', () => {
  let e: E2E
  let chromium: string
  beforeAll(async () => {
    chromium = findChromium()
    e = await startE2E({
      seed: {
        orgs: [
          {
            name: 'local',
            spaces: [
              {name: 'dev', apps: [ruby('good1'), ruby(EVIL, {no_route: true, env: {CFZD_LOCAL_STAGING_FAIL: EVIL_REASON}}), ruby('good2', {instances: 2})]},
            ],
          },
        ],
      },
    })
  }, 60_000)
  afterAll(async () => e?.stop())

  it('writes a self-contained page with the table, the timeline and the failure, which Chromium renders', async () => {
    const file = path.join(dir, 'restage.html')
    const r = await e.cli(['restage-all', '-b', 'ruby_buildpack', '--report', file])
    expect(r.code).toBe(1)
    // The terminal's timeline, in plain text (the e2e env sets NO_COLOR and CI).
    expect(r.stdout).toMatch(/^in flight \(\d max\)\s+[0-9 ]+$/m)
    expect(r.stdout).toContain('digits: apps in flight')

    const html = fs.readFileSync(file, 'utf8')
    expect(html.startsWith('<!doctype html>')).toBe(true)
    // Self-contained: nothing to fetch, nothing to run.
    expect(html).not.toMatch(/<link|<img|<iframe|<[a-z][^>]*\s(src|href)=|@import|url\(/i)
    expect([...html.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual(['<script type="application/json" id="cfzd-report">'])
    expect(html).toContain('bad&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;')

    const dom = await dumpDom(chromium, file)
    expect(/<title>([^<]*)<\/title>/.exec(dom)?.[1]).toBe('restage-all ruby_buildpack: 2 restaged, 1 failed, 0 skipped')
    expect(dom).not.toMatch(/<img|pwned"?<\/title>/)
    const table = rows(dom)
    expect(table.map((x) => [x.status, x.cells[1]])).toEqual([
      ['failed', 'bad&lt;script&gt;document.title="pwned"&lt;/script&gt;'],
      ['restaged', 'good1'],
      ['restaged', 'good2'],
    ])
    expect(table[0].cells[5]).toContain('BuildpackCompileFailed - &lt;img src=x onerror=alert(1)&gt; &amp; "gems"')
    expect(dom).toMatch(/<h2>Failures \(1\)<\/h2>\s*<div class="failure"[^>]*><strong>bad&lt;script&gt;/)
    expect((dom.match(/<g class="span (restaged|failed)">/g) ?? []).length).toBe(3)

    const png = await screenshot(chromium, file, path.join(dir, 'restage.png'), 1000, 900)
    const picture = decodePng(png)
    expect({width: picture.width, height: picture.height}).toEqual({width: 1000, height: 900})
    const total = picture.width * picture.height
    const ink = countPixels(picture)
    // Not blank, not a solid colour: headings, bars and a table on a white page.
    expect(ink / total).toBeGreaterThan(0.03)
    expect(ink / total).toBeLessThan(0.6)
    // The timeline's bars: green for the restaged apps, red for the failed one.
    expect(countPixels(picture, (red, g, b) => g > 100 && red < 80 && b < 80)).toBeGreaterThan(1000)
    expect(countPixels(picture, (red, g, b) => red > 170 && g < 80 && b < 80)).toBeGreaterThan(1000)

    // The JSON report rides inside: --resume takes the page, skips the two done and retries the failed one.
    const again = await e.cli(['restage-all', '-b', 'ruby_buildpack', '--resume', file])
    expect(again.code).toBe(1)
    expect(again.stdout).toMatch(/^skipped\s+good1\s+local\s+dev\s+already restaged \(per /m)
    const resumed = /<script type="application\/json" id="cfzd-report">([\s\S]*?)<\/script>/.exec(fs.readFileSync(file, 'utf8'))![1]
    expect((JSON.parse(resumed) as Report).counts).toMatchObject({restaged: 0, failed: 1, skipped: 2})
  }, 120_000)

  it('renders a run with no apps as a page that says so', async () => {
    const file = path.join(dir, 'empty.html')
    const empty: Report = {
      version: 1,
      command: 'restage-all',
      buildpack: 'go_buildpack',
      status: 'finished',
      dryRun: false,
      options: {all: false, includeStopped: false, strategy: 'rolling', concurrency: 4},
      scope: {orgs: [], spaces: []},
      startedAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:01.000Z',
      durationMs: 1000,
      discovery: {apps: 0, requests: 3, perAppRequests: 0, durationMs: 20, releases: []},
      counts: {selected: 0, restaged: 0, failed: 0, skipped: 0, interrupted: 0, pending: 0},
      notUsingBuildpack: {'other-buildpack': 0, docker: 0, 'no-droplet': 0},
      apps: [],
    }
    fs.writeFileSync(file, renderHtmlReport(empty))
    const dom = await dumpDom(chromium, file)
    expect(dom).toContain('No app uses go_buildpack in scope.')
    expect(dom).toContain('<h2>Failures</h2>\n<p class="none">None.</p>')
    expect(rows(dom)).toEqual([])
  }, 60_000)
})
