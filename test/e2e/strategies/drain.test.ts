/**
 * Long requests and worker processes through every strategy, on a foundation as harsh as a real
 * one: the router keeps sending requests to an unmapped destination for 2 s (route delay), and
 * the app's instances exit at once on stop (CFZD_LOCAL_STOP=kill), dropping what they serve.
 * 3 s requests stay in flight throughout; none may be cut. Without the drain, blue-green cuts them.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import type {InstanceCountEvent} from '../../../src/local/index.js'
import {expectExit, startE2E, type E2E} from '../../helpers/e2e.js'

let e: E2E
let space: string

const find = async (name: string) => e.capi.apps.findByName(space, name)

beforeAll(async () => {
  e = await startE2E({
    routeDelayMs: 2000,
    seed: {
      orgs: [
        {
          name: 'local',
          spaces: [
            {
              name: 'dev',
              apps: [
                {name: 'killed', buildpacks: ['nodejs_buildpack'], instances: 2, memory: '64M', env: {CFZD_LOCAL_STOP: 'kill'}},
                {name: 'control', buildpacks: ['nodejs_buildpack'], instances: 2, memory: '64M', env: {CFZD_LOCAL_STOP: 'kill'}},
                {name: 'graceful', buildpacks: ['nodejs_buildpack'], instances: 2, memory: '64M'},
                // Workers that take 2 s to start, as real ones take seconds.
                ...['jobs', 'queue'].map((name) => ({
                  name,
                  buildpacks: ['nodejs_buildpack'],
                  env: {CFZD_LOCAL_STARTUP_TIME: '2s'},
                  processes: [
                    {type: 'web', instances: 1, memory: '64M'},
                    {type: 'worker', instances: 2, memory: '32M', command: 'node worker.js', health_check_type: 'process' as const},
                  ],
                })),
              ],
            },
          ],
        },
      ],
    },
  })
  space = (await e.capi.spaces.list({names: ['dev']}))[0].guid
}, 60_000)

afterAll(async () => e?.stop())

/** 3 s requests, about 5 started per second, so some are always in flight. */
const longRequests = (host: string) => e.traffic(host, {url: e.routeUrl(host, '/?delay=3000'), ratePerSec: 5, concurrency: 40, timeoutMs: 10_000})
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Run a command with 3 s requests in flight from a second before it until they all finished. */
async function underLongRequests(host: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const probe = longRequests(host)
  await pause(1000)
  const r = await e.cli(args, {env, timeoutMs: 90_000})
  const report = await probe.stop()
  return {r, report}
}

describe('drain: no long request is cut', () => {
  it('bg-restart --drain 6s: 0 of the 3 s requests cut, with a 2 s route delay and instances killed on stop', async () => {
    const {r, report} = await underLongRequests('killed', ['bg-restart', 'killed', '--drain', '6s', '--json'])
    expectExit(r, 0)
    expect(JSON.parse(r.stdout).durationsMs.drain).toBeGreaterThanOrEqual(6000)
    expect(report.sent).toBeGreaterThan(20)
    expect(report.failures).toEqual([])
    expect(report.failed).toBe(0)
  }, 120_000)

  it('bg-restage with CFZD_DRAIN=6s: 0 cut', async () => {
    const {r, report} = await underLongRequests('killed', ['bg-restage', 'killed'], {CFZD_DRAIN: '6s'})
    expectExit(r, 0)
    expect(r.stderr + r.stdout).toMatch(/Drain old app killed-venerable \(6(\.0)?s\)/)
    expect(report.sent).toBeGreaterThan(20)
    expect(report.failed).toBe(0)
  }, 120_000)

  it('without the drain (--drain 0) blue-green cuts requests: the foundation models the harm', async () => {
    const {r, report} = await underLongRequests('control', ['bg-restart', 'control', '--drain', '0'])
    expectExit(r, 0)
    expect(report.failed).toBeGreaterThan(0)
  }, 120_000)

  it('rolling and canary: 0 cut, and cfzd reports success only once the old web instances are gone', async () => {
    const app = (await find('graceful'))!
    const rolling = await underLongRequests('graceful', ['restart', 'graceful', '--json'])
    expectExit(rolling.r, 0)
    expect(rolling.report.failed).toBe(0)
    const webs = await e.capi.processes.forApp(app.guid, {types: ['web']})
    expect(webs).toHaveLength(1)
    expect(JSON.parse(rolling.r.stdout).durationsMs).toHaveProperty('old-gone')

    const canary = await underLongRequests('graceful', ['restart', 'graceful', '--strategy', 'canary', '--json'])
    expectExit(canary.r, 0)
    expect(JSON.parse(canary.r.stdout).outcome).toBe('paused')
    const cont = await underLongRequests('graceful', ['continue-deployment', 'graceful', '--json'])
    expectExit(cont.r, 0)
    const done = JSON.parse(cont.r.stdout)
    expect(done).toMatchObject({outcome: 'deployed', processes: [{type: 'web', instances: 2, zeroMs: 0, recovered: true}]})
    expect(done.durationsMs).toHaveProperty('old-gone')
    expect(canary.report.failed + cont.report.failed).toBe(0)
  }, 180_000)
})

/** The running worker instances of these apps, summed, at every change from `since` on. */
function workerCounts(events: InstanceCountEvent[], appGuids: string[], since: number): {at: number; running: number}[] {
  const now = new Map<string, number>()
  const out: {at: number; running: number}[] = []
  for (const ev of events) {
    if (ev.processType !== 'worker' || !appGuids.includes(ev.appGuid)) continue
    now.set(ev.appGuid, ev.running)
    if (ev.at >= since) out.push({at: ev.at, running: [...now.values()].reduce((a, b) => a + b, 0)})
  }
  return out
}

describe('worker processes', () => {
  it('rolling names the workers, warns they restart together, and reports their time at 0', async () => {
    const app = (await find('jobs'))!
    const since = Date.now()
    const r = await e.cli(['restart', 'jobs', '--json'])
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    expect(out.warnings.join('\n')).toMatch(/worker \(2 instances\) will restart all at once.*--strategy blue-green/s)
    const worker = out.processes.find((p: {type: string}) => p.type === 'worker')
    expect(worker).toMatchObject({instances: 2, recovered: true})
    // Polled every 500 ms from the finalize cfzd saw: at least most of the 2 s start-up.
    expect(worker.zeroMs).toBeGreaterThan(1000)
    expect(out.processes.find((p: {type: string}) => p.type === 'web')).toMatchObject({zeroMs: 0})
    // Cloud Controller's finalize restarts them all at once: the foundation saw 0 running workers.
    expect(workerCounts(e.foundation.instanceTimeline, [app.guid], since).some((c) => c.running === 0)).toBe(true)
  }, 120_000)

  it('blue-green keeps worker instances above 0 throughout', async () => {
    const old = (await find('queue'))!
    const since = Date.now()
    const r = await e.cli(['bg-restart', 'queue', '--drain', '500ms', '--json'])
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    expect(out.warnings.join('\n')).not.toMatch(/restart all at once/)
    expect(out.processes).toEqual(
      expect.arrayContaining([
        {type: 'web', instances: 1, zeroMs: 0, recovered: true},
        {type: 'worker', instances: 2, zeroMs: 0, recovered: true},
      ]),
    )
    const counts = workerCounts(e.foundation.instanceTimeline, [old.guid, out.app.guid], since)
    // The new workers started and the old ones stopped during the run, and never all at once.
    expect(counts.some((c) => c.running > 2)).toBe(true)
    expect(counts.length).toBeGreaterThan(2)
    expect(counts.filter((c) => c.running === 0)).toEqual([])
  }, 120_000)
})
