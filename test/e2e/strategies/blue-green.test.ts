/**
 * Blue-green through the real CLI: the new app carries everything the API exposes (compared field
 * by field), traffic never fails, and --no-delete / --no-stop leave the old app as documented.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {compareSnapshots, takeSnapshot} from '../../../src/strategies/snapshot.js'
import {expectExit, startE2E, type E2E} from '../../helpers/e2e.js'

let e: E2E
let space: string

const find = async (name: string) => e.capi.apps.findByName(space, name)

beforeAll(async () => {
  e = await startE2E({
    seed: {
      orgs: [
        {
          name: 'local',
          spaces: [
            {
              name: 'dev',
              service_instances: [{name: 'db', credentials: {uri: 'postgres://db'}}],
              apps: [
                {
                  name: 'shop',
                  buildpacks: ['nodejs_buildpack'],
                  env: {FOO: 'bar', FEATURE_X: 'on'},
                  labels: {team: 'payments'},
                  annotations: {owner: 'payments@example.org'},
                  routes: ['shop.apps.localhost', 'shop.apps.localhost/api'],
                  services: [{name: 'db', binding_name: 'primary-db'}],
                  features: {ssh: false, revisions: true},
                  processes: [
                    {type: 'web', instances: 3, memory: '64M', health_check_type: 'http', health_check_http_endpoint: '/health'},
                    {type: 'worker', instances: 1, memory: '32M', command: 'node worker.js', health_check_type: 'process'},
                  ],
                },
                {name: 'kept', buildpacks: ['nodejs_buildpack'], instances: 2, memory: '64M'},
                {name: 'spare', buildpacks: ['nodejs_buildpack'], instances: 2, memory: '64M'},
                {name: 'idle', buildpacks: ['nodejs_buildpack'], instances: 1, memory: '64M', state: 'STOPPED'},
                {name: 'bits', buildpacks: ['nodejs_buildpack'], instances: 3, memory: '64M'},
                {name: 'bare', buildpacks: ['nodejs_buildpack'], instances: 2, memory: '64M'},
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

describe('blue-green', () => {
  it('bg-restage carries every field, with zero failed requests on both routes', async () => {
    const old = (await find('shop'))!
    const before = await takeSnapshot(e.capi, old)
    expect(before.routes).toHaveLength(2)
    expect(before.bindings).toHaveLength(1)
    const root = e.traffic('shop')
    const api = e.traffic('shop', {url: e.routeUrl('shop', '/api/orders')})
    const r = await e.cli(['bg-restage', 'shop', '--json'])
    await new Promise((res) => setTimeout(res, 300))
    const [a, b] = await Promise.all([root.stop(), api.stop()])
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({strategy: 'blue-green', outcome: 'started', previousApp: {guid: old.guid, state: 'deleted'}})
    expect(a.failed).toBe(0)
    expect(b.failed).toBe(0)
    expect(a.sent).toBeGreaterThan(20)

    const now = (await find('shop'))!
    expect(now.guid).not.toBe(old.guid)
    expect(now.guid).toBe(out.app.guid)
    expect(await find('shop-venerable')).toBeUndefined()
    const after = await takeSnapshot(e.capi, now)
    expect(compareSnapshots(before, after)).toEqual([])
    // restage made a new droplet; the router serves it at the end
    expect(after.droplet!.guid).not.toBe(before.droplet!.guid)
    expect(a.droplets.at(-1)!.droplet).toBe(after.droplet!.guid)
    // the user-set worker command came along; cfzd's bookkeeping annotations did not
    expect(after.processes.find((p) => p.type === 'worker')!.command).toBe('node worker.js')
    expect(Object.keys(now.metadata.annotations).filter((k) => k.startsWith('cfzd.io/'))).toEqual([])
    // binding parameters can't be read back from a user-provided instance: said so
    expect(out.warnings.join('\n')).toMatch(/Binding parameters can't be read back for primary-db/)
  })

  it('prints the steps as it goes', async () => {
    const r = await e.cli(['bg-restart', 'spare'])
    expectExit(r, 0)
    for (const step of [
      'Rename spare to spare-venerable',
      'Create new app spare',
      'Copy package',
      'Copy droplet',
      'Start 2 new instances (2/2 routable',
      'Switch routes',
      'Delete old app spare-venerable',
    ]) {
      expect(r.stderr).toContain(step)
    }
  })

  it('--no-delete keeps the old app stopped; running again refuses to touch it (exit 6, nothing changed)', async () => {
    const old = (await find('kept'))!
    const t = e.traffic('kept')
    const r = await e.cli(['bg-restart', 'kept', '--no-delete'])
    const report = await t.stop()
    expectExit(r, 0)
    expect(report.failed).toBe(0)
    const venerable = (await find('kept-venerable'))!
    expect(venerable.guid).toBe(old.guid)
    expect(venerable.state).toBe('STOPPED')
    expect(await e.capi.routes.forApp(venerable.guid)).toEqual([])
    expect(r.stdout).toMatch(/kept, stopped, as 'kept-venerable'/)

    const current = (await find('kept'))!
    const again = await e.cli(['bg-restart', 'kept'])
    expectExit(again, 6)
    expect(again.stderr).toMatch(/already exists .*kept by an earlier cfzd run/)
    expect((await find('kept'))!.guid).toBe(current.guid)
    expect((await find('kept-venerable'))!.guid).toBe(old.guid)
  })

  it('--no-stop keeps the old app running, without routes', async () => {
    await e.cli(['bg-restart', 'spare'])
    const old = (await find('spare'))!
    const t = e.traffic('spare')
    const r = await e.cli(['restart', 'spare', '--strategy', 'blue-green', '--no-stop', '--venerable-suffix', '-old'])
    const report = await t.stop()
    expectExit(r, 0)
    expect(report.failed).toBe(0)
    const kept = (await find('spare-old'))!
    expect(kept.guid).toBe(old.guid)
    expect(kept.state).toBe('STARTED')
    expect(await e.capi.routes.forApp(kept.guid)).toEqual([])
  })

  it('bg-restart carries the package: restage afterwards works, with zero failed requests throughout', async () => {
    const old = (await find('bits'))!
    const oldPackage = (await e.capi.packages.newestForApp(old.guid, ['READY']))!
    const t = e.traffic('bits')
    const r = await e.cli(['bg-restart', 'bits', '--json'])
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({strategy: 'blue-green', outcome: 'started', previousApp: {guid: old.guid, state: 'deleted'}})
    expect(out.warnings).toEqual([])
    // the old app, and the package it held, are gone; the new app has its own copy
    const now = (await find('bits'))!
    expect(now.guid).not.toBe(old.guid)
    const carried = await e.capi.packages.newestForApp(now.guid, ['READY'])
    expect(carried).toBeDefined()
    expect(carried!.guid).not.toBe(oldPackage.guid)
    expect(carried!.data.checksum?.value).toBe(oldPackage.data.checksum?.value)

    const restage = await e.cli(['restage', 'bits', '--json'])
    await new Promise((res) => setTimeout(res, 300))
    const report = await t.stop()
    expectExit(restage, 0)
    const staged = JSON.parse(restage.stdout)
    expect(staged).toMatchObject({operation: 'restage', outcome: 'deployed', app: {guid: now.guid}})
    expect(staged.droplet.guid).not.toBe(out.droplet.guid)
    expect(report.sent).toBeGreaterThan(20)
    expect(report.failed).toBe(0)
    expect(report.droplets.at(-1)!.droplet).toBe(staged.droplet.guid)
  })

  it('an app with no package still bg-restarts, with zero failed requests, and says the new app has none', async () => {
    const old = (await find('bare'))!
    for await (const p of e.capi.packages.list({app_guids: [old.guid]})) await e.capi.jobs.wait(await e.capi.packages.delete(p.guid), {timeoutMs: 30_000})
    const t = e.traffic('bare')
    const r = await e.cli(['bg-restart', 'bare', '--json'])
    const report = await t.stop()
    expectExit(r, 0)
    expect(report.failed).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.outcome).toBe('started')
    expect(out.warnings).toEqual([expect.stringMatching(/App 'bare' has no package ready to stage.*push it \(cfzd push bare\) before restaging it/)])
    // and without --json the warning is printed
    const plain = await e.cli(['bg-restart', 'bare'])
    expectExit(plain, 0)
    expect(plain.stderr).toMatch(/App 'bare' has no package ready to stage/)
  })

  it('a stopped app is copied and stays stopped, with its droplet', async () => {
    const old = (await find('idle'))!
    const r = await e.cli(['bg-restage', 'idle', '--json'])
    expectExit(r, 0)
    const now = (await find('idle'))!
    expect(now.guid).not.toBe(old.guid)
    expect(now.state).toBe('STOPPED')
    expect(await e.capi.apps.getCurrentDropletGuid(now.guid)).toBe(JSON.parse(r.stdout).droplet.guid)
    expect(JSON.parse(r.stdout).outcome).toBe('staged')
  })
})
