import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from '@jest/globals'
import type {ProbeSummary} from '../../../src/probe/session.js'
import {countEntries, type Report} from '../../../src/restage-all/report.js'
import type {ReportEntry} from '../../../src/restage-all/types.js'
import {writeSummary} from '../../../src/summary/index.js'
import {
  cell,
  code,
  failureMarkdown,
  MAX_ROWS,
  operationMarkdown,
  restageAllMarkdown,
  summaryMarkdown,
  table,
  type SummaryResult,
} from '../../../src/summary/markdown.js'

const rolling: SummaryResult = {
  operation: 'restart',
  strategy: 'rolling',
  app: {name: 'web', guid: 'app-1'},
  droplet: {guid: 'drop-2', previous: 'drop-1'},
  deployment: {guid: 'dep-1', status: 'FINALIZED', reason: 'DEPLOYED'},
  outcome: 'deployed',
  durationsMs: {check: 120, deploy: 340, wait: 11_800},
  totalMs: 12_300,
  left: [],
  warnings: [],
  next: [],
}

const probe: ProbeSummary = {
  url: 'http://web.apps.localhost:9080/',
  ratePerSec: 10,
  sent: 123,
  ok: 123,
  failed: 0,
  availability: 100,
  longestFailureRun: 0,
  p50Ms: 2,
  p99Ms: 8,
  durationMs: 12_300,
  droplets: [
    {droplet: 'drop-1', role: 'old', fromMs: 0, toMs: 8100, count: 80},
    {droplet: 'drop-2', role: 'new', fromMs: 5000, toMs: 12_300, count: 43},
  ],
  failures: [],
}

describe('the Markdown summary of an operation', () => {
  it('gives the outcome, the facts, and every step with its duration and the total', () => {
    expect(operationMarkdown(rolling, 'restart')).toBe(
      [
        '### ✅ cfzd restart web: deployed',
        '',
        '|  |  |',
        '| --- | --- |',
        '| app | `web` (`app-1`) |',
        '| strategy | rolling |',
        '| droplet | `drop-2` (was `drop-1`) |',
        '| deployment | `dep-1` FINALIZED/DEPLOYED |',
        '| took | 12.3s |',
        '',
        '#### Steps',
        '',
        '| step | duration |',
        '| --- | ---: |',
        '| check | 120ms |',
        '| deploy | 340ms |',
        '| wait | 11.8s |',
        '| **total** | **12.3s** |',
      ].join('\n'),
    )
  })

  it('adds the probe report: requests, availability, latency, the droplets that answered', () => {
    const md = operationMarkdown({...rolling, probe}, 'restart')
    expect(md).toContain(
      [
        '#### Probe',
        '',
        '`http://web.apps.localhost:9080/`, 10 requests/s for 12.3s',
        '',
        '| sent | ok | failed | availability | longest run of failures | p50 | p99 |',
        '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        '| 123 | 123 | 0 | 100% | 0 | 2ms | 8ms |',
        '',
        '| droplet | role | answered from | to | requests |',
        '| --- | --- | ---: | ---: | ---: |',
        '| `drop-1` | old | 0.0s | 8.1s | 80 |',
        '| `drop-2` | new | 5.0s | 12.3s | 43 |',
      ].join('\n'),
    )
  })

  it('says when the probe aborted the operation, and where it first failed', () => {
    const md = operationMarkdown({
      ...rolling,
      probe: {
        ...probe,
        failed: 3,
        failures: [{atMs: 4200, status: 502}],
        aborted: {reason: 'the probe saw 3 failed requests (--abort-on-errors 3)', atMs: 4300},
      },
    })
    expect(md).toContain('- First failure at 4.2s: HTTP 502')
    expect(md).toContain('- Aborted at 4.3s: the probe saw 3 failed requests (--abort-on-errors 3)')
  })

  it('shows a paused canary with its step and the commands to run next; blue-green with the old app', () => {
    const canary = operationMarkdown({
      ...rolling,
      strategy: 'canary',
      outcome: 'paused',
      deployment: {guid: 'd', status: 'ACTIVE', reason: 'PAUSED', canarySteps: {current: 1, total: 3}},
      left: ['Deployment d is paused'],
      next: ['cfzd continue-deployment web', 'cfzd cancel-deployment web'],
    })
    expect(canary).toMatch(/^### ⏸️ cfzd restart web: paused/)
    expect(canary).toContain('| deployment | `d` ACTIVE/PAUSED, canary step 1/3 |')
    expect(canary).toContain('#### Left on the foundation\n\n- Deployment d is paused')
    expect(canary).toContain('#### Next\n\n- `cfzd continue-deployment web`\n- `cfzd cancel-deployment web`')
    const bg = operationMarkdown(
      {
        ...rolling,
        strategy: 'blue-green',
        deployment: undefined,
        previousApp: {name: 'web-venerable', guid: 'app-0', state: 'deleted'},
        warnings: ['a | warning'],
      },
      'bg-restart',
    )
    expect(bg).toMatch(/^### ✅ cfzd bg-restart web: deployed/)
    expect(bg).toContain('| old app | `web-venerable` (`app-0`) deleted |')
    expect(bg).toContain('#### Warnings\n\n- a \\| warning')
  })

  it('summarises each app of a multi-app push, with what was uploaded', () => {
    const md = summaryMarkdown(
      [
        {...rolling, operation: 'push', mode: 'update', upload: {files: 3, matched: 1, zipBytes: 2048}},
        {...rolling, operation: 'push', app: {name: 'worker', guid: 'app-2'}, outcome: 'uploaded', durationsMs: {}},
      ],
      'push',
    )
    expect(md).toContain('### ✅ cfzd push web: deployed')
    expect(md).toContain('| bits | 3 files, 1 already on the foundation, 2048 bytes uploaded |')
    expect(md).toContain('### ✅ cfzd push worker: uploaded')
  })
})

const entry = (over: Partial<ReportEntry>): ReportEntry => ({
  guid: 'g',
  name: 'app',
  org: 'acme',
  space: 'prod',
  spaceGuid: 's1',
  state: 'STARTED',
  status: 'pending',
  ...over,
})

function report(apps: ReportEntry[], over: Partial<Report> = {}): Report {
  return {
    version: 1,
    command: 'restage-all',
    buildpack: 'ruby_buildpack',
    status: 'finished',
    dryRun: false,
    options: {all: false, includeStopped: false, strategy: 'rolling', concurrency: 4},
    scope: {orgs: ['acme'], spaces: []},
    startedAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:03:12Z',
    durationMs: 192_000,
    discovery: {apps: 40, requests: 6, perAppRequests: 0, durationMs: 800, releases: []},
    counts: countEntries(apps),
    notUsingBuildpack: {'other-buildpack': 30, docker: 2, 'no-droplet': 0},
    apps,
    ...over,
  }
}

describe('the Markdown summary of restage-all', () => {
  const droplet = {guid: 'old-drop', createdAt: '2026-01-01T00:00:00Z', stack: 'cflinuxfs4', buildpack: 'ruby_buildpack', version: '1.10.0'}

  it('gives the counts, then every app with its status, failures first', () => {
    const md = restageAllMarkdown(
      report([
        entry({name: 'checkout', status: 'restaged', durationMs: 62_000, droplet, newDroplet: 'new-drop', why: 'built before ruby_buildpack was updated'}),
        entry({name: 'legacy', space: 'dev', status: 'skipped', reason: 'stopped', detail: 'stopped (use --include-stopped)'}),
        entry({name: 'billing', status: 'failed', reason: 'failed', durationMs: 20_000, droplet, detail: 'Staging failed: bundle install failed\nmore detail'}),
      ]),
    )
    expect(md).toBe(
      [
        '### ❌ cfzd restage-all --buildpack ruby_buildpack: 1 restaged, 1 failed, 1 skipped',
        '',
        '| selected | restaged | failed | skipped | interrupted | not started | strategy | concurrency | took |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        '| 2 | 1 | 1 | 1 | 0 | 0 | rolling | 4 | 3m12s |',
        '',
        'Scope: org acme',
        '',
        '#### Apps',
        '',
        '| app | org / space | status | buildpack | droplet | took | why |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        '| billing | acme / prod | ❌ failed | ruby_buildpack 1.10.0 | `old-drop` | 20.0s | Staging failed: bundle install failed |',
        '| checkout | acme / prod | ✅ restaged | ruby_buildpack 1.10.0 | `new-drop` | 1m02s | built before ruby_buildpack was updated |',
        '| legacy | acme / dev | ➖ skipped |  |  |  | stopped (use --include-stopped) |',
      ].join('\n'),
    )
  })

  it('shows a dry run as a plan with the peak capacity it needs', () => {
    const md = summaryMarkdown(
      report([entry({name: 'checkout', droplet, why: 'built before the update'})], {
        dryRun: true,
        status: 'planned',
        durationMs: undefined,
        peak: {concurrency: 4, strategy: 'rolling', instances: 1, memoryMb: 256, largest: []},
      }),
    )
    expect(md).toMatch(/^### 📋 cfzd restage-all --buildpack ruby_buildpack: plan: 1 to restage, 0 skipped/)
    expect(md).toContain('Peak extra capacity: 1 instances, 256 MB (4 apps at a time, rolling).')
    expect(md).toContain('| checkout | acme / prod | 📋 to restage |')
  })

  it('cuts a long list of apps, saying how many are left out', () => {
    const apps = Array.from({length: MAX_ROWS + 7}, (_, i) => entry({name: `app-${i}`, status: 'restaged'}))
    const md = restageAllMarkdown(report(apps))
    expect(md).toContain(`| app-${MAX_ROWS - 1} |`)
    expect(md).not.toContain(`| app-${MAX_ROWS} |`)
    expect(md).toContain('… and 7 more (see the --json output).')
  })

  it('says so when no app uses the buildpack', () => {
    expect(restageAllMarkdown(report([]))).toContain('No app uses ruby_buildpack.')
  })
})

describe('the Markdown of a failure, and Markdown escaping', () => {
  it('shows the message in a block, the suggestions and the probe', () => {
    const md = failureMarkdown('restart web', {message: 'Aborted: 3 failed\n```\nmore', exitCode: 1, suggestions: ['Look at the app logs'], details: {probe}})
    expect(md).toMatch(/^### ❌ cfzd restart web: failed \(exit 1\)\n\n````text\nAborted: 3 failed\n```\nmore\n````\n\n- Look at the app logs\n\n#### Probe/)
    expect(failureMarkdown('restage-all --buildpack x', {message: 'Interrupted.', exitCode: 130})).toMatch(
      /^### ⚠️ cfzd restage-all --buildpack x: interrupted \(exit 130\)/,
    )
  })

  it('keeps table cells and inline code intact', () => {
    expect(cell('a|b\nc <d>')).toBe('a\\|b c &lt;d&gt;')
    expect(code('x`y')).toBe('`` x`y ``')
    expect(table(['a'], [[code('p|q')]])).toBe('| a |\n| --- |\n| `p\\|q` |')
  })
})

describe('writing the summary', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-summary-'))
  afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

  it('appends to GITHUB_STEP_SUMMARY and writes --summary FILE, creating its folder', async () => {
    const step = path.join(dir, 'step-summary.md')
    fs.writeFileSync(step, '# earlier step\n')
    const file = path.join(dir, 'out', 'summary.md')
    const warnings = await writeSummary({command: 'restart', result: rolling}, {file, env: {GITHUB_STEP_SUMMARY: step}})
    expect(warnings).toEqual([])
    const written = fs.readFileSync(file, 'utf8')
    expect(written).toMatch(/^### ✅ cfzd restart web: deployed\n/)
    expect(fs.readFileSync(step, 'utf8')).toBe(`# earlier step\n${written}\n`)
    await writeSummary({command: 'restart', target: 'web', error: {message: 'boom', exitCode: 1}}, {file, env: {}})
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^### ❌ cfzd restart web: failed \(exit 1\)/)
  })

  it('warns, and does not throw, when a target cannot be written', async () => {
    const warnings = await writeSummary(
      {command: 'restart', result: rolling},
      {file: path.join(dir, 'missing-dir-file', '\0bad'), env: {GITHUB_STEP_SUMMARY: path.join(dir, 'no', 'such', 'dir', 'x.md')}},
    )
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/GITHUB_STEP_SUMMARY/)
  })

  it('writes nothing when there is no target', async () => {
    expect(await writeSummary({command: 'restart', result: rolling}, {env: {}})).toEqual([])
  })
})
