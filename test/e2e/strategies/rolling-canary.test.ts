/**
 * Rolling and canary restart/restage through the real CLI against the local foundation, with live
 * traffic through its router: zero failed requests, and the new droplet serving at the end.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {answered, expectExit, servedBy, startE2E, type E2E} from '../../helpers/e2e.js'

let e: E2E
const appGuid = async (name: string) => (await e.capi.apps.findByName((await e.capi.spaces.list({names: ['dev']}))[0].guid, name))!.guid

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
                {name: 'web', buildpacks: ['nodejs_buildpack'], instances: 4, memory: '64M'},
                {name: 'canary', buildpacks: ['nodejs_buildpack'], instances: 4, memory: '64M'},
                {name: 'busy', buildpacks: ['nodejs_buildpack'], instances: 2, memory: '64M'},
              ],
            },
          ],
        },
      ],
    },
  })
}, 60_000)

afterAll(async () => e?.stop())

describe('rolling', () => {
  it('restarts with zero failed requests, keeping the app GUID and droplet', async () => {
    const guid = await appGuid('web')
    const dropletBefore = await e.capi.apps.getCurrentDropletGuid(guid)
    const t = e.traffic('web')
    const r = await e.cli(['restart', 'web', '--json'])
    const report = await t.stop()
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({operation: 'restart', strategy: 'rolling', outcome: 'deployed', app: {name: 'web', guid}})
    expect(out.deployment.reason).toBe('DEPLOYED')
    expect(report.sent).toBeGreaterThan(20)
    expect(report.failed).toBe(0)
    expect(await appGuid('web')).toBe(guid)
    expect(await e.capi.apps.getCurrentDropletGuid(guid)).toBe(dropletBefore)
    // every instance was replaced: the processes are new
    const procs = await e.capi.processes.forApp(guid)
    expect(procs.filter((p) => p.type === 'web')).toHaveLength(1)
  })

  it('restages 2 at a time: a new droplet, zero failed requests, and the router serves it at the end', async () => {
    const guid = await appGuid('web')
    const before = await e.capi.apps.getCurrentDropletGuid(guid)
    const t = e.traffic('web')
    const r = await e.cli(['restage', 'web', '--max-in-flight', '2', '--json'])
    expectExit(r, 0)
    const out = JSON.parse(r.stdout)
    await servedBy(t, out.droplet.guid)
    const report = await t.stop()
    expect(out.droplet.guid).not.toBe(before)
    expect(out.droplet.previous).toBe(before)
    expect(report.failed).toBe(0)
    expect(report.droplets.map((d) => d.droplet)).toEqual([before, out.droplet.guid])
    const last = report.droplets.at(-1)!
    expect(last.droplet).toBe(out.droplet.guid)
    expect(await e.capi.apps.getCurrentDropletGuid(guid)).toBe(out.droplet.guid)
  })

  it('shows plain progress lines on stderr and a summary on stdout', async () => {
    const r = await e.cli(['restart', 'web'])
    expectExit(r, 0)
    expect(r.stderr).toMatch(/✔ Check app web/)
    expect(r.stderr).toMatch(/✔ Create rolling deployment/)
    expect(r.stderr).toMatch(/✔ Start 4 new instances \(4\/4 routable\)/)
    expect(r.stdout).toMatch(/^OK$/m)
    expect(r.stdout).toMatch(/deployment:\s+\S+ FINALIZED\/DEPLOYED/)
  })
})

describe('canary', () => {
  it('pauses at the canary, exits 0 with the next steps, then continues to all instances', async () => {
    const guid = await appGuid('canary')
    const before = await e.capi.apps.getCurrentDropletGuid(guid)
    const t = e.traffic('canary')
    const r = await e.cli(['restage', 'canary', '--strategy', 'canary', '--instance-steps', '25,50'])
    expectExit(r, 0)
    expect(r.stdout).toMatch(/Canary paused/)
    expect(r.stdout).toMatch(/cfzd continue-deployment canary/)
    expect(r.stdout).toMatch(/cfzd cancel-deployment canary/)

    const app = await e.cli(['app', 'canary'])
    expect(app.stdout).toMatch(/Active deployment with status PAUSED/)
    expect(app.stdout).toMatch(/canary-steps:\s+1\/2/)

    const step2 = await e.cli(['continue-deployment', 'canary', '--json'])
    expectExit(step2, 0)
    expect(JSON.parse(step2.stdout)).toMatchObject({outcome: 'paused', deployment: {reason: 'PAUSED', canarySteps: {current: 2, total: 2}}})

    const done = await e.cli(['continue-deployment', 'canary', '--json'])
    expectExit(done, 0)
    const out = JSON.parse(done.stdout)
    expect(out).toMatchObject({outcome: 'deployed', deployment: {status: 'FINALIZED', reason: 'DEPLOYED'}})
    await servedBy(t, out.droplet.guid)
    const report = await t.stop()
    expect(report.failed).toBe(0)
    const served = report.droplets.map((d) => d.droplet)
    expect(served[0]).toBe(before)
    expect(served.at(-1)).toBe(out.droplet.guid)
    expect(out.droplet.guid).not.toBe(before)
  })

  it('cancel-deployment rolls a paused canary back and waits for FINALIZED', async () => {
    const guid = await appGuid('canary')
    const before = await e.capi.apps.getCurrentDropletGuid(guid)
    const t = e.traffic('canary')
    expectExit(await e.cli(['restage', 'canary', '--strategy', 'canary']), 0)
    const c = await e.cli(['cancel-deployment', 'canary', '--json'])
    expectExit(c, 0)
    expect(JSON.parse(c.stdout)).toMatchObject({outcome: 'canceled', deployment: {status: 'FINALIZED', reason: 'CANCELED'}})
    const t2 = e.traffic('canary', {maxRequests: 40})
    await answered(t2, 40)
    const after = await t2.stop()
    const report = await t.stop()
    expect(report.failed).toBe(0)
    expect(after.droplets.map((d) => d.droplet)).toEqual([before])
    expect(await e.capi.apps.getCurrentDropletGuid(guid)).toBe(before)
    const again = await e.cli(['cancel-deployment', 'canary'])
    expectExit(again, 1)
    expect(again.stderr).toMatch(/No active deployment found for app canary/)
  })
})

describe('a deployment already in flight', () => {
  it('stops with a conflict (exit 6, nothing changed) unless --supersede', async () => {
    const guid = await appGuid('busy')
    expectExit(await e.cli(['restart', 'busy', '--strategy', 'canary']), 0)
    const active = await e.capi.deployments.activeForApp(guid)
    expect(active?.status.reason).toBe('PAUSED')
    const r = await e.cli(['restart', 'busy'])
    expectExit(r, 6)
    expect(r.stderr).toMatch(/already has a deployment in flight/)
    expect(r.stderr).toMatch(/--supersede/)
    expect((await e.capi.deployments.activeForApp(guid))?.guid).toBe(active!.guid)

    const t = e.traffic('busy')
    const s = await e.cli(['restart', 'busy', '--supersede', '--json'])
    const report = await t.stop()
    expectExit(s, 0)
    expect(JSON.parse(s.stdout).warnings.join(' ')).toMatch(/Superseding deployment/)
    expect(report.failed).toBe(0)
    const old = await e.capi.deployments.get(active!.guid)
    expect(old.status).toMatchObject({value: 'FINALIZED', reason: 'SUPERSEDED'})
  })
})
