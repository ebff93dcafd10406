/**
 * The two delays of a real foundation: the router keeps routing to an unmapped destination for the
 * route delay, and an instance with CFZD_LOCAL_STOP=kill drops the requests it serves on stop
 * (502), where a default instance finishes them within its graceful window.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {startTestFoundation, type TestFoundation, until, viaRouter} from './helpers.js'

let t: TestFoundation
let space: string

beforeAll(async () => {
  t = await startTestFoundation({startupMs: 30, routeDelayMs: 1500})
  await t.lf.seed({
    orgs: [
      {
        name: 'local',
        spaces: [
          {
            name: 'dev',
            apps: [
              {name: 'late', instances: 1, memory: '64M'},
              {name: 'killed', instances: 1, memory: '64M', env: {CFZD_LOCAL_STOP: 'kill'}},
              {name: 'graceful', instances: 1, memory: '64M'},
            ],
          },
        ],
      },
    ],
  })
  space = (await t.capi.spaces.list({names: ['dev']}))[0].guid
  await t.lf.settle()
})
afterAll(() => t.stop())

const app = async (name: string) => (await t.capi.apps.findByName(space, name))!

/** Unmap every route of the app. */
async function unmap(guid: string): Promise<void> {
  for (const r of await t.capi.routes.forApp(guid)) {
    for (const d of await t.capi.routes.destinations(r.guid)) if (d.app.guid === guid) await t.capi.routes.removeDestination(r.guid, d.guid)
  }
}

describe('route delay and stop modes', () => {
  it('keeps routing to an unmapped destination for the route delay, then answers 404', async () => {
    const a = await app('late')
    expect((await viaRouter(t.lf, 'late.apps.localhost')).status).toBe(200)
    const unmappedAt = Date.now()
    await unmap(a.guid)
    const during = await viaRouter(t.lf, 'late.apps.localhost')
    expect(during.status).toBe(200)
    expect(during.json.app.guid).toBe(a.guid)
    await until(async () => (await viaRouter(t.lf, 'late.apps.localhost')).status === 404, 5000, 50)
    expect(Date.now() - unmappedAt).toBeGreaterThanOrEqual(1400)
  })

  it('a kill stop cuts the requests in flight (502); a graceful stop finishes them', async () => {
    const cut = viaRouter(t.lf, 'killed.apps.localhost', '/?delay=1000')
    const kept = viaRouter(t.lf, 'graceful.apps.localhost', '/?delay=1000')
    await new Promise((r) => setTimeout(r, 200))
    await t.capi.apps.stop((await app('killed')).guid)
    await t.capi.apps.stop((await app('graceful')).guid)
    expect((await cut).status).toBe(502)
    expect((await kept).status).toBe(200)
  })

  it('records running instances per process type over time', async () => {
    const a = await app('graceful')
    const web = t.lf.instanceTimeline.filter((e) => e.appGuid === a.guid && e.processType === 'web')
    expect(web.map((e) => e.running)).toEqual([1, 0])
  })
})
