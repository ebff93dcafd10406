/** The router: live traffic through deployments, draining, path routes, round-robin, 404 and 502. */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {zipSync} from 'fflate'
import {Traffic} from '../../../src/local/traffic.js'
import {startTestFoundation, type TestFoundation, until, viaRouter} from './helpers.js'

let t: TestFoundation
let space: string

beforeAll(async () => {
  t = await startTestFoundation({startupMs: 30})
  await t.lf.seed({
    orgs: [
      {
        name: 'local',
        spaces: [
          {
            name: 'dev',
            apps: [
              {name: 'live', instances: 3, memory: '64M', buildpacks: ['nodejs_buildpack']},
              {name: 'pair', instances: 2, memory: '64M'},
              {name: 'api-part', instances: 1, memory: '64M', routes: ['pair.apps.localhost/api']},
              {name: 'single', instances: 1, memory: '64M'},
              {name: 'fragile', instances: 1, memory: '64M'},
            ],
          },
        ],
      },
    ],
  })
  space = (await t.capi.spaces.list({names: ['dev']}))[0].guid
})
afterAll(() => t.stop())

const appGuid = async (name: string) => (await t.capi.apps.findByName(space, name))!.guid

/** Stage a new droplet for the app through the API (upload a zip, build). */
async function newDroplet(app: string): Promise<string> {
  const pkg = await t.capi.packages.create({type: 'bits', relationships: {app: {data: {guid: app}}}})
  await t.capi.packages.upload(pkg.guid, Buffer.from(zipSync({'package.json': new TextEncoder().encode('{"name":"live"}')})), [])
  await until(async () => (await t.capi.packages.get(pkg.guid)).state === 'READY')
  const build = await t.capi.builds.create({package: {guid: pkg.guid}})
  const staged = await until(async () => {
    const b = await t.capi.builds.get(build.guid)
    return b.state === 'STAGED' ? b : undefined
  })
  return staged.droplet!.guid
}

describe('router', () => {
  it('carries live traffic through a rolling deployment with zero failed requests, old droplet → new', async () => {
    const app = await appGuid('live')
    const before = (await t.capi.apps.get(app)).relationships.current_droplet!.data!.guid
    const after = await newDroplet(app)
    const load = new Traffic(t.lf.routerUrl, 'live.apps.localhost', 4, 2)
    await until(() => load.samples.length > 20)
    const d = await t.capi.deployments.create({relationships: {app: {data: {guid: app}}}, droplet: {guid: after}})
    for (let i = 0; i < 20; i++) {
      await t.lf.settle()
      await new Promise((r) => setTimeout(r, 15))
      t.lf.tick()
      if ((await t.capi.deployments.get(d.guid)).status.value === 'FINALIZED') break
    }
    expect((await t.capi.deployments.get(d.guid)).status.reason).toBe('DEPLOYED')
    const n = load.samples.length
    await until(() => load.samples.length > n + 20)
    const summary = await load.stop()
    expect(load.samples.filter((s) => s.status !== 200)).toEqual([])
    expect(summary.failed).toBe(0)
    expect(summary.droplets).toEqual([before, after])
    // After the deployment only the new droplet answers.
    expect(load.samples.slice(-10).every((s) => s.droplet === after)).toBe(true)
  })

  it('round-robins over the instances of a route, and the longest path route wins', async () => {
    const seen = new Set<number>()
    for (let i = 0; i < 6; i++) seen.add((await viaRouter(t.lf, 'pair.apps.localhost')).json.instance.index)
    expect([...seen].sort()).toEqual([0, 1])
    const api = await viaRouter(t.lf, 'pair.apps.localhost:9999', '/api/things')
    expect(api.json.app.name).toBe('api-part')
    expect((await viaRouter(t.lf, 'PAIR.apps.localhost', '/apiary')).json.app.name).toBe('pair')
  })

  it('drains a stopping instance: in-flight requests finish, new requests no longer reach it', async () => {
    const app = await appGuid('single')
    const slow = viaRouter(t.lf, 'single.apps.localhost', '/?delay=400')
    await until(() => t.lf.internals.runtime.instances(app).some((i) => i.inflight > 0))
    await t.capi.apps.stop(app)
    const during = await viaRouter(t.lf, 'single.apps.localhost')
    expect(during.status).toBe(404)
    const finished = await slow
    expect(finished.status).toBe(200)
    expect(finished.json.app.name).toBe('single')
    await t.lf.settle()
    expect(t.lf.internals.runtime.instances(app)).toEqual([])
  })

  it("answers 404 with gorouter's body and X-Cf-Routererror for an unknown route", async () => {
    const r = await viaRouter(t.lf, 'nothing-here.apps.localhost')
    expect(r.status).toBe(404)
    expect(r.headers['x-cf-routererror']).toBe('unknown_route')
    expect(r.text).toBe("404 Not Found: Requested route ('nothing-here.apps.localhost') does not exist.\n")
  })

  it('answers 502 endpoint_failure when the instance dies mid-request', async () => {
    const app = await appGuid('fragile')
    const web = await t.capi.processes.getForApp(app, 'web')
    const pending = viaRouter(t.lf, 'fragile.apps.localhost', '/?delay=2000')
    await until(() => t.lf.internals.runtime.instances(web.guid).some((i) => i.inflight > 0))
    await t.api('/_local/instances/crash', {method: 'POST', body: {process_guid: web.guid, index: 0}})
    const r = await pending
    expect(r.status).toBe(502)
    expect(r.headers['x-cf-routererror']).toBe('endpoint_failure')
    // the first crash is restarted at once, as Diego does, and recorded with its count
    const stats = await t.capi.processes.stats(web.guid)
    expect(['STARTING', 'RUNNING']).toContain(stats[0].state)
    const events = t.lf.internals.store.auditEvents.all().filter((x) => x.type === 'audit.app.process.crash' && x.target.guid === app)
    expect(events.map((x) => x.data.crash_count)).toEqual([1])
  })
})
