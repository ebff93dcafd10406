/**
 * --probe and automatic abort through the real CLI: the report (text and --json), the droplet
 * timeline old → new, and a version that serves errors (CFZD_LOCAL_RESPONSE_STATUS=500 on its new
 * instances) aborted by each strategy in its own way: rolling and canary cancel, blue-green rolls
 * back before the old app is touched.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {ROOT, expectExit, startE2E, type CliResult, type E2E} from '../../helpers/e2e.js'

let e: E2E
let space: string
const find = async (name: string) => e.capi.apps.findByName(space, name)
const setEnv = async (name: string, vars: Record<string, string | null>) => e.capi.env.update((await find(name))!.guid, vars)
const app = (name: string, instances = 2) => ({name, buildpacks: ['nodejs_buildpack'], instances, memory: '32M'})

function json(r: CliResult) {
  try {
    return JSON.parse(r.stdout)
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

beforeAll(async () => {
  e = await startE2E({
    seed: {
      orgs: [
        {
          name: 'local',
          spaces: [
            {
              name: 'dev',
              apps: [app('steady', 3), app('bad-r', 4), app('bad-c', 4), app('bad-b'), app('bad-rate', 3), app('late'), {...app('idle'), state: 'STOPPED'}],
            },
          ],
        },
      ],
    },
  })
  space = (await e.capi.spaces.list({names: ['dev']}))[0].guid
}, 60_000)

afterAll(async () => e?.stop())

describe('the report', () => {
  it('restage --probe --json: requests, availability, latency and the droplets old → new', async () => {
    const guid = (await find('steady'))!.guid
    const before = await e.capi.apps.getCurrentDropletGuid(guid)
    const r = await e.cli(['restage', 'steady', '--probe', '--probe-rate', '40', '--json'])
    expectExit(r, 0)
    const out = json(r)
    expect(out.probe).toMatchObject({url: e.routeUrl('steady'), ratePerSec: 40, failed: 0, availability: 100, longestFailureRun: 0, failures: []})
    expect(out.probe.sent).toBeGreaterThan(20)
    expect(out.probe.ok).toBe(out.probe.sent)
    expect(out.probe.p50Ms).toBeGreaterThan(0)
    expect(out.probe.p99Ms).toBeGreaterThanOrEqual(out.probe.p50Ms)
    expect(out.probe.durationMs).toBeGreaterThan(500)
    expect(out.probe.droplets.map((d: {droplet: string; role: string}) => [d.role, d.droplet])).toEqual([
      ['old', before],
      ['new', out.droplet.guid],
    ])
    const [old, now] = out.probe.droplets
    expect(old.fromMs).toBeLessThan(now.fromMs)
    // Second by second: the counts add up, and the old droplet's share gives way to the new one's.
    const seconds = out.probe.seconds as {ok: number; failed: number; old: number; new: number}[]
    expect(seconds.reduce((n, x) => n + x.ok, 0)).toBe(out.probe.ok)
    expect(seconds.reduce((n, x) => n + x.old, 0)).toBe(old.count)
    expect(seconds.reduce((n, x) => n + x.new, 0)).toBe(now.count)
    expect(seconds[0]).toMatchObject({new: 0})
    expect(seconds.at(-1)).toMatchObject({old: 0})
    expect(now.toMs).toBeGreaterThanOrEqual(old.toMs)
    expect(out.probe.thresholds).toBeUndefined()
  })

  it('prints the report after the summary; /path probes that path on the first route', async () => {
    const r = await e.cli(['restart', 'steady', '--probe', '/health?x=1'])
    expectExit(r, 0)
    expect(r.stdout).toMatch(/^OK$/m)
    expect(r.stdout).toContain(`probe:      ${e.routeUrl('steady', '/health?x=1')} (10 requests/s for`)
    expect(r.stdout).toMatch(/^requests: {3}\d+ sent, 0 failed, availability 100%, longest run of failures 0$/m)
    expect(r.stdout).toMatch(/^latency: {4}p50 [\d.]+ms, p99 [\d.]+ms$/m)
    expect(r.stdout).toMatch(/^droplets: {3}old [0-9a-f-]{36} from [\d.]+s to [\d.]+s \(\d+\)$/m)
    // The chart, in plain text (the e2e env sets NO_COLOR and CI): every second all ok.
    expect(r.stdout).toMatch(
      /\n\navailable {3}-[- ]*\np50 ms {6}\d[\d ]*\np95 ms {6}\d[\d ]*\nnew share {3}0[\d ]*\n {12}0s .*\d+s\n {12}(one column|\d+ columns) per second;/,
    )
    for (const line of r.stdout.slice(r.stdout.indexOf('\navailable ')).split('\n')) expect([...line].length).toBeLessThanOrEqual(80)
  })

  it('--probe URL probes that URL (blue-green)', async () => {
    const url = e.routeUrl('steady', '/given')
    const r = await e.cli(['bg-restart', 'steady', '--probe', url, '--json'])
    expectExit(r, 0)
    const out = json(r)
    expect(out.probe.url).toBe(url)
    expect(out.probe.failed).toBe(0)
    // restart copies the droplet to the new app: a new GUID serves at the end
    expect(out.probe.droplets.map((d: {role: string}) => d.role)).toEqual(['old', 'new'])
    expect(out.probe.droplets[1].droplet).toBe(out.droplet.guid)
  })

  it('a route that fails before the operation turns automatic abort off, and says so', async () => {
    const r = await e.cli(['restart', 'idle', '--probe', '--abort-on-errors', '1', '--json'])
    expectExit(r, 0)
    expect(r.stderr).toMatch(/Probe: .*idle\.apps\.localhost.* answers HTTP 404 before the operation starts: automatic abort is off/)
    const out = json(r)
    expect(out.probe).toMatchObject({unhealthyBefore: 'HTTP 404', thresholds: {errors: 1}})
    expect(out.probe.aborted).toBeUndefined()
  })

  it('refuses a bad --probe value and probe flags with push --no-start (exit 2, nothing changed)', async () => {
    const bad = await e.cli(['restart', 'steady', '--probe', 'ftp://x'])
    expectExit(bad, 2)
    expect(bad.stderr).toMatch(/--probe takes a URL/)
    const rate = await e.cli(['restart', 'steady', '--abort-on-error-rate', '120%'])
    expectExit(rate, 2)
    const push = await e.cli(['push', 'steady', '--no-start', '--probe', '-p', path.join(ROOT, 'test/fixtures/apps/hello')])
    expectExit(push, 2)
    expect(push.stderr).toMatch(/cannot be used together: --no-start, --probe/)
  })
})

describe('automatic abort', () => {
  it('rolling: the new instances answer 500 → cancel the deployment, exit 1, say why', async () => {
    const guid = (await find('bad-r'))!.guid
    const before = await e.capi.apps.getCurrentDropletGuid(guid)
    // Each new instance takes 1 s to start, one at a time: the deployment can't finish before the probe sees the 500s.
    await setEnv('bad-r', {CFZD_LOCAL_RESPONSE_STATUS: '500', CFZD_LOCAL_STARTUP_TIME: '1s'})
    const r = await e.cli(['restage', 'bad-r', '--abort-on-errors', '3', '--probe-rate', '40', '--json'])
    expectExit(r, 1)
    const {error} = json(r)
    expect(error.exitCode).toBe(1)
    expect(error.message).toMatch(/^Aborted: the probe saw 3 failed requests \(--abort-on-errors 3\)\nCanceled deployment \S+: 'bad-r' is back on droplet/)
    expect(error.message).toMatch(/aborted: +at [\d.]+s: the probe saw 3 failed requests/)
    expect(error.probe).toMatchObject({thresholds: {errors: 3}, aborted: {reason: 'the probe saw 3 failed requests (--abort-on-errors 3)'}})
    expect(error.probe.failed).toBeGreaterThanOrEqual(3)
    expect(error.probe.failures[0].status).toBe(500)
    expect(error.probe.availability).toBeLessThan(100)
    expect(r.stderr).toMatch(/Probe: the probe saw 3 failed requests \(--abort-on-errors 3\): aborting\./)
    const d = await e.capi.deployments.latestForApp(guid)
    expect(d!.status).toMatchObject({value: 'FINALIZED', reason: 'CANCELED'})
    expect(await e.capi.apps.getCurrentDropletGuid(guid)).toBe(before)
  })

  it('canary: cancel instead of pausing (human output)', async () => {
    const guid = (await find('bad-c'))!.guid
    await setEnv('bad-c', {CFZD_LOCAL_RESPONSE_STATUS: '500'})
    const r = await e.cli(['restart', 'bad-c', '--strategy', 'canary', '--instance-steps', '50', '--probe', '--probe-rate', '40', '--abort-on-errors', '2'])
    expectExit(r, 1)
    expect(r.stderr).toMatch(/FAILED\nAborted: the probe saw 2 failed requests \(--abort-on-errors 2\)\nCanceled deployment/)
    expect(r.stderr).toMatch(/aborted: +at/)
    expect(r.stderr).not.toMatch(/Canary paused/)
    expect((await e.capi.deployments.latestForApp(guid))!.status.reason).toBe('CANCELED')
  })

  it('blue-green: roll back while both versions serve, before the old app is touched', async () => {
    const old = (await find('bad-b'))!
    await setEnv('bad-b', {CFZD_LOCAL_RESPONSE_STATUS: '500'})
    const r = await e.cli(['bg-restart', 'bad-b', '--probe', '--probe-rate', '40', '--abort-on-errors', '3', '--json'], {env: {CFZD_ROUTE_SETTLE: '5s'}})
    expectExit(r, 1)
    const {error} = json(r)
    expect(error.message).toMatch(/^Aborted: the probe saw 3 failed requests \(--abort-on-errors 3\)\nRolled back: 'bad-b' \(.*\) serves as before/)
    expect(error.phase).toBe('before-switch')
    expect(error.probe.aborted.reason).toMatch(/3 failed requests/)
    expect(r.stderr).not.toMatch(/Stop old app bad-b-venerable \(|✔ Stop old app/)
    const now = (await find('bad-b'))!
    expect(now.guid).toBe(old.guid)
    expect(now.state).toBe('STARTED')
    expect(await find('bad-b-venerable')).toBeUndefined()
    expect((await e.capi.routes.forApp(old.guid)).map((x) => x.url)).toEqual(['bad-b.apps.localhost'])
  })

  it('--abort-on-error-rate: more than 10% of the last 10 requests', async () => {
    const guid = (await find('bad-rate'))!.guid
    await setEnv('bad-rate', {CFZD_LOCAL_RESPONSE_STATUS: '503'})
    const r = await e.cli(['restart', 'bad-rate', '--abort-on-error-rate', '10%', '--abort-sample', '10', '--probe-rate', '40', '--json'])
    expectExit(r, 1)
    const {error} = json(r)
    expect(error.probe.thresholds).toEqual({errorRate: 10, sample: 10})
    expect(error.probe.aborted.reason).toMatch(/^\d+ of the last 10 probe requests failed \(\d+%, over --abort-on-error-rate 10%\)$/)
    expect((await e.capi.deployments.latestForApp(guid))!.status.reason).toBe('CANCELED')
  })

  it('after blue-green starts retiring the old app, the probe keeps counting but does not abort', async () => {
    // The new version answers 500 only once it has all the routes (settle 0): too late to roll back.
    await setEnv('late', {CFZD_LOCAL_RESPONSE_STATUS: '500'})
    const r = await e.cli(['bg-restart', 'late', '--no-stop', '--probe', '--probe-rate', '50', '--abort-on-errors', '1', '--json'])
    const out = json(r)
    if (out.error) {
      // The probe caught a 500 while both versions served: a rollback, which is fine too.
      expectExit(r, 1)
      expect(out.error.message).toMatch(/Rolled back/)
    } else {
      expectExit(r, 0)
      expect(out.probe.aborted).toBeUndefined()
      if (out.probe.failed > 0) {
        expect(out.probe.notAborted.why).toMatch(/nothing left to roll back to|had already finished/)
        expect(r.stderr).toMatch(/not aborted/)
      }
    }
  })
})

describe('push --probe', () => {
  it('watches the first app of the manifest; its result carries the report', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-probe-push-'))
    try {
      fs.cpSync(path.join(ROOT, 'test/fixtures/apps/hello'), path.join(dir, 'hello'), {recursive: true})
      fs.writeFileSync(path.join(dir, 'manifest.yml'), 'applications:\n- name: pushed\n  path: hello\n  memory: 32M\n  instances: 2\n')
      // First push: nothing to probe yet, said plainly
      const first = await e.cli(['push', '--probe', '--json'], {cwd: dir})
      expectExit(first, 0)
      expect(first.stderr).toMatch(/Probe: 'pushed' does not exist yet, so there is no route to probe; running without the probe/)
      expect(json(first).probe).toBeUndefined()
      const r = await e.cli(['push', '--strategy', 'rolling', '--probe', '--json'], {cwd: dir})
      expectExit(r, 0)
      const out = json(r)
      expect(out.probe).toMatchObject({url: e.routeUrl('pushed'), failed: 0})
      expect(out.probe.droplets.map((d: {role: string}) => d.role)).toEqual(['old', 'new'])
      expect(out.probe.droplets.at(-1).droplet).toBe(out.droplet.guid)
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })
})
