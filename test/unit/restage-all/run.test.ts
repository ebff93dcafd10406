/**
 * restageAll end to end over msw, with the operation swapped for a fake: bounded concurrency,
 * retries with backoff, pacing on the rate limit, failures that do not stop the others, Ctrl-C,
 * the report as it goes, resume, and dry runs. Time is a FakeClock: nothing waits for real.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {FakeClock} from '../../../src/clock.js'
import {CfzdError, ExitCode} from '../../../src/errors.js'
import {restageAll, type RestageAllHooks, type RestageAllOptions} from '../../../src/restage-all/index.js'
import {Prefetcher} from '../../../src/restage-all/prefetch.js'
import {LineProgress} from '../../../src/restage-all/progress.js'
import type {Report} from '../../../src/restage-all/report.js'
import type {OperationResult} from '../../../src/strategies/types.js'
import {WaitFailure} from '../../../src/strategies/wait.js'
import type {Ui} from '../../../src/ui/ui.js'
import {API, useMsw} from '../../helpers/msw.js'
import {appJson, page, serveWorld, type FakeApp, type FakeWorld} from './fixtures.js'

const server = useMsw()

const OLD = '2026-01-01T00:00:00Z'
function world(n: number, extra: Partial<FakeWorld> = {}): FakeWorld {
  const apps: FakeApp[] = Array.from({length: n}, (_, i) => ({
    guid: `a${i}`,
    name: `app${String(i).padStart(2, '0')}`,
    space: 's1',
    current: `d${i}`,
    web: {instances: i + 1, memory: 256},
  }))
  return {
    orgs: [{guid: 'o1', name: 'acme'}],
    spaces: [{guid: 's1', name: 'prod', org: 'o1'}],
    apps,
    droplets: apps.map((a, i) => ({
      guid: `d${i}`,
      app: a.guid,
      createdAt: OLD,
      buildpacks: [{name: 'ruby_buildpack', buildpack_name: 'ruby', version: '1.0'}],
    })),
    buildpacks: [{name: 'ruby_buildpack', stack: 'cflinuxfs4', updatedAt: '2026-02-01T00:00:00Z'}],
    ...extra,
  }
}

const warnings: string[] = []
const ui: Ui = {json: false, renderer: 'simple', color: false, style: (_s, t) => t, info() {}, warn: (m) => void warnings.push(m), out() {}}

const deploy = {
  strategy: 'rolling' as const,
  noWait: false,
  supersede: false,
  stagingTimeoutMs: 60_000,
  startupTimeoutMs: 60_000,
  noDelete: false,
  noStop: false,
  venerableSuffix: '-venerable',
  routeSettleMs: 0,
}

const ok = (name: string, guid: string): OperationResult => ({
  operation: 'restage',
  strategy: 'rolling',
  app: {name, guid},
  droplet: {guid: `new-${guid}`},
  outcome: 'deployed',
  durationsMs: {},
  totalMs: 1,
  left: [],
  warnings: [],
  next: [],
})

/**
 * The apps as restage-all reads them right before restaging, in batches (GET /v3/apps?guids=…);
 * discovery's list (no guids=) is left to the world.
 */
function atRunTime(rows: (guids: string[]) => FakeApp[], headers?: (guids: string[]) => Record<string, string>) {
  return http.get(`${API}/v3/apps`, ({request}) => {
    const url = new URL(request.url)
    const g = url.searchParams.get('guids')
    if (!g) return undefined
    const guids = g.split(',')
    const {_slice, ...body} = page(url, rows(guids), appJson)
    return HttpResponse.json(body, {headers: headers?.(guids)})
  })
}

/** Let other promises (msw, the scheduler) run. */
const tick = () => new Promise((r) => setImmediate(r))

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-restage-all-'))
  warnings.length = 0
})
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}))

function setup(w: FakeWorld, opts: Partial<RestageAllOptions> = {}, hooks: RestageAllHooks = {}) {
  const log = serveWorld(server, w)
  const clock = new FakeClock()
  const capi = new CapiClient({apiUrl: API, clock})
  const controller = new AbortController()
  const lines: string[] = []
  const progress = new LineProgress((l) => lines.push(l))
  const o: RestageAllOptions = {
    buildpack: 'ruby_buildpack',
    scope: {orgs: [], spaces: []},
    all: false,
    includeStopped: false,
    concurrency: 3,
    deploy,
    dryRun: false,
    ...opts,
  }
  const run = () => restageAll({capi, clock, signal: controller.signal, ui}, o, {progress, random: () => 0, ...hooks})
  return {log, clock, capi, controller, lines, run}
}

describe('restage-all run', () => {
  it('never runs more than --concurrency apps at once, and restages every selected app', async () => {
    let inFlight = 0
    let peak = 0
    const seen: string[] = []
    const t = setup(
      world(10),
      {concurrency: 3},
      {
        operate: async (_env, target, app, req) => {
          inFlight++
          peak = Math.max(peak, inFlight)
          seen.push(`${target.org.name}/${target.space.name}/${req.appName}`)
          for (let i = 0; i < 3; i++) await tick()
          inFlight--
          return ok(app.name, app.guid)
        },
      },
    )
    const out = await t.run()
    expect(peak).toBe(3)
    expect(seen).toHaveLength(10)
    expect(seen[0]).toBe('acme/prod/app00')
    expect(out.exitCode).toBe(ExitCode.OK)
    expect(out.report.counts).toMatchObject({selected: 10, restaged: 10, failed: 0})
    expect(out.report.apps.every((e) => e.status === 'restaged' && e.newDroplet === `new-${e.guid}`)).toBe(true)
    expect(t.lines.filter((l) => /^\[\d+\/10\] ✔/.test(l))).toHaveLength(10)
  })

  it('one failure does not stop the others; exit 1, and the report says why', async () => {
    const t = setup(
      world(4),
      {concurrency: 2},
      {
        operate: async (_e, _t, app) => {
          await tick()
          if (app.name === 'app01')
            throw new CfzdError('Staging failed for app app01: BuildpackCompileFailed - bundle install failed', {
              cause: new WaitFailure('staging-failed', 'Staging failed for app app01: BuildpackCompileFailed - bundle install failed'),
            })
          return ok(app.name, app.guid)
        },
      },
    )
    const out = await t.run()
    expect(out.exitCode).toBe(ExitCode.FAILED)
    expect(out.report.counts).toMatchObject({restaged: 3, failed: 1})
    expect(out.report.apps.find((e) => e.name === 'app01')).toMatchObject({
      status: 'failed',
      reason: 'failed',
      attempts: 1,
      detail: expect.stringContaining('BuildpackCompileFailed'),
    })
    expect(t.lines).toContain('[2/4] ✖ acme/prod/app01 failed after 0ms: Staging failed for app app01: BuildpackCompileFailed - bundle install failed')
  })

  it('retries an app later, with backoff, when staging capacity runs out, and runs fewer at once', async () => {
    const calls: Record<string, number[]> = {}
    const t = setup(
      world(3),
      {concurrency: 2},
      {
        operate: async (_e, _t, app) => {
          ;(calls[app.name] ??= []).push(t.clock.now())
          await tick()
          if (app.name === 'app00' && calls[app.name].length < 3) {
            throw new CfzdError('Staging failed', {
              cause: new WaitFailure('staging-failed', 'Staging failed for app app00: InsufficientResources - insufficient resources: memory'),
            })
          }
          return ok(app.name, app.guid)
        },
      },
    )
    const out = await t.run()
    expect(out.exitCode).toBe(0)
    const [first, second, third] = calls.app00
    // random() = 0 → 75 % of 15 s, then of 30 s.
    expect(second - first).toBeGreaterThanOrEqual(11_250)
    expect(third - second).toBeGreaterThanOrEqual(22_500)
    expect(out.report.apps.find((e) => e.name === 'app00')).toMatchObject({status: 'restaged', attempts: 3})
    expect(t.lines).toContain('↻ acme/prod/app00: the foundation is short of staging capacity; trying again in 11.3s (attempt 2)')
  })

  it('gives up after the last attempt and says so', async () => {
    const t = setup(
      world(1),
      {},
      {
        operate: async () => {
          throw new CfzdError('Staging failed', {
            cause: new WaitFailure('staging-failed', 'Staging failed for app app00: NoCompatibleCell - found no compatible cell'),
          })
        },
      },
    )
    const out = await t.run()
    expect(out.exitCode).toBe(1)
    expect(out.report.apps[0]).toMatchObject({status: 'failed', reason: 'capacity', attempts: 6})
  })

  it('stops starting apps while the rate limit is low, until the window resets', async () => {
    const w = world(3)
    const t = setup(
      w,
      {concurrency: 1},
      {
        operate: async (_e, _t, app) => {
          starts.push([app.name, t.clock.now()])
          return ok(app.name, app.guid)
        },
      },
    )
    const starts: [string, number][] = []
    const reset = t.clock.now() + 120_000
    // The fresh read of app00 reports the budget nearly spent.
    server.use(
      atRunTime(
        (guids) => w.apps.filter((a) => guids.includes(a.guid)),
        (guids) =>
          guids.includes('a0')
            ? {'X-RateLimit-Limit': '1000', 'X-RateLimit-Remaining': '50', 'X-RateLimit-Reset': String(reset / 1000)}
            : ({} as Record<string, string>),
      ),
    )
    const out = await t.run()
    expect(out.exitCode).toBe(0)
    expect(starts[0][0]).toBe('app00')
    expect(starts[1][1]).toBeGreaterThanOrEqual(reset)
    expect(t.lines.some((l) => l.startsWith('⏸ rate limit low: 50 of 1000 requests left: starting no new app until'))).toBe(true)
  })

  it('Ctrl-C: starts nothing new, lets the strategy stop the apps in flight, and exits 130', async () => {
    const t: ReturnType<typeof setup> = setup(
      world(6),
      {concurrency: 2, reportFile: path.join(dir, 'r.json')},
      {
        operate: async (env, _t, app) => {
          if (app.name === 'app02') {
            t.controller.abort()
            await tick()
            throw new CfzdError("Interrupted.\nCanceled deployment x: 'app02' is back on droplet d2", {exitCode: ExitCode.INTERRUPTED})
          }
          await tick()
          if (env.signal.aborted) throw new CfzdError('Interrupted.', {exitCode: ExitCode.INTERRUPTED})
          return ok(app.name, app.guid)
        },
      },
    )
    const out = await t.run()
    expect(out.exitCode).toBe(ExitCode.INTERRUPTED)
    expect(out.report.status).toBe('interrupted')
    const status = Object.fromEntries(out.report.apps.map((e) => [e.name, e.status]))
    expect(status).toMatchObject({app00: 'restaged', app01: 'restaged', app02: 'interrupted', app04: 'pending', app05: 'pending'})
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'r.json'), 'utf8')) as Report
    expect(onDisk.status).toBe('interrupted')
    expect(onDisk.apps.find((e) => e.name === 'app02')!.detail).toContain('back on droplet')
  })

  it('Ctrl-C while an app is being read: that app is not started', async () => {
    const w = world(3)
    const ran: string[] = []
    const t = setup(
      w,
      {concurrency: 1},
      {
        operate: async (_e, _t, app) => {
          ran.push(app.name)
          return ok(app.name, app.guid)
        },
      },
    )
    server.use(
      atRunTime((guids) => {
        if (guids.includes('a1')) t.controller.abort()
        return w.apps.filter((a) => guids.includes(a.guid))
      }),
    )
    const out = await t.run()
    expect(ran).toEqual(['app00'])
    expect(out.exitCode).toBe(ExitCode.INTERRUPTED)
    expect(out.report.apps.map((e) => [e.name, e.status, e.startedAt === undefined])).toEqual([
      ['app00', 'restaged', false],
      ['app01', 'pending', true],
      ['app02', 'pending', true],
    ])
  })

  it('skips, at run time, apps deleted, restaged by someone else, or stopped since discovery', async () => {
    const w = world(3)
    const t = setup(w, {}, {operate: async (_e, _t, app) => ok(app.name, app.guid)})
    // a0 is gone from the list, a1 has another droplet, a2 was stopped.
    const now = [
      {...w.apps[1], current: 'someone-elses'},
      {...w.apps[2], state: 'STOPPED' as const},
    ]
    server.use(atRunTime((guids) => now.filter((a) => guids.includes(a.guid))))
    const out = await t.run()
    expect(out.exitCode).toBe(0)
    expect(out.report.apps.map((e) => [e.name, e.status, e.reason])).toEqual([
      ['app00', 'skipped', 'gone'],
      ['app01', 'skipped', 'changed'],
      ['app02', 'skipped', 'stopped'],
    ])
  })

  it('reads the apps about to start in batches (app, active deployment, READY package, processes) and hands the reads to the operation', async () => {
    const known: Record<string, unknown> = {}
    const t = setup(
      world(10),
      {concurrency: 3},
      {
        operate: async (env, _t, app) => {
          const k = env.known?.(app.guid)
          known[app.name] = {
            active: k?.active,
            pkg: k?.readyPackage?.guid,
            web: k?.web?.instances,
            types: k?.processes?.map((p) => p.type),
            other: env.known?.('a9') === undefined || app.guid === 'a9',
          }
          await tick()
          return ok(app.name, app.guid)
        },
      },
    )
    const out = await t.run()
    expect(out.report.counts).toMatchObject({restaged: 10})
    for (let i = 0; i < 10; i++)
      expect(known[`app${String(i).padStart(2, '0')}`]).toEqual({active: null, pkg: `pkg-a${i}`, web: i + 1, types: ['web'], other: true})
    const count = (re: RegExp) => t.log.filter((l) => re.test(l)).length
    // No per-app read: each list request covers several apps.
    expect(count(/^GET \/v3\/apps\/a\d/)).toBe(0)
    const batches = count(/^GET \/v3\/apps\?.*guids=/)
    expect(batches).toBeGreaterThan(0)
    expect(batches).toBeLessThanOrEqual(4)
    expect(count(/^GET \/v3\/deployments\?.*app_guids=.*status_values=ACTIVE/)).toBe(batches)
    expect(count(/^GET \/v3\/packages\?.*app_guids=.*states=READY/)).toBe(batches)
    expect(count(/^GET \/v3\/processes\?.*app_guids=/)).toBe(batches)
  })

  it('batched reads are used once and only while fresh; a retry reads afresh', async () => {
    const t = setup(world(3))
    const p = new Prefetcher(t.capi, t.clock, {maxAgeMs: 15_000})
    expect((await p.take('a0', ['a1', 'a2'], 3))?.app?.guid).toBe('a0')
    expect(p.batches).toBe(1)
    expect((await p.take('a1', ['a2'], 3))?.app?.guid).toBe('a1')
    expect(p.batches).toBe(1)
    t.clock.advance(15_001)
    expect((await p.take('a2', [], 3))?.app?.guid).toBe('a2')
    expect(p.batches).toBe(2)
    // Taken once: a second take reads again.
    expect((await p.take('a2', [], 3))?.app?.guid).toBe('a2')
    expect(p.batches).toBe(3)
    // A batch that fails leaves the app to read for itself.
    server.use(http.get(`${API}/v3/packages`, () => HttpResponse.json({errors: [{code: 10001, title: 'CF-BadQueryParameter', detail: 'bad'}]}, {status: 400})))
    expect(await p.take('a0', [], 3)).toBeUndefined()
  })

  it('gives operate() the fresh app, its org and space, and the deploy options', async () => {
    const got: unknown[] = []
    const t = setup(
      world(1),
      {deploy: {...deploy, strategy: 'blue-green'}},
      {
        operate: async (env, target, app, req, a) => {
          got.push({target, app: app.guid, kind: req.kind, strategy: req.opts.strategy, renderer: a.renderer, signal: env.signal === t.controller.signal})
          // (The second argument, step facts, is optional for bulk callers.)
          ;(a.beforeStep as ((id: string, ...rest: unknown[]) => void) | undefined)?.('stage', {irreversible: false})
          return {...ok(app.name, 'new-guid'), strategy: 'blue-green'}
        },
      },
    )
    const out = await t.run()
    expect(got).toEqual([
      {
        target: {org: {guid: 'o1', name: 'acme'}, space: {guid: 's1', name: 'prod'}},
        app: 'a0',
        kind: 'restage',
        strategy: 'blue-green',
        renderer: 'silent',
        signal: true,
      },
    ])
    expect(t.lines).toContain('  acme/prod/app00: staging')
    expect(out.report.apps[0]).toMatchObject({status: 'restaged', newGuid: 'new-guid'})
  })
})

describe('report and resume', () => {
  it('writes the report after every app, atomically', async () => {
    const file = path.join(dir, 'report.json')
    const snapshots: Report[] = []
    const t = setup(
      world(3),
      {concurrency: 1, reportFile: file},
      {
        operate: async (_e, _t, app) => {
          snapshots.push(JSON.parse(fs.readFileSync(file, 'utf8')))
          return ok(app.name, app.guid)
        },
      },
    )
    await t.run()
    expect(snapshots.map((s) => s.counts.restaged)).toEqual([0, 1, 2])
    const final = JSON.parse(fs.readFileSync(file, 'utf8')) as Report
    expect(final).toMatchObject({version: 1, command: 'restage-all', buildpack: 'ruby_buildpack', status: 'finished', counts: {restaged: 3}})
    expect(fs.readdirSync(dir)).toEqual(['report.json'])
  })

  it('--resume skips the apps the report says are done, and writes back to it', async () => {
    const file = path.join(dir, 'report.json')
    const first = setup(
      world(4),
      {reportFile: file},
      {
        operate: async (_e, _t, app) => {
          if (app.name === 'app02') throw new Error('boom')
          return ok(app.name, app.guid)
        },
      },
    )
    expect((await first.run()).exitCode).toBe(1)

    const ran: string[] = []
    const second = setup(
      world(4),
      {resumeFile: file, all: true},
      {
        operate: async (_e, _t, app) => {
          ran.push(app.name)
          return ok(app.name, app.guid)
        },
      },
    )
    const out = await second.run()
    expect(ran).toEqual(['app02'])
    expect(out.exitCode).toBe(0)
    expect(out.report.resumedFrom).toBe(file)
    expect(out.report.apps.filter((e) => e.reason === 'already-restaged').map((e) => e.name)).toEqual(['app00', 'app01', 'app03'])
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')) as Report
    expect(onDisk.counts).toMatchObject({restaged: 1, skipped: 3, failed: 0})

    // A third run has nothing left to do.
    const third = setup(world(4), {resumeFile: file, all: true}, {operate: async () => Promise.reject(new Error('should not run'))})
    expect((await third.run()).report.counts).toMatchObject({selected: 0, skipped: 4})
  })

  it('a blue-green restage gives the app a new GUID: resume still knows it by space and name', async () => {
    const file = path.join(dir, 'report.json')
    const first = setup(world(1), {reportFile: file}, {operate: async (_e, _t, app) => ok(app.name, 'brand-new')})
    await first.run()
    const w = world(1)
    w.apps[0].guid = 'brand-new'
    w.droplets[0].app = 'brand-new'
    const second = setup(w, {resumeFile: file, all: true}, {operate: async () => Promise.reject(new Error('should not run'))})
    expect((await second.run()).report.apps.map((e) => e.reason)).toEqual(['already-restaged'])
  })

  it.each([
    {name: 'missing file', content: undefined, message: /Cannot read the report to resume from .*ENOENT/},
    {name: 'not JSON', content: 'hello', message: /is not JSON/},
    {name: 'not a report', content: '{"version": 1, "apps": []}', message: /is not a cfzd restage-all report/},
    {
      name: 'another buildpack',
      content: JSON.stringify({version: 1, command: 'restage-all', buildpack: 'go_buildpack', apps: []}),
      message: /is a report for buildpack 'go_buildpack', not 'ruby_buildpack'/,
    },
  ])('--resume refuses a bad report ($name) before changing anything (exit 2)', async ({content, message}) => {
    const file = path.join(dir, 'bad.json')
    if (content !== undefined) fs.writeFileSync(file, content)
    const t = setup(world(1), {resumeFile: file}, {operate: async () => Promise.reject(new Error('should not run'))})
    await expect(t.run()).rejects.toMatchObject({exitCode: ExitCode.USAGE, message: expect.stringMatching(message)})
    expect(t.log).toEqual([])
  })

  it('refuses a report path it cannot write, before changing anything', async () => {
    const t = setup(world(1), {reportFile: path.join(dir, 'no', 'such', 'dir', 'r.json')}, {operate: async () => Promise.reject(new Error('should not run'))})
    await expect(t.run()).rejects.toMatchObject({exitCode: ExitCode.USAGE, message: expect.stringContaining('Cannot write the report')})
  })
})

describe('dry run', () => {
  it('plans, estimates the peak, and changes nothing', async () => {
    const file = path.join(dir, 'plan.json')
    const w = world(5)
    w.apps[4].state = 'STOPPED'
    const t = setup(
      w,
      {dryRun: true, concurrency: 2, includeStopped: true, reportFile: file, deploy: {...deploy, maxInFlight: 3}},
      {operate: async () => Promise.reject(new Error('should not run'))},
    )
    const out = await t.run()
    expect(out.report.status).toBe('planned')
    expect(out.report.apps.every((e) => e.status === 'pending')).toBe(true)
    // Started apps have 1..4 web instances of 256 MB; rolling with max-in-flight 3 adds min(3, n):
    // 1, 2, 3, 3 → the 2 largest at once: 6 instances, 1536 MB. The stopped app needs none.
    expect(out.report.peak).toMatchObject({concurrency: 2, instances: 6, memoryMb: 1536})
    expect(t.log.filter((l) => !l.startsWith('GET '))).toEqual([])
    expect(t.log.some((l) => /^GET \/v3\/apps\/a\d$/.test(l))).toBe(false)
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).status).toBe('planned')
  })

  it('blue-green needs a full copy of each app at once', async () => {
    const t = setup(world(3), {dryRun: true, concurrency: 2, deploy: {...deploy, strategy: 'blue-green'}})
    const out = await t.run()
    // 1, 2, 3 instances → the 2 largest: 5 instances, 1280 MB.
    expect(out.report.peak).toMatchObject({instances: 5, memoryMb: 1280})
  })

  it('warns when there is no admin buildpack of that name', async () => {
    const t = setup(world(1, {buildpacks: []}), {dryRun: true})
    const out = await t.run()
    expect(warnings.join('\n')).toContain("There is no admin buildpack named 'ruby_buildpack'")
    expect(out.report.apps[0]).toMatchObject({status: 'skipped', reason: 'release-unknown'})
  })
})
