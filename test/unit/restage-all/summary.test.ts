import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from '@jest/globals'
import {needOf, peakOf} from '../../../src/restage-all/plan.js'
import {bar, outcomeLine} from '../../../src/restage-all/progress.js'
import {countEntries, ReportFile, reportChunks, type Report} from '../../../src/restage-all/report.js'
import {renderPlan, renderSummary} from '../../../src/restage-all/summary.js'
import type {ReportEntry} from '../../../src/restage-all/types.js'

const plain = {bold: (s: string) => s}

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
    scope: {orgs: [], spaces: []},
    startedAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:03:12Z',
    durationMs: 192_000,
    discovery: {apps: 9_040, requests: 6, perAppRequests: 0, durationMs: 800, releases: [{stack: 'cflinuxfs4', updatedAt: '2026-02-01T10:00:00Z'}]},
    counts: countEntries(apps),
    notUsingBuildpack: {'other-buildpack': 9_000, docker: 12, 'no-droplet': 0},
    apps,
    ...over,
  }
}

describe('summary', () => {
  it('renders restaged, skipped (with reason) and failed (with reason) with durations, failures first', () => {
    const r = report([
      entry({name: 'checkout', status: 'restaged', durationMs: 62_000}),
      entry({
        name: 'legacy',
        space: 'dev',
        status: 'skipped',
        reason: 'stopped',
        detail: 'stopped (use --include-stopped to give it a new droplet and leave it stopped)',
      }),
      entry({
        name: 'billing',
        status: 'failed',
        reason: 'failed',
        durationMs: 20_000,
        detail: 'Staging failed for app billing: BuildpackCompileFailed - bundle install failed\nmore detail',
      }),
      entry({name: 'worker', status: 'restaged', durationMs: 95_000, attempts: 2}),
    ])
    expect(renderSummary(r, plain, 'restage.json')).toBe(
      [
        '',
        'restaged 2 · failed 1 · skipped 1 — of 4 apps using ruby_buildpack, in 3m12s',
        '',
        'result     app        org    space   took    reason',
        'failed     billing    acme   prod    20.0s   Staging failed for app billing: BuildpackCompileFailed - bundle install failed',
        'restaged   checkout   acme   prod    1m02s',
        'restaged   worker     acme   prod    1m35s   after 2 attempts',
        'skipped    legacy     acme   dev             stopped (use --include-stopped to give it a new droplet and leave it stopped)',
        '',
        'Not using ruby_buildpack: 9,000 apps on other buildpacks, 12 docker apps (skipped: no buildpack).',
        'Report: restage.json',
      ].join('\n'),
    )
  })

  it("shows the apps' warnings under the table, each distinct one once, with the apps it concerns", () => {
    const quota =
      "Could not check the quota of space 'prod': reading its usage summary (GET /v3/spaces/s1/usage_summary) was refused for your role (403 CF-NotAuthorized: no). cfzd goes on without this check."
    const r = report([
      entry({name: 'a', status: 'restaged', durationMs: 1000, warnings: [quota]}),
      entry({name: 'b', status: 'restaged', durationMs: 1000, warnings: [quota, "App 'b' has no package ready to stage"]}),
      entry({name: 'c', status: 'restaged', durationMs: 1000}),
    ])
    const text = renderSummary(r, plain)
    expect(text).toContain(['Warnings:', `  ${quota} (a, b)`, "  App 'b' has no package ready to stage (b)"].join('\n'))
    expect(renderSummary(report([entry({status: 'restaged'})]), plain)).not.toContain('Warnings:')
  })

  it('keeps a long list of warnings short, pointing at the report', () => {
    const r = report(Array.from({length: 12}, (_, i) => entry({name: `app${i}`, status: 'restaged', warnings: [`warning ${i}`]})))
    const text = renderSummary(r, plain, 'restage.json')
    expect(text).toContain('  warning 9 (app9)')
    expect(text).not.toContain('warning 10')
    expect(text).toContain('  …and 2 other warnings in restage.json.')
  })

  it('says what was interrupted and what never started', () => {
    const r = report([
      entry({name: 'a', status: 'interrupted', detail: 'Interrupted.\nCanceled deployment', durationMs: 3000}),
      entry({name: 'b', status: 'pending'}),
    ])
    const text = renderSummary(r, plain)
    expect(text).toContain('restaged 0 · failed 0 · skipped 0 · interrupted 1 · not started 1')
    expect(text).toMatch(/interrupted\s+a\s+acme\s+prod\s+3\.0s\s+Interrupted\./)
    expect(text).toMatch(/not started\s+b\s+acme\s+prod\s*$/m)
  })

  it('draws the apps in flight under the table when asked', () => {
    const span = (name: string, from: string, to: string, status: ReportEntry['status'] = 'restaged') =>
      entry({name, status, startedAt: `2026-01-01T00:00:${from}Z`, finishedAt: `2026-01-01T00:00:${to}Z`, durationMs: (Number(to) - Number(from)) * 1000})
    const r = report([span('a', '00', '10'), span('b', '05', '20', 'failed')])
    expect(renderSummary(r, plain)).not.toContain('in flight')
    const text = renderSummary(r, {...plain, timeline: {mode: 'plain', width: 80}})
    expect(text).toMatch(/\n\nin flight \(2 max\) {3}1+2+1+\na {19}=+\nb {29}x+X\n {20}0s .* 20s\n/)
  })

  it('renders the dry-run plan: which apps, why, and the peak', () => {
    const r = report(
      [
        entry({
          name: 'checkout',
          status: 'pending',
          why: 'droplet built 2026-01-15 00:00:00 UTC with ruby_buildpack 1.8.0, before …',
          droplet: {guid: 'd', createdAt: '', stack: 'cflinuxfs4', buildpack: 'ruby_buildpack', version: '1.8.0'},
        }),
        entry({name: 'blog', status: 'skipped', reason: 'up-to-date', detail: 'droplet built 2026-02-10, after …'}),
      ],
      {
        status: 'planned',
        dryRun: true,
        options: {all: false, includeStopped: false, strategy: 'rolling', concurrency: 4, maxInFlight: 2},
        peak: {
          concurrency: 4,
          strategy: 'rolling',
          instances: 2,
          memoryMb: 1024,
          largest: [{name: 'checkout', org: 'acme', space: 'prod', instances: 2, memoryMb: 1024}],
        },
      },
    )
    const text = renderPlan(r, plain)
    expect(text).toContain('Dry run: would restage 1 app using ruby_buildpack (rolling, max-in-flight 2, 4 at a time). Nothing was changed.')
    expect(text).toContain('ruby_buildpack last updated: 2026-02-01 10:00 UTC (cflinuxfs4)')
    expect(text).toMatch(/checkout\s+acme\s+prod\s+started\s+ruby_buildpack 1\.8\.0\s+droplet built 2026-01-15/)
    expect(text).toContain('Skipped (1):')
    expect(text).toMatch(/blog\s+acme\s+prod\s+droplet built 2026-02-10, after …/)
    expect(text).toContain(
      'At peak: up to 2 extra instances and 1,024 MB of extra memory, with 1 app in flight (rolling: up to max-in-flight new instances per app)',
    )
    expect(text).toContain('Found in 6 API requests over 9,040 apps.')
  })
})

describe('peak arithmetic', () => {
  const web = (instances: number, memory = 256) => [{type: 'web', instances, memory_in_mb: memory}]
  it.each([
    {name: 'rolling, mif 1', state: 'STARTED', processes: web(10), strategy: 'rolling', mif: undefined, want: {instances: 1, memoryMb: 256}},
    {name: 'rolling, mif 3', state: 'STARTED', processes: web(10, 512), strategy: 'rolling', mif: 3, want: {instances: 3, memoryMb: 1536}},
    {name: 'rolling, mif above instances', state: 'STARTED', processes: web(2), strategy: 'rolling', mif: 5, want: {instances: 2, memoryMb: 512}},
    {
      name: 'blue-green copies every process',
      state: 'STARTED',
      processes: [...web(3), {type: 'worker', instances: 2, memory_in_mb: 1024}],
      strategy: 'blue-green',
      mif: undefined,
      want: {instances: 5, memoryMb: 2816},
    },
    {name: 'stopped: staging only', state: 'STOPPED', processes: web(10), strategy: 'blue-green', mif: undefined, want: {instances: 0, memoryMb: 0}},
    {name: 'no web process', state: 'STARTED', processes: [], strategy: 'rolling', mif: undefined, want: {instances: 0, memoryMb: 0}},
  ])('$name', ({state, processes, strategy, mif, want}) => {
    expect(needOf(state, processes, strategy, mif)).toEqual(want)
  })

  it('the peak is the largest needs, --concurrency of them at once', () => {
    const needs = [100, 400, 300, 200].map((m, i) => ({name: `a${i}`, org: 'o', space: 's', instances: i + 1, memoryMb: m}))
    expect(peakOf(needs, 2, 'rolling')).toMatchObject({instances: 7, memoryMb: 700})
    expect(peakOf(needs, 10, 'rolling')).toMatchObject({instances: 10, memoryMb: 1000})
  })
})

describe('progress lines', () => {
  it('draws the bar', () => {
    expect(bar(0, 40)).toBe('[░░░░░░░░░░░░░░░░░░░░] 0/40')
    expect(bar(12, 40)).toBe('[██████░░░░░░░░░░░░░░] 12/40')
    expect(bar(0, 0)).toBe('[████████████████████] 0/0')
  })

  it('says what happened to each app in one line', () => {
    expect(outcomeLine('o/s/a', entry({status: 'restaged', durationMs: 61_000}))).toBe('✔ o/s/a restaged in 1m01s')
    expect(outcomeLine('o/s/a', entry({status: 'restaged', state: 'STOPPED', durationMs: 5000}))).toBe(
      '✔ o/s/a restaged in 5.0s (stopped: new droplet, left stopped)',
    )
    expect(outcomeLine('o/s/a', entry({status: 'failed', durationMs: 5000, detail: 'boom\nmore'}))).toBe('✖ o/s/a failed after 5.0s: boom')
    expect(outcomeLine('o/s/a', entry({status: 'skipped', detail: 'deleted since discovery'}))).toBe('- o/s/a skipped: deleted since discovery')
  })
})

describe('ReportFile', () => {
  it('folds saves requested during a write into one more write, and leaves no temporary file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-report-'))
    try {
      const file = path.join(dir, 'r.json')
      const f = new ReportFile(file)
      const r = report([])
      const saves = Array.from({length: 20}, (_, i) => f.save({...r, updatedAt: `t${i}`}))
      await Promise.all(saves)
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).updatedAt).toBe('t19')
      expect(fs.readdirSync(dir)).toEqual(['r.json'])
      expect(f.error).toBeUndefined()
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })

  it('keeps the first write error for the caller, without throwing', async () => {
    const f = new ReportFile('/nonexistent-dir/r.json')
    await f.save(report([]))
    expect((f.error as NodeJS.ErrnoException).code).toBe('ENOENT')
  })
})

describe('reportChunks', () => {
  it.each([0, 1, 3, 500])('is the same JSON as the report (%i apps), one app per line', (n) => {
    const apps = Array.from({length: n}, (_, i) => entry({guid: `g${i}`, name: `app-${i}`, status: 'restaged', durationMs: i}))
    const r = report(apps)
    const chunks = reportChunks(r, 1024)
    const text = chunks.join('')
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(r)))
    if (n > 0) expect(text.split('\n').filter((l) => l.startsWith('    {"guid"'))).toHaveLength(n)
    if (n === 500) expect(chunks.length).toBeGreaterThan(10)
  })
})
