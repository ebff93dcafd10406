/**
 * Crashed instances heal as on Diego: the local foundation restarts them (at once for the first
 * crashes, then with a doubling backoff), counts the crashes and records crash events. An app whose
 * instances crash once on start (CFZD_LOCAL_CRASH=once) is deployed by every strategy with zero
 * failed requests; one that always crashes is still cancelled or rolled back (failures.test.ts).
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {startE2E, type E2E} from '../../helpers/e2e.js'
import {cfzd, expectIntact, expectRun, outcome, seedApp, type Checker} from '../faults/matrix.js'

let e: E2E
let c: Checker
const find = async (name: string) => (await e.capi.apps.findByName(c.space, name))!

interface CrashEvent {
  type: string
  actor: {guid: string; type: string; name: string}
  target: {guid: string; name: string}
  data: Record<string, unknown>
}

async function crashEvents(appGuid: string, type = 'audit.app.process.crash'): Promise<CrashEvent[]> {
  const res = await e.capi.http.request<{resources: CrashEvent[]}>({path: '/v3/audit_events', query: {types: [type], target_guids: [appGuid], per_page: 5000}})
  return res.data.resources
}

/** Wait (bounded) until `ok` holds; the foundation's events are the clock. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(v).slice(0, 400)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const RUNS = [
  {name: 'rolling restart', app: 'once-r', args: (a: string) => cfzd('restart', 'rolling', a)},
  {name: 'canary restart', app: 'once-c', args: (a: string) => cfzd('restart', 'canary', a)},
  {name: 'blue-green restart', app: 'once-b', args: (a: string) => cfzd('restart', 'blue-green', a)},
  {name: 'blue-green restage', app: 'once-bs', args: (a: string) => cfzd('restage', 'blue-green', a)},
  {name: 'rolling restage', app: 'once-rs', args: (a: string) => cfzd('restage', 'rolling', a)},
]

beforeAll(async () => {
  e = await startE2E({
    seed: {orgs: [{name: 'local', spaces: [{name: 'dev', apps: [...RUNS.map((r) => seedApp(r.app)), seedApp('always', {instances: 1})]}]}]},
  })
  c = {e, space: (await e.capi.spaces.list({names: ['dev']}))[0].guid}
}, 60_000)

afterAll(async () => e?.stop())

describe('an app whose instances crash once on start', () => {
  it.each(RUNS)('is deployed by a $name with zero failed requests', async ({app, args}) => {
    const before = await find(app)
    await e.capi.env.update(before.guid, {CFZD_LOCAL_CRASH: 'once'})
    const t = e.traffic(app)
    const o = outcome(await e.cli(args(app)))
    const report = await t.stop()
    expectRun(o, 0)
    expect(report.failed).toBe(0)
    await expectIntact(c, app)
    // every new instance crashed once, was restarted at once, and came up
    const after = await find(app)
    const events = [...(await crashEvents(before.guid)), ...(after.guid === before.guid ? [] : await crashEvents(after.guid))]
    expect(events.length).toBeGreaterThanOrEqual(2)
    for (const ev of events) {
      expect(ev.actor.type).toBe('process')
      expect(ev.actor.name).toBe('web')
      expect(ev.data).toMatchObject({
        reason: 'CRASHED',
        crash_count: 1,
        cell_id: expect.any(String),
        exit_description: expect.stringMatching(/Exited with status 1/),
      })
      expect(Object.keys(ev.data).sort()).toEqual(['cell_id', 'crash_count', 'crash_timestamp', 'exit_description', 'index', 'instance', 'reason', 'version'])
    }
    const app2 = await crashEvents(after.guid, 'audit.app.crash')
    expect(app2.length).toBeGreaterThan(0)
    expect(Object.keys(app2[0].data).sort()).toEqual(['cell_id', 'exit_description', 'index', 'instance', 'reason'])
    await e.capi.env.update(after.guid, {CFZD_LOCAL_CRASH: null})
  })
})

describe("Diego's backoff", () => {
  it('restarts the first two crashes at once, then waits 1×, 2×, 4× the minimum backoff, CRASHED meanwhile', async () => {
    await e.foundation.setFaults({crashBackoffMs: 400})
    try {
      const app = await find('always')
      const web = await e.capi.processes.getForApp(app.guid, 'web')
      const since = Date.now()
      await e.capi.env.update(app.guid, {CFZD_LOCAL_CRASH: 'true'})
      await e.capi.apps.restart(app.guid)
      const events = await until(
        async () => (await crashEvents(app.guid)).filter((x) => Number(x.data.crash_timestamp) / 1e6 >= since - 1000 && x.data.version !== undefined),
        (xs) => xs.filter((x) => x.data.version === xs[xs.length - 1].data.version).length >= 5,
      )
      const latest = events.filter((x) => x.data.version === events[events.length - 1].data.version)
      expect(latest.slice(0, 5).map((x) => x.data.crash_count)).toEqual([1, 2, 3, 4, 5])
      const at = latest.map((x) => Number(x.data.crash_timestamp) / 1e6)
      const gap = (i: number) => at[i] - at[i - 1]
      // crash 3 waits 400 ms before its restart, crash 4 800 ms (plus the 100 ms start-up each)
      expect(gap(3)).toBeGreaterThanOrEqual(400)
      expect(gap(4)).toBeGreaterThanOrEqual(800)
      expect(gap(4)).toBeGreaterThan(gap(3))
      // the first two came back at once: less than the first backoff apart
      expect(gap(1)).toBeLessThan(gap(3))
      // waiting out a backoff, the instance is CRASHED
      const stats = await e.capi.processes.stats(web.guid)
      expect(stats.map((s) => s.state)).toContain('CRASHED')
    } finally {
      await e.foundation.setFaults({crashBackoffMs: 30_000})
    }
  })
})
