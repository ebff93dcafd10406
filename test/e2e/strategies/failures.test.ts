/**
 * Every failure path of issue 4, through the real CLI with live traffic: crashes, timeouts,
 * staging failures, Ctrl-C, leftovers, quota. Nothing is lost: the old version keeps serving
 * (zero failed requests) and cfzd says exactly what happened and what it did about it.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {PEER, PHASE, ROLE} from '../../../src/strategies/snapshot.js'
import {expectExit, startE2E, type E2E} from '../../helpers/e2e.js'

let e: E2E
let space: string
const find = async (name: string) => e.capi.apps.findByName(space, name)
const setEnv = async (name: string, vars: Record<string, string | null>) => e.capi.env.update((await find(name))!.guid, vars)
const appNames = async () => (await e.capi.spaces.list({names: ['dev']})).length && (await collectNames())
async function collectNames() {
  const out: string[] = []
  for await (const a of e.capi.apps.list({space_guids: [space]})) out.push(a.name)
  return out.sort()
}

const app = (name: string, instances = 2) => ({name, buildpacks: ['nodejs_buildpack'], instances, memory: '64M'})

beforeAll(async () => {
  e = await startE2E({
    seed: {
      orgs: [
        {
          name: 'local',
          spaces: [
            {
              name: 'dev',
              apps: ['crashy', 'slowpoke', 'nostage', 'bgcrash', 'ctrlc', 'bgctrlc', 'leftover', 'renamed', 'foreign', 'stopme'].map((n) => app(n)),
            },
            {name: 'tight', quota: {name: 'small', total_memory_in_mb: 300}, apps: [{...app('big'), memory: '128M'}]},
          ],
        },
      ],
    },
  })
  space = (await e.capi.spaces.list({names: ['dev']}))[0].guid
}, 60_000)

afterAll(async () => e?.stop())

describe('rolling failures cancel the deployment and keep the old version serving', () => {
  it('all new instances crash: cancel, wait for FINALIZED, report the reason and instance states, exit 1', async () => {
    const old = (await find('crashy'))!
    const droplet = await e.capi.apps.getCurrentDropletGuid(old.guid)
    await setEnv('crashy', {CFZD_LOCAL_CRASH: 'true'})
    const t = e.traffic('crashy')
    const r = await e.cli(['restart', 'crashy'])
    const report = await t.stop()
    expectExit(r, 1)
    expect(r.stderr).toMatch(/all new instances crashed/)
    expect(r.stderr).toMatch(/Exited with status 1/)
    expect(r.stderr).toMatch(/New instances: #0 CRASHED/)
    expect(r.stderr).toMatch(/Canceled deployment .*back on droplet .* with 2\/2 instances routable/)
    expect(report.failed).toBe(0)
    const d = await e.capi.deployments.latestForApp(old.guid)
    expect(d!.status).toMatchObject({value: 'FINALIZED', reason: 'CANCELED'})
    expect(await e.capi.apps.getCurrentDropletGuid(old.guid)).toBe(droplet)
    await setEnv('crashy', {CFZD_LOCAL_CRASH: null})
  })

  it('start-up timeout (instances never routable): cancel and exit 1', async () => {
    await setEnv('slowpoke', {CFZD_LOCAL_NOT_READY: 'true'})
    const t = e.traffic('slowpoke')
    const r = await e.cli(['restart', 'slowpoke', '--startup-timeout', '2s'])
    const report = await t.stop()
    expectExit(r, 1)
    expect(r.stderr).toMatch(/Start app timeout/)
    expect(r.stderr).toMatch(/Canceled deployment/)
    expect(report.failed).toBe(0)
    expect((await e.capi.deployments.latestForApp((await find('slowpoke'))!.guid))!.status.reason).toBe('CANCELED')
    await setEnv('slowpoke', {CFZD_LOCAL_NOT_READY: null})
  })

  it('Ctrl-C while instances start: cancel the deployment, exit 130', async () => {
    await setEnv('ctrlc', {CFZD_LOCAL_STARTUP_TIME: '4s'})
    const t = e.traffic('ctrlc')
    const r = await e.cli(['restart', 'ctrlc'], {interruptWhen: /❯ Start new instances/})
    const report = await t.stop()
    expectExit(r, 130)
    expect(r.stderr).toMatch(/Interrupted/)
    expect(r.stderr).toMatch(/Canceled deployment/)
    expect(report.failed).toBe(0)
    expect((await e.capi.deployments.latestForApp((await find('ctrlc'))!.guid))!.status.reason).toBe('CANCELED')
    await setEnv('ctrlc', {CFZD_LOCAL_STARTUP_TIME: null})
  })
})

describe('blue-green failures before the switch roll back', () => {
  it('staging fails on the new app: delete it, rename back, routes as they were; both errors reported', async () => {
    const old = (await find('nostage'))!
    await setEnv('nostage', {CFZD_LOCAL_STAGING_FAIL: 'true'})
    const t = e.traffic('nostage')
    const r = await e.cli(['bg-restage', 'nostage'])
    const report = await t.stop()
    expectExit(r, 1)
    expect(r.stderr).toMatch(/Failed: Staging failed for app nostage: StagingError/)
    expect(r.stderr).toMatch(/Rolled back: 'nostage' \(.*\) serves as before/)
    expect(report.failed).toBe(0)
    const now = (await find('nostage'))!
    expect(now.guid).toBe(old.guid)
    expect(now.metadata.annotations[ROLE]).toBeUndefined()
    expect(await find('nostage-venerable')).toBeUndefined()
    expect((await e.capi.routes.forApp(old.guid)).map((x) => x.url)).toEqual(['nostage.apps.localhost'])
    await setEnv('nostage', {CFZD_LOCAL_STAGING_FAIL: null})
  })

  it('new instances crash: roll back, zero failed requests', async () => {
    const old = (await find('bgcrash'))!
    await setEnv('bgcrash', {CFZD_LOCAL_CRASH: 'true'})
    const t = e.traffic('bgcrash')
    const r = await e.cli(['bg-restart', 'bgcrash'])
    const report = await t.stop()
    expectExit(r, 1)
    expect(r.stderr).toMatch(/crashed/)
    expect(r.stderr).toMatch(/Rolled back/)
    expect(report.failed).toBe(0)
    expect((await find('bgcrash'))!.guid).toBe(old.guid)
    expect((await collectNames()).filter((n) => n.startsWith('bgcrash'))).toEqual(['bgcrash'])
    await setEnv('bgcrash', {CFZD_LOCAL_CRASH: null})
  })

  it('Ctrl-C while the new app starts: roll back, exit 130', async () => {
    const old = (await find('bgctrlc'))!
    await setEnv('bgctrlc', {CFZD_LOCAL_STARTUP_TIME: '4s'})
    const t = e.traffic('bgctrlc')
    const r = await e.cli(['bg-restart', 'bgctrlc'], {interruptWhen: /❯ Start new instances/})
    const report = await t.stop()
    expectExit(r, 130)
    expect(r.stderr).toMatch(/Interrupted/)
    expect(r.stderr).toMatch(/Rolled back/)
    expect(report.failed).toBe(0)
    expect((await find('bgctrlc'))!.guid).toBe(old.guid)
    expect(await find('bgctrlc-venerable')).toBeUndefined()
    await setEnv('bgctrlc', {CFZD_LOCAL_STARTUP_TIME: null})
  })
})

describe('leftovers of an interrupted run', () => {
  it('killed after creating the new app: the next run rolls that back first, then succeeds', async () => {
    const old = (await find('leftover'))!
    await setEnv('leftover', {CFZD_LOCAL_STARTUP_TIME: '3s'})
    const killed = await e.cli(['bg-restart', 'leftover'], {interruptWhen: /❯ Start new instances/, interruptSignal: 'SIGKILL'})
    expect(killed.code).not.toBe(0)
    const ven = (await find('leftover-venerable'))!
    const copy = (await find('leftover'))!
    expect(ven.guid).toBe(old.guid)
    expect(ven.metadata.annotations).toMatchObject({[ROLE]: 'venerable', [PHASE]: 'in-progress', [PEER]: copy.guid})
    expect(copy.metadata.annotations).toMatchObject({[ROLE]: 'new', [PEER]: old.guid})

    await setEnv('leftover-venerable', {CFZD_LOCAL_STARTUP_TIME: null})
    const t = e.traffic('leftover')
    const r = await e.cli(['bg-restart', 'leftover', '--json'])
    const report = await t.stop()
    expectExit(r, 0)
    expect(JSON.parse(r.stdout).warnings.join('\n')).toMatch(/interrupted before switching routes: rolling it back first/)
    expect(report.failed).toBe(0)
    expect((await collectNames()).filter((n) => n.startsWith('leftover'))).toEqual(['leftover'])
  })

  it('killed right after the rename: the next run renames it back and carries on', async () => {
    const old = (await find('renamed'))!
    const killed = await e.cli(['bg-restart', 'renamed'], {interruptWhen: /✔ Rename renamed to renamed-venerable/, interruptSignal: 'SIGKILL'})
    expect(killed.code).not.toBe(0)
    // the kill may land before or after the new app is created; either way the next run recovers
    expect((await find('renamed-venerable'))!.guid).toBe(old.guid)
    const r = await e.cli(['bg-restart', 'renamed', '--json'])
    expectExit(r, 0)
    expect((await collectNames()).filter((n) => n.startsWith('renamed'))).toEqual(['renamed'])
  })

  it('an APP-venerable cfzd did not make is never touched (exit 6, nothing changed)', async () => {
    const old = (await find('foreign'))!
    const other = await e.capi.apps.create({name: 'foreign-venerable', relationships: {space: {data: {guid: space}}}})
    const r = await e.cli(['bg-restart', 'foreign'])
    expectExit(r, 6)
    expect(r.stderr).toMatch(/not created by an interrupted cfzd run/)
    expect((await find('foreign'))!.guid).toBe(old.guid)
    expect((await find('foreign-venerable'))!.guid).toBe(other.guid)
  })
})

describe('preflight refusals change nothing', () => {
  it('quota: rolling needs room for an extra instance, blue-green for a full copy (exit 7)', async () => {
    const tightSpace = (await e.capi.spaces.list({names: ['tight']}))[0].guid
    const big = (await e.capi.apps.findByName(tightSpace, 'big'))!
    const env = {CF_SPACE: 'tight'}
    await e.cli(['target', '-s', 'tight'])
    const r = await e.cli(['restart', 'big'], {env})
    expectExit(r, 7)
    expect(r.stderr).toMatch(
      /Not enough quota: A rolling deployment of 2 instance\(s\) \(1 extra at peak, 128 MB each\) needs 128 MB more memory, but space 'tight' uses 256 MB of its 300 MB quota/,
    )
    const bg = await e.cli(['bg-restart', 'big'])
    expectExit(bg, 7)
    expect(bg.stderr).toMatch(/blue-green copy/)
    expect(await e.capi.deployments.latestForApp(big.guid)).toBeUndefined()
    expect((await e.capi.apps.findByName(tightSpace, 'big'))!.name).toBe('big')
    await e.cli(['target', '-s', 'dev'])
  })

  it('an unknown app exits 4', async () => {
    const r = await e.cli(['restart', 'nope'])
    expectExit(r, 4)
    expect(r.stderr).toMatch(/App 'nope' not found in org 'local' \/ space 'dev'/)
  })

  it('bad flags exit 2', async () => {
    const r = await e.cli(['restart', 'stopme', '--instance-steps', '20'])
    expectExit(r, 2)
    expect(r.stderr).toMatch(/--instance-steps' and '--strategy=canary' must be used together/)
  })
})

describe('stopped apps', () => {
  it('restage of a stopped app stages it, sets the droplet and leaves it stopped', async () => {
    const a = (await find('stopme'))!
    await e.capi.apps.stop(a.guid)
    const before = await e.capi.apps.getCurrentDropletGuid(a.guid)
    const r = await e.cli(['restage', 'stopme', '--json'])
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    expect(out.outcome).toBe('staged')
    expect(out.droplet.guid).not.toBe(before)
    expect((await find('stopme'))!.state).toBe('STOPPED')
    expect(await e.capi.apps.getCurrentDropletGuid(a.guid)).toBe(out.droplet.guid)
    void appNames
  })
})
