/**
 * cfzd push end to end: the built CLI pushes real app folders (test/fixtures/apps) to the local
 * foundation, under every strategy, with live traffic through the router. Every strategy must
 * serve without a single failed request and end with the router serving the new droplet; bad
 * input must change nothing (no write request reaches the API).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {ROOT, answered, servedBy, startE2E, type CliResult, type E2E} from '../../helpers/e2e.js'

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'apps')

let e: E2E
let space: string
const dirs: string[] = []
/** Failed requests measured under traffic, per strategy (printed at the end). */
const measured: Record<string, {sent: number; failed: number}> = {}

beforeAll(async () => {
  e = await startE2E()
  space = (await e.capi.spaces.list({names: ['dev']}))[0].guid
}, 60_000)

afterAll(async () => {
  await e?.stop()
  for (const d of dirs) fs.rmSync(d, {recursive: true, force: true})
  if (Object.keys(measured).length) process.stderr.write(`push under traffic: ${JSON.stringify(measured)}\n`)
})

/** A scratch copy of fixture apps, with a manifest. */
function workdir(manifest: string, apps: string[] = ['hello']): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-push-'))
  dirs.push(dir)
  for (const a of apps) fs.cpSync(path.join(FIXTURES, a), path.join(dir, a), {recursive: true})
  for (const a of apps) fs.rmSync(path.join(dir, a, 'manifest.yml'), {force: true})
  fs.writeFileSync(path.join(dir, 'manifest.yml'), manifest)
  return dir
}

function json<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
  return r
}

const manifestFor = (name: string, extra = '') => `---
applications:
- name: ${name}
  path: hello
  memory: 64M
  instances: 3
  routes:
  - route: ${name}.apps.localhost
  env:
    APP_VERSION: ((version))
${extra}`

async function app(name: string) {
  const a = await e.capi.apps.findByName(space, name)
  if (!a) throw new Error(`no app ${name}`)
  return a
}

/** A first push, then a push of changed bits with the strategy under live traffic. */
async function pushUnderTraffic(name: string, args: string[], then?: () => Promise<void>) {
  const dir = workdir(manifestFor(name))
  const first = json(ok(await e.cli(['push', '--var', 'version=1', '--json'], {cwd: dir})))
  expect(first).toMatchObject({operation: 'push', mode: 'create', outcome: 'started', app: {name}})
  const before = await app(name)

  // New code: one changed file (the others are matched by the foundation and not uploaded again).
  fs.appendFileSync(path.join(dir, 'hello', 'server.js'), `\n// ${name} v2\n`)
  const traffic = e.traffic(name, {ratePerSec: 25})
  await answered(traffic)
  const r = await e.cli(['push', '--var', 'version=2', '--json', ...args], {cwd: dir})
  const result = json<{droplet: {guid: string}; app: {guid: string}; upload: {files: number; matched: number}; outcome: string}>(ok(r))
  await then?.()
  await servedBy(traffic, result.droplet.guid)
  const report = await traffic.stop()
  measured[args.join(' ')] = {sent: report.sent, failed: report.failed}
  expect(report.sent).toBeGreaterThan(20)
  expect(report.failures).toEqual([])
  expect(report.failed).toBe(0)
  // The router serves the new droplet at the end.
  expect(report.droplets.at(-1)?.droplet).toBe(result.droplet.guid)
  expect(result.droplet.guid).not.toBe(before.relationships.current_droplet?.data?.guid)
  // Unchanged files were not uploaded again.
  expect(result.upload.matched).toBeGreaterThan(0)
  expect(result.upload.matched).toBeLessThan(result.upload.files)
  const env = await e.capi.env.get(result.app.guid)
  expect(env.APP_VERSION).toBe('2')
  return {before, result, report}
}

describe('push (first push, every strategy under live traffic, several apps); the tests run concurrently', () => {
  it.concurrent('rolling: zero failed requests, then the new droplet serves', async () => {
    const {before, result} = await pushUnderTraffic('roll', ['--strategy', 'rolling'])
    expect(result.app.guid).toBe(before.guid)
    expect(result.outcome).toBe('deployed')
  })

  it.concurrent('canary, then continue: zero failed requests, then the new droplet serves', async () => {
    const {result} = await pushUnderTraffic('canary', ['--strategy', 'canary', '--instance-steps', '34'], async () => {
      ok(await e.cli(['continue-deployment', 'canary']))
    })
    expect(result.outcome).toBe('paused')
  })

  it.concurrent('blue-green: zero failed requests, the new app serves, set-env values survive and the manifest wins', async () => {
    const name = 'bluegreen'
    const dir = workdir(manifestFor(name))
    ok(await e.cli(['push', '--var', 'version=1'], {cwd: dir}))
    const before = await app(name)
    await e.capi.env.update(before.guid, {SET_BY_HAND: 'kept', APP_VERSION: 'hand'})

    fs.appendFileSync(path.join(dir, 'hello', 'server.js'), `\n// ${name} v2\n`)
    const traffic = e.traffic(name, {ratePerSec: 25})
    await answered(traffic)
    const r = ok(await e.cli(['push', '--var', 'version=2', '--strategy', 'blue-green', '--json'], {cwd: dir}))
    const result = json<{droplet: {guid: string}; app: {guid: string}; previousApp: {state: string}}>(r)
    await servedBy(traffic, result.droplet.guid)
    const report = await traffic.stop()
    measured['--strategy blue-green'] = {sent: report.sent, failed: report.failed}
    expect(report.sent).toBeGreaterThan(20)
    expect(report.failures).toEqual([])
    expect(report.droplets.at(-1)?.droplet).toBe(result.droplet.guid)
    expect(result.app.guid).not.toBe(before.guid)
    expect(result.previousApp.state).toBe('deleted')
    const env = await e.capi.env.get(result.app.guid)
    expect(env).toMatchObject({SET_BY_HAND: 'kept', APP_VERSION: '2'})
    const web = await e.capi.processes.getForApp(result.app.guid, 'web')
    expect(web.instances).toBe(3)
    expect(web.memory_in_mb).toBe(64)
    expect(await e.capi.apps.findByName(space, `${name}-venerable`)).toBeUndefined()
  })

  const manifest = `---
applications:
- name: multi-web
  path: hello
  memory: 64M
  instances: 2
  routes:
  - route: multi-web.apps.localhost
- name: multi-worker
  path: worker
  memory: 32M
  instances: 1
  health-check-type: process
`

  it.concurrent('pushes every app (first push creates both), then deploys each with the strategy; JSON is an array', async () => {
    const dir = workdir(manifest, ['hello', 'worker'])
    const first = json<{app: {name: string}; mode: string; outcome: string}[]>(ok(await e.cli(['push', '--json'], {cwd: dir})))
    expect(first.map((r) => [r.app.name, r.mode, r.outcome])).toEqual([
      ['multi-web', 'create', 'started'],
      ['multi-worker', 'create', 'started'],
    ])
    const worker = await app('multi-worker')
    expect((await e.capi.processes.getForApp(worker.guid, 'web')).health_check.type).toBe('process')

    fs.appendFileSync(path.join(dir, 'hello', 'server.js'), '\n// multi v2\n')
    fs.appendFileSync(path.join(dir, 'worker', 'worker.js'), '\n// multi v2\n')
    const traffic = e.traffic('multi-web', {ratePerSec: 25})
    await answered(traffic)
    const second = json<{app: {name: string; guid: string}; mode: string; outcome: string; strategy: string; droplet: {guid: string}}[]>(
      ok(await e.cli(['push', '--strategy', 'rolling', '--json'], {cwd: dir})),
    )
    await servedBy(traffic, second.find((r) => r.app.name === 'multi-web')!.droplet.guid)
    const report = await traffic.stop()
    measured['multi-app --strategy rolling'] = {sent: report.sent, failed: report.failed}
    expect(second.map((r) => [r.app.name, r.mode, r.strategy, r.outcome])).toEqual([
      ['multi-web', 'deploy', 'rolling', 'deployed'],
      ['multi-worker', 'deploy', 'rolling', 'deployed'],
    ])
    expect(report.failures).toEqual([])
    expect(report.droplets.at(-1)?.droplet).toBe(second[0].droplet.guid)
    expect((await app('multi-worker')).relationships.current_droplet?.data?.guid).toBe(second[1].droplet.guid)
  })

  it.concurrent('only the named app; --no-start creates it and uploads without staging; the next push stages and starts it', async () => {
    const dir = workdir(manifest.replace(/multi-/g, 'named-'), ['hello', 'worker'])
    const only = json<{app: {name: string; guid: string}; outcome: string; mode: string; package: string}>(
      ok(await e.cli(['push', 'named-worker', '--no-start', '--json'], {cwd: dir})),
    )
    expect(only).toMatchObject({app: {name: 'named-worker'}, mode: 'upload', outcome: 'uploaded'})
    expect(await e.capi.apps.findByName(space, 'named-web')).toBeUndefined()
    const created = await app('named-worker')
    expect(created.state).toBe('STOPPED')
    expect(created.relationships.current_droplet?.data?.guid ?? undefined).toBeUndefined()
    expect((await e.capi.packages.get(only.package)).state).toBe('READY')

    // It never ran: the next push stages and starts it directly (no strategy to keep anything up).
    const next = json<{app: {guid: string}; mode: string; outcome: string}>(
      ok(await e.cli(['push', 'named-worker', '--strategy', 'rolling', '--json'], {cwd: dir})),
    )
    expect(next).toMatchObject({app: {guid: created.guid}, mode: 'create', outcome: 'started'})
    expect((await app('named-worker')).state).toBe('STARTED')
  })
  it.concurrent('a staging failure deploys nothing: exit 1, the old droplet keeps serving, and it says the manifest was applied', async () => {
    const name = 'stagefail'
    const dir = workdir(manifestFor(name))
    ok(await e.cli(['push', '--var', 'version=1'], {cwd: dir}))
    const before = await app(name)
    fs.writeFileSync(path.join(dir, 'manifest.yml'), manifestFor(name, '    CFZD_LOCAL_STAGING_FAIL: "true"\n'))
    fs.appendFileSync(path.join(dir, 'hello', 'server.js'), `\n// ${name} v2\n`)
    const traffic = e.traffic(name, {ratePerSec: 25})
    const r = await e.cli(['push', '--var', 'version=2', '--strategy', 'rolling'], {cwd: dir})
    const report = await traffic.stop()
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/Staging failed for app stagefail/)
    expect(r.stderr).toMatch(/Nothing was deployed: the app still runs its previous droplet\.\nThe manifest was applied to 'stagefail'/)
    expect(report.failed).toBe(0)
    expect(report.droplets.map((d) => d.droplet)).toEqual([before.relationships.current_droplet?.data?.guid])
    expect((await app(name)).relationships.current_droplet?.data?.guid).toBe(before.relationships.current_droplet?.data?.guid)
  })
})
