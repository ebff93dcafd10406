/**
 * --smoke-test through the real CLI: blue-green tests the new app on a temporary route with a
 * unique host (gone afterwards, pass or fail), canary tests the app route at every pause; a
 * failing test rolls back or cancels with zero failed requests. The smoke command
 * (test/fixtures/smoke/check.mjs) records the URL it got and what answered it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {ROOT, expectExit, startE2E, type E2E} from '../../helpers/e2e.js'

const SMOKE = `node ${path.join(ROOT, 'test/fixtures/smoke/check.mjs')}`

let e: E2E
let space: string
let tmp: string
const find = async (name: string) => e.capi.apps.findByName(space, name)
const app = (name: string, instances = 2) => ({name, buildpacks: ['nodejs_buildpack'], instances, memory: '32M'})

interface SmokeRun {
  url: string
  env: string
  status?: number
  app?: string
  droplet?: string
}

/** A fresh log for one run's smoke tests, and the env that points the smoke command at it. */
function smokeLog(name: string, extra: NodeJS.ProcessEnv = {}) {
  const file = path.join(tmp, `${name}.jsonl`)
  return {
    env: {SMOKE_LOG: file, ...extra},
    runs: (): SmokeRun[] =>
      fs.existsSync(file)
        ? fs
            .readFileSync(file, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l))
        : [],
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Routes in the space whose host starts with `<app>-smoke-`: the temporary ones. */
async function smokeRoutes(appName: string) {
  const all = await e.capi.routes.listAll({space_guids: [space]})
  return all.filter((r) => r.host.startsWith(`${appName}-smoke-`))
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-smoke-'))
  e = await startE2E({
    seed: {
      orgs: [
        {name: 'local', spaces: [{name: 'dev', apps: [app('bg-pass'), app('bg-fail'), app('cn-pass', 4), app('cn-fail', 4), app('slow'), app('killed')]}]},
      ],
    },
  })
  space = (await e.capi.spaces.list({names: ['dev']}))[0].guid
}, 60_000)

afterAll(async () => {
  await e?.stop()
  fs.rmSync(tmp, {recursive: true, force: true})
})

describe('blue-green', () => {
  it('passes: the command got the new app on a temporary route with a unique host, then the route is gone', async () => {
    const old = (await find('bg-pass'))!
    const log = smokeLog('bg-pass')
    const t = e.traffic('bg-pass')
    const r = await e.cli(['bg-restage', 'bg-pass', '--smoke-test', SMOKE, '--json'], {env: log.env})
    const report = await t.stop()
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    const [run] = log.runs()
    expect(log.runs()).toHaveLength(1)
    expect(run.url).toMatch(new RegExp(`^http://bg-pass-smoke-[a-z0-9]+\\.apps\\.localhost:\\d+/$`))
    expect(run.env).toBe(run.url)
    expect(run.status).toBe(200)
    // it reached the new app, not the old one
    expect(run.app).toBe(out.app.guid)
    expect(run.app).not.toBe(old.guid)
    expect(run.droplet).toBe(out.droplet.guid)
    expect(out.durationsMs.smoke).toBeGreaterThan(0)
    expect(await smokeRoutes('bg-pass')).toEqual([])
    expect(report.failed).toBe(0)
    expect((await e.capi.routes.forApp(out.app.guid)).map((x) => x.url)).toEqual(['bg-pass.apps.localhost'])
  })

  it('fails: roll back (exit 1), with the output of the test; the temporary route is gone; no request failed', async () => {
    const old = (await find('bg-fail'))!
    const log = smokeLog('bg-fail', {SMOKE_FAIL: '1'})
    const t = e.traffic('bg-fail')
    const r = await e.cli(['bg-restart', 'bg-fail', '--smoke-test', SMOKE], {env: log.env})
    const report = await t.stop()
    expectExit(r, 1)
    expect(r.stderr).toMatch(
      /Failed: Smoke test `node .*check\.mjs` against http:\/\/bg-fail-smoke-\w+\.apps\.localhost:\d+\/ exited with 1\.\nsmoke: .* answered 200/,
    )
    expect(r.stderr).toMatch(/Rolled back: 'bg-fail' \(.*\) serves as before/)
    expect(log.runs()).toHaveLength(1)
    expect(await smokeRoutes('bg-fail')).toEqual([])
    expect(report.failed).toBe(0)
    expect((await find('bg-fail'))!.guid).toBe(old.guid)
    expect(await find('bg-fail-venerable')).toBeUndefined()
  })

  it('times out: the test is killed and the operation rolls back', async () => {
    const old = (await find('slow'))!
    // The smoke command would sleep far longer than the test's own timeout: cfzd must kill it.
    const pidFile = path.join(tmp, 'slow.pid')
    const log = smokeLog('slow', {SMOKE_SLEEP_MS: '600000', SMOKE_PID_FILE: pidFile})
    const r = await e.cli(['bg-restart', 'slow', '--smoke-test', SMOKE, '--smoke-test-timeout', '1s'], {env: log.env})
    expectExit(r, 1)
    const pid = Number(fs.readFileSync(pidFile, 'utf8'))
    // Killed with its process group: gone within moments (signal delivery is asynchronous), not after its 10 min sleep.
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100))
    expect(alive(pid)).toBe(false)
    expect(log.runs()).toEqual([])
    expect(r.stderr).toMatch(/Smoke test .* timed out after 1\.0s/)
    expect(r.stderr).toMatch(/Rolled back/)
    expect(await smokeRoutes('slow')).toEqual([])
    expect((await find('slow'))!.guid).toBe(old.guid)
  })

  it('killed during the smoke test: the next run deletes the temporary route it left', async () => {
    const log = smokeLog('killed', {SMOKE_SLEEP_MS: '10000'})
    let cli: {kill(sig?: NodeJS.Signals): void} | undefined
    const killed = await e.cli(['bg-restart', 'killed', '--smoke-test', SMOKE], {
      env: log.env,
      control: (h) => (cli = h),
      trigger: {when: /❯ Smoke-test the new app on a temporary route/, then: () => setTimeout(() => cli!.kill('SIGKILL'), 1500)},
    })
    expect(killed.code).not.toBe(0)
    expect(await smokeRoutes('killed')).toHaveLength(1)
    const r = await e.cli(['bg-restart', 'killed', '--json'])
    expectExit(r, 0)
    const warnings = JSON.parse(r.stdout).warnings.join('\n')
    expect(warnings).toMatch(/interrupted before switching routes: rolling it back first/)
    expect(warnings).toMatch(/Deleted the temporary smoke-test route killed-smoke-\w+\.apps\.localhost, left by an interrupted run\./)
    expect(await smokeRoutes('killed')).toEqual([])
  })
})

describe('canary', () => {
  it('passes: tested on the app route at each pause, promoted to the end', async () => {
    const guid = (await find('cn-pass'))!.guid
    const log = smokeLog('cn-pass')
    const t = e.traffic('cn-pass')
    const r = await e.cli(['restage', 'cn-pass', '--strategy', 'canary', '--instance-steps', '25,50', '--smoke-test', SMOKE, '--json'], {env: log.env})
    await new Promise((res) => setTimeout(res, 300))
    const report = await t.stop()
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({outcome: 'deployed', deployment: {status: 'FINALIZED', reason: 'DEPLOYED'}})
    // one test per pause: steps 25% and 50%
    const runs = log.runs()
    expect(runs).toHaveLength(2)
    for (const run of runs) {
      expect(run.url).toBe(e.routeUrl('cn-pass'))
      expect(run.status).toBe(200)
      expect(run.app).toBe(guid)
    }
    expect(report.failed).toBe(0)
    expect(report.droplets.at(-1)!.droplet).toBe(out.droplet.guid)
  })

  it('fails: cancel the deployment instead of continuing (exit 1); no request failed', async () => {
    const guid = (await find('cn-fail'))!.guid
    const before = await e.capi.apps.getCurrentDropletGuid(guid)
    const log = smokeLog('cn-fail', {SMOKE_FAIL: '1'})
    const t = e.traffic('cn-fail')
    const r = await e.cli(['restart', 'cn-fail', '--strategy', 'canary', '--smoke-test', SMOKE], {env: log.env})
    const report = await t.stop()
    expectExit(r, 1)
    expect(r.stderr).toMatch(/Smoke test .* against http:\/\/cn-fail\.apps\.localhost:\d+\/ \(X-CF-PROCESS-INSTANCE: [0-9a-f-]{36}\) exited with 1/)
    expect(r.stderr).toMatch(/Canceled deployment \S+: 'cn-fail' is back on droplet/)
    expect(log.runs()).toHaveLength(1)
    expect(report.failed).toBe(0)
    expect((await e.capi.deployments.latestForApp(guid))!.status.reason).toBe('CANCELED')
    expect(await e.capi.apps.getCurrentDropletGuid(guid)).toBe(before)
  })
})

describe('push', () => {
  it('blue-green push smoke-tests the new app on a temporary route; a first push says it has nothing to test', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'push-'))
    fs.cpSync(path.join(ROOT, 'test/fixtures/apps/hello'), path.join(dir, 'hello'), {recursive: true})
    fs.writeFileSync(path.join(dir, 'manifest.yml'), 'applications:\n- name: pushed\n  path: hello\n  memory: 32M\n  instances: 2\n')
    const log = smokeLog('pushed')
    const first = await e.cli(['push', '--strategy', 'blue-green', '--smoke-test', SMOKE], {cwd: dir, env: log.env})
    expectExit(first, 0)
    expect(first.stderr).toMatch(/'pushed' is pushed for the first time: there is no old version for a smoke test to protect/)
    expect(log.runs()).toEqual([])
    const r = await e.cli(['push', '--strategy', 'blue-green', '--smoke-test', SMOKE, '--json'], {cwd: dir, env: log.env})
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    const [run] = log.runs()
    expect(run.url).toMatch(/^http:\/\/pushed-smoke-[a-z0-9]+\.apps\.localhost:\d+\/$/)
    expect(run.app).toBe(out.app.guid)
    expect(run.droplet).toBe(out.droplet.guid)
    expect(await smokeRoutes('pushed')).toEqual([])
  })
})

it('rolling refuses --smoke-test (exit 2, nothing changed)', async () => {
  const r = await e.cli(['restart', 'cn-pass', '--smoke-test', 'true'])
  expectExit(r, 2)
  expect(r.stderr).toMatch(/'--smoke-test' needs --strategy canary or blue-green/)
})
