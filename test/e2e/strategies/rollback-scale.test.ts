/**
 * Rollback and zero-downtime scale through the real CLI against the local foundation, with live
 * traffic through its router: zero failed requests each, and the served droplet and the web
 * process's size checked at the end.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {expectExit, startE2E, type E2E} from '../../helpers/e2e.js'

let e: E2E
let space: string
const app = async (name: string) => (await e.capi.apps.findByName(space, name))!
const web = async (name: string) => e.capi.processes.getForApp((await app(name)).guid, 'web')
const droplet = async (name: string) => e.capi.apps.getCurrentDropletGuid((await app(name)).guid)

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
                {name: 'rb', buildpacks: ['nodejs_buildpack'], instances: 3, memory: '64M'},
                {name: 'rbc', buildpacks: ['nodejs_buildpack'], instances: 4, memory: '64M'},
                {name: 'sz', buildpacks: ['nodejs_buildpack'], instances: 3, memory: '64M'},
                {name: 'szbg', buildpacks: ['nodejs_buildpack'], instances: 2, memory: '64M'},
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

describe('rollback', () => {
  it('rolls back to an earlier droplet with zero failed requests, and records a new revision', async () => {
    const first = await droplet('rb')
    expectExit(await e.cli(['restage', 'rb']), 0)
    const second = await droplet('rb')
    expect(second).not.toBe(first)

    const t = e.traffic('rb')
    const r = await e.cli(['rollback', 'rb', '--version', '1', '-f', '--json'])
    const report = await t.stop()
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({operation: 'rollback', strategy: 'rolling', outcome: 'deployed', droplet: {guid: first, previous: second}})
    expect(report.sent).toBeGreaterThan(20)
    expect(report.failed).toBe(0)
    expect(report.droplets.at(-1)!.droplet).toBe(first)
    expect(await droplet('rb')).toBe(first)

    const listed = await e.cli(['revisions', 'rb', '--json'])
    expectExit(listed, 0)
    const revs = JSON.parse(listed.stdout)
    const newest = revs.revisions.at(-1)
    expect(newest).toMatchObject({version: 3, deployed: true, deployable: true, droplet: first})
    expect(newest.description).toMatch(/Rolled back to revision 1\.$/)
  })

  it("refuses a rollback to what is already deployed with Cloud Controller's reason, changing nothing", async () => {
    const before = await e.capi.deployments.latestForApp((await app('rb')).guid)
    const r = await e.cli(['rollback', 'rb', '--version', '3', '-f'])
    expectExit(r, 1)
    expect(r.stderr).toMatch(/Unable to rollback\. The code and configuration you are rolling back to is the same as the deployed revision\./)
    expect((await e.capi.deployments.latestForApp((await app('rb')).guid))?.guid).toBe(before?.guid)
  })

  it('without -f and without a terminal, asks for -f and changes nothing', async () => {
    const r = await e.cli(['rollback', 'rb', '--version', '1'])
    expectExit(r, 2)
    expect(r.stderr).toMatch(/pass -f/)
  })

  it('a canary rollback pauses on the canary, and continue finishes it, with zero failed requests throughout', async () => {
    const first = await droplet('rbc')
    expectExit(await e.cli(['restage', 'rbc']), 0)
    const t = e.traffic('rbc')
    const paused = await e.cli(['rollback', 'rbc', '--version', '1', '-f', '--strategy', 'canary', '--json'])
    expectExit(paused, 0)
    expect(JSON.parse(paused.stdout)).toMatchObject({operation: 'rollback', strategy: 'canary', outcome: 'paused'})
    const done = await e.cli(['continue-deployment', 'rbc', '--json'])
    const report = await t.stop()
    expectExit(done, 0)
    expect(JSON.parse(done.stdout).outcome).toBe('deployed')
    expect(report.failed).toBe(0)
    expect(report.droplets.at(-1)!.droplet).toBe(first)
    expect(await droplet('rbc')).toBe(first)
  })
})

describe('scale', () => {
  it('-i alone scales in place: the same web process, no restart', async () => {
    const before = await web('sz')
    const r = await e.cli(['scale', 'sz', '-i', '4', '--json'])
    expectExit(r, 0)
    expect(JSON.parse(r.stdout)).toMatchObject({operation: 'scale', outcome: 'scaled'})
    const after = await web('sz')
    expect(after.guid).toBe(before.guid)
    expect(after.instances).toBe(4)
  })

  it('-m rolls a deployment of the current droplet with the new memory, zero failed requests', async () => {
    const dropletBefore = await droplet('sz')
    const t = e.traffic('sz')
    const r = await e.cli(['scale', 'sz', '-m', '128M', '--json'])
    const report = await t.stop()
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({operation: 'scale', strategy: 'rolling', outcome: 'deployed'})
    expect(report.sent).toBeGreaterThan(20)
    expect(report.failed).toBe(0)
    const after = await web('sz')
    expect(after.memory_in_mb).toBe(128)
    expect(after.instances).toBe(4)
    expect(await droplet('sz')).toBe(dropletBefore)
    const d = await e.capi.deployments.get(out.deployment.guid)
    expect(d.options.memory_in_mb).toBe(128)
  })

  it('-m with blue-green gives the new app the new memory, zero failed requests', async () => {
    const dropletBefore = await droplet('szbg')
    const t = e.traffic('szbg')
    const r = await e.cli(['scale', 'szbg', '-m', '96M', '--strategy', 'blue-green', '--json'])
    const report = await t.stop()
    expectExit(r, 0)
    expect(JSON.parse(r.stdout)).toMatchObject({operation: 'scale', strategy: 'blue-green', outcome: 'started'})
    expect(report.failed).toBe(0)
    const after = await web('szbg')
    expect(after.memory_in_mb).toBe(96)
    expect(after.instances).toBe(2)
    // A copy of the same droplet serves.
    const served = report.droplets.at(-1)!.droplet
    expect(served).toBe(await droplet('szbg'))
    expect(served).not.toBe(dropletBefore)
  })

  it('with nothing to change, says what to pass and changes nothing', async () => {
    const r = await e.cli(['scale', 'sz'])
    expectExit(r, 2)
    expect(r.stderr).toMatch(/-i INSTANCES, -m MEMORY/)
  })
})
