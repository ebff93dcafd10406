/**
 * cfzd restage-all end to end: the built CLI against the local foundation, seeded with several
 * orgs and spaces, mixed buildpacks, stopped and docker apps, and a buildpack whose new version
 * was just released. Live traffic runs through the router at every app that gets restaged, and
 * each must see zero failed requests. Checks that exactly the right apps get a new droplet (and
 * no other), resume after an interrupted run, and one app failing while the others finish.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import type {SeedSpec} from '../../../src/local/index.js'
import type {Probe, ProbeReport} from '../../../src/probe/probe.js'
import type {Report} from '../../../src/restage-all/report.js'
import {startE2E, type CliResult, type E2E} from '../../helpers/e2e.js'

const M = '64M'
const ruby = (name: string, over: Record<string, unknown> = {}) => ({name, buildpacks: ['ruby_buildpack'], memory: M, ...over})

const dirs: string[] = []
function scratch(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-restage-all-'))
  dirs.push(d)
  return d
}

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, {recursive: true, force: true})
})

function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
  return r
}

function readReport(file: string): Report {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Report
}

/** Every app's current droplet, by "org/space/app". */
async function droplets(e: E2E): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {}
  const spaces = new Map((await e.capi.spaces.list()).map((s) => [s.guid, s]))
  const orgs = new Map((await e.capi.organizations.list()).map((o) => [o.guid, o.name]))
  for await (const a of e.capi.apps.list()) {
    const s = spaces.get(a.relationships.space.data.guid)!
    out[`${orgs.get(s.relationships.organization.data.guid)}/${s.name}/${a.name}`] = a.relationships.current_droplet?.data?.guid ?? null
  }
  return out
}

function changed(before: Record<string, string | null>, after: Record<string, string | null>): string[] {
  return Object.keys(after)
    .filter((k) => before[k] !== after[k])
    .sort()
}

/** Traffic at each app's route; stop() checks that not one request failed. */
function trafficAt(e: E2E, hosts: string[]) {
  const probes = new Map<string, Probe>(hosts.map((h) => [h, e.traffic(h, {ratePerSec: 20, concurrency: 4})]))
  return {
    async stop(): Promise<Record<string, ProbeReport>> {
      const reports: Record<string, ProbeReport> = {}
      for (const [h, p] of probes) reports[h] = await p.stop()
      return reports
    },
  }
}

function expectNoFailures(reports: Record<string, ProbeReport>) {
  for (const [host, r] of Object.entries(reports)) {
    expect({host, sent: r.sent > 20, failed: r.failed, failures: r.failures.slice(0, 3)}).toEqual({host, sent: true, failed: 0, failures: []})
  }
}

describe('restage-all after a buildpack release', () => {
  const SEED: SeedSpec = {
    orgs: [
      {name: 'local', spaces: [{name: 'dev', apps: [{name: 'sample', buildpacks: ['nodejs_buildpack'], memory: M}]}]},
      {
        name: 'acme',
        spaces: [
          {
            name: 'prod',
            apps: [
              ruby('shop', {instances: 2}),
              ruby('cart', {droplet: {stale: true}}),
              {name: 'blog', buildpacks: ['nodejs_buildpack'], memory: M},
              {name: 'img', docker: {image: 'example/img:1'}, memory: M},
              ruby('batch', {state: 'STOPPED'}),
            ],
          },
          {name: 'dev', apps: [ruby('api'), {name: 'worker', buildpacks: ['go_buildpack'], memory: M}]},
        ],
      },
      {
        name: 'beta',
        spaces: [
          {name: 'prod', apps: [ruby('portal'), ruby('early', {labels: {restage: 'early'}}), {name: 'www', buildpacks: ['staticfile_buildpack'], memory: M}]},
        ],
      },
    ],
  }
  let e: E2E
  let dir: string

  beforeAll(async () => {
    e = await startE2E({seed: SEED})
    dir = scratch()
    // The security patch: ruby_buildpack gets a new version now, so every ruby droplet is older.
    expect(e.foundation.releaseBuildpack('ruby_buildpack').length).toBeGreaterThan(0)
  }, 60_000)
  afterAll(async () => e?.stop())

  it('--dry-run prints the plan, with why and the peak, and changes nothing', async () => {
    const before = await droplets(e)
    const since = Date.now()
    const r = ok(await e.cli(['restage-all', '--buildpack', 'ruby_buildpack', '--dry-run']))
    expect(changed(before, await droplets(e))).toEqual([])
    expect(e.foundation.requestLog.filter((x) => x.at >= since && x.kind === 'api' && x.method !== 'GET')).toEqual([])
    expect(r.stdout).toContain('Dry run: would restage 5 apps using ruby_buildpack (rolling, 4 at a time). Nothing was changed.')
    for (const app of ['shop', 'cart', 'api', 'portal', 'early'])
      expect(r.stdout).toMatch(
        new RegExp(`^${app}\\s+\\w+\\s+\\w+\\s+started\\s+ruby_buildpack \\S+\\s+droplet built .* before ruby_buildpack \\(cflinuxfs4\\) was updated`, 'm'),
      )
    expect(r.stdout).toMatch(/^batch\s+acme\s+prod\s+stopped \(use --include-stopped/m)
    expect(r.stdout).toContain('At peak: up to 4 extra instances and 256 MB of extra memory, with 4 apps in flight')
    expect(r.stdout).toContain('Not using ruby_buildpack: 4 apps on other buildpacks, 1 docker app (skipped: no buildpack).')
  })

  it('--label-selector narrows to the labelled app; --json prints nothing but the report', async () => {
    const before = await droplets(e)
    const r = ok(await e.cli(['restage-all', '-b', 'ruby_buildpack', '-l', 'restage=early', '--json']))
    const report = JSON.parse(r.stdout) as Report
    expect(report.apps.map((x) => [x.name, x.status])).toEqual([['early', 'restaged']])
    expect(changed(before, await droplets(e))).toEqual(['beta/prod/early'])
  })

  it('restages exactly the outdated, started apps of the buildpack, across orgs and spaces, with zero failed requests', async () => {
    const before = await droplets(e)
    const traffic = trafficAt(e, ['shop', 'cart', 'api', 'portal', 'early', 'blog'])
    const file = path.join(dir, 'report.json')
    const r = await e.cli(['restage-all', '--buildpack', 'ruby_buildpack', '--report', file])
    const reports = await traffic.stop()
    ok(r)
    expect(changed(before, await droplets(e))).toEqual(['acme/dev/api', 'acme/prod/cart', 'acme/prod/shop', 'beta/prod/portal'])
    expectNoFailures(reports)

    const report = readReport(file)
    expect(report).toMatchObject({
      status: 'finished',
      counts: {selected: 4, restaged: 4, failed: 0, skipped: 2},
      notUsingBuildpack: {'other-buildpack': 4, docker: 1, 'no-droplet': 0},
    })
    expect(Object.fromEntries(report.apps.map((x) => [x.name, x.reason ?? x.status]))).toEqual({
      shop: 'restaged',
      cart: 'restaged',
      api: 'restaged',
      portal: 'restaged',
      batch: 'stopped',
      early: 'up-to-date',
    })
    expect(report.discovery.requests).toBeLessThanOrEqual(6)
    // CI output: a plain line per app, then the summary table on stdout.
    expect(r.stderr).toMatch(/^\[4\/4\] ✔ \S+ restaged in /m)
    expect(r.stdout).toMatch(/^restaged 4 · failed 0 · skipped 2 — of 6 apps using ruby_buildpack/m)
    expect(r.stdout).toMatch(/^skipped\s+early\s+beta\s+prod\s+droplet built .*, after ruby_buildpack \(cflinuxfs4\) was updated/m)
  })

  it('--include-stopped gives a stopped app the new droplet and leaves it stopped', async () => {
    const before = await droplets(e)
    ok(await e.cli(['restage-all', '-b', 'ruby_buildpack', '--org', 'acme', '--space', 'prod', '--include-stopped']))
    expect(changed(before, await droplets(e))).toEqual(['acme/prod/batch'])
    const batch = (await e.capi.apps.list({names: ['batch']}).next()).value!
    expect(batch.state).toBe('STOPPED')
  })
})

describe('restage-all, interrupted and resumed', () => {
  const names = ['a1', 'a2', 'a3', 'a4']
  let e: E2E
  beforeAll(async () => {
    e = await startE2E({seed: {orgs: [{name: 'local', spaces: [{name: 'dev', apps: names.map((n) => ruby(n, {instances: 2, droplet: {stale: true}}))}]}]}})
  }, 60_000)
  afterAll(async () => e?.stop())

  it('Ctrl-C writes the report and exits 130; --resume restages the rest, each app once', async () => {
    const file = path.join(scratch(), 'report.json')
    const before = await droplets(e)
    const traffic = trafficAt(e, names)

    const first = await e.cli(['restage-all', '-b', 'ruby_buildpack', '--concurrency', '1', '--report', file], {interruptWhen: /\[1\/4\] ✔/})
    expect({code: first.code, stderr: first.stderr}).toMatchObject({code: 130, stderr: expect.stringContaining('Interrupted: 1 restaged')})
    const interrupted = readReport(file)
    expect(interrupted.status).toBe('interrupted')
    expect(interrupted.counts.restaged).toBe(1)
    const done = interrupted.apps.find((x) => x.status === 'restaged')!
    const afterFirst = await droplets(e)
    expect(changed(before, afterFirst)).toEqual([`local/dev/${done.name}`])

    const second = ok(await e.cli(['restage-all', '-b', 'ruby_buildpack', '--all', '--resume', file]))
    expectNoFailures(await traffic.stop())
    const after = await droplets(e)
    expect(changed(before, after)).toEqual(names.map((n) => `local/dev/${n}`))
    // The app done before the interruption was not restaged again, though --all would take it.
    expect(after[`local/dev/${done.name}`]).toBe(afterFirst[`local/dev/${done.name}`])
    const resumed = readReport(file)
    expect(resumed).toMatchObject({status: 'finished', resumedFrom: file, counts: {restaged: 3, skipped: 1, failed: 0}})
    expect(resumed.apps.find((x) => x.name === done.name)).toMatchObject({status: 'skipped', reason: 'already-restaged'})
    expect(second.stdout).toMatch(new RegExp(`^skipped\\s+${done.name}\\s+local\\s+dev\\s+already restaged \\(per `, 'm'))
  })
})

describe('restage-all requests per app', () => {
  const names = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']
  let e: E2E
  beforeAll(async () => {
    const apps = names.map((n) => ruby(n, {instances: 2, droplet: {stale: true}}))
    e = await startE2E({
      seed: {
        orgs: [
          {
            name: 'local',
            spaces: [
              {name: 'dev', apps: apps.slice(0, 4)},
              {name: 'qa', apps: apps.slice(4)},
            ],
          },
        ],
      },
    })
  }, 60_000)
  afterAll(async () => e?.stop())

  it('restages 2-instance apps (rolling, 200 ms tick) in 10 API requests per app or fewer, polls included', async () => {
    const since = Date.now()
    ok(await e.cli(['restage-all', '-b', 'ruby_buildpack', '--json']))
    const until = Date.now()
    const api = e.foundation.requestLog.filter((x) => x.at >= since && x.at <= until && x.kind === 'api')
    const perApp = api.length / names.length
    expect({perApp, within: perApp <= 10}).toEqual({perApp, within: true})
    // The reads before each restage come in batches, not one app at a time.
    expect(api.filter((x) => x.method === 'GET' && /^\/v3\/apps\/[^/?]+$/.test(x.path))).toEqual([])
    expect(api.filter((x) => x.method === 'GET' && /^\/v3\/packages\?/.test(x.path)).length).toBeLessThan(names.length)
  })
})

describe('restage-all with one app failing', () => {
  let e: E2E
  beforeAll(async () => {
    e = await startE2E({
      seed: {
        orgs: [
          {
            name: 'local',
            spaces: [
              {
                name: 'dev',
                apps: [
                  ruby('good1', {droplet: {stale: true}}),
                  ruby('bad', {droplet: {stale: true}, env: {CFZD_LOCAL_STAGING_FAIL: 'BuildpackCompileFailed - bundle install failed'}}),
                  ruby('good2', {droplet: {stale: true}}),
                ],
              },
            ],
          },
        ],
      },
    })
  }, 60_000)
  afterAll(async () => e?.stop())

  it('the others finish, the exit code is 1, and the report says why', async () => {
    const file = path.join(scratch(), 'report.json')
    const before = await droplets(e)
    const traffic = trafficAt(e, ['good1', 'bad', 'good2'])
    const r = await e.cli(['restage-all', '-b', 'ruby_buildpack', '--report', file])
    expectNoFailures(await traffic.stop())
    expect(r.code).toBe(1)
    expect(changed(before, await droplets(e))).toEqual(['local/dev/good1', 'local/dev/good2'])
    const report = readReport(file)
    expect(report.counts).toMatchObject({restaged: 2, failed: 1})
    expect(report.apps.find((x) => x.name === 'bad')).toMatchObject({
      status: 'failed',
      reason: 'failed',
      detail: expect.stringContaining('BuildpackCompileFailed - bundle install failed'),
    })
    expect(r.stdout).toMatch(/^failed\s+bad\s+local\s+dev\s+\S+\s+Staging failed for app bad: BuildpackCompileFailed - bundle install failed/m)
    expect(r.stderr).toContain('1 of 3 apps failed to restage; the others were restaged.')
    expect(r.stderr).toContain(`Run again with --resume ${file} to skip the apps already restaged.`)
  })
})
