/**
 * Fault injection, per app: each fault during every strategy (rolling, canary, blue-green), the
 * three strategies side by side on their own apps. For each, either the old version keeps serving
 * throughout (the CLI's own probe shows 0 failed requests) or cfzd says exactly what it left; no
 * app or route is lost; the exit code and message are right.
 *
 *   4 staging fails · 5 new instances crash · 6 the startup timeout passes · 8 quota exceeded ·
 *   9 a leftover venerable app · 11 superseded by someone else · 12 deleted or renamed by someone else
 *
 * (API-wide faults are in api-faults.test.ts, interrupts in interrupts.test.ts.)
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {PEER, PHASE, ROLE} from '../../../src/strategies/snapshot.js'
import {startE2E, type E2E} from '../../helpers/e2e.js'
import {
  appOf,
  appsFor,
  cfzd,
  dropletOf,
  expectIntact,
  expectRun,
  matrix,
  namesLike,
  outcome,
  printOutcomes,
  record,
  seedApp,
  setEnv,
  when,
  type Checker,
  type Strategy,
} from './matrix.js'

let e: E2E
let c: Checker
const homes: string[] = []

const FAULTS = ['stg', 'crash', 'slow', 'foreign', 'left', 'sup', 'ren', 'del']

beforeAll(async () => {
  e = await startE2E({
    seed: {
      orgs: [
        {
          name: 'local',
          spaces: [
            {name: 'dev', apps: FAULTS.flatMap(appsFor).map((n) => seedApp(n))},
            {name: 'tight', quota: {name: 'tight', total_memory_in_mb: 400}, apps: appsFor('quota').map((n) => seedApp(n, {memory: '64M'}))},
          ],
        },
      ],
    },
  })
  c = {e, space: (await e.capi.spaces.list({names: ['dev']}))[0].guid}
}, 60_000)

afterAll(async () => {
  printOutcomes('fault matrix (per app):')
  await e?.stop()
  for (const h of homes) fs.rmSync(h, {recursive: true, force: true})
})

/**
 * "While the new instances start": rolling and canary, once the app has a deployment; blue-green,
 * once the new app is started (the old one is serving as APP-venerable then).
 */
function whileStarting(s: Strategy, appGuid: string, then: () => unknown) {
  return when(e, s === 'blue-green' ? {request: new RegExp(`^POST /v3/apps/(?!${appGuid})[^/]+/actions/start$`)} : {deploymentOf: appGuid}, then)
}

describe('4. staging fails', () => {
  it('rolling and canary deploy nothing; blue-green rolls back', () =>
    matrix(async (s) => {
      const name = appOf('stg', s)
      const before = await dropletOf(c, name)
      await setEnv(c, name, {CFZD_LOCAL_STAGING_FAIL: 'true'})
      const o = record('4 staging fails', s, outcome(await e.cli(cfzd('restage', s, name))))
      await setEnv(c, name, {CFZD_LOCAL_STAGING_FAIL: null})
      expectRun(o, 1)
      expect(o.error!.message).toMatch(new RegExp(`Staging failed for app ${name}: StagingError`))
      expect(o.error!.message).toMatch(
        s === 'blue-green' ? /Rolled back: '.*' \(.*\) serves as before, the new copy was deleted/ : /Nothing was deployed: the app is unchanged/,
      )
      await expectIntact(c, name, {droplet: before})
    }))
})

describe('5. new instances crash', () => {
  it('rolling and canary cancel the deployment; blue-green rolls back', () =>
    matrix(async (s) => {
      const name = appOf('crash', s)
      const before = await dropletOf(c, name)
      await setEnv(c, name, {CFZD_LOCAL_CRASH: 'true'})
      const o = record('5 new instances crash', s, outcome(await e.cli(cfzd('restart', s, name))))
      await setEnv(c, name, {CFZD_LOCAL_CRASH: null})
      expectRun(o, 1)
      expect(o.error!.message).toMatch(/crashed/)
      expect(o.error!.message).toMatch(
        s === 'blue-green' ? /Rolled back/ : new RegExp(`Canceled deployment \\S+: '${name}' is back on droplet ${before} with 2/2 instances routable`),
      )
      await expectIntact(c, name, {droplet: before})
    }))
})

describe('6. the startup timeout passes', () => {
  it('rolling and canary cancel the deployment; blue-green rolls back', () =>
    matrix(async (s) => {
      const name = appOf('slow', s)
      const before = await dropletOf(c, name)
      await setEnv(c, name, {CFZD_LOCAL_STARTUP_TIME: '30s'})
      const o = record('6 startup timeout', s, outcome(await e.cli(cfzd('restart', s, name, ['--startup-timeout', '2s']))))
      await setEnv(c, name, {CFZD_LOCAL_STARTUP_TIME: null})
      expectRun(o, 1)
      expect(o.error!.message).toMatch(/Start app timeout/)
      expect(o.error!.message).toMatch(s === 'blue-green' ? /Rolled back/ : /Canceled deployment/)
      await expectIntact(c, name, {droplet: before})
    }))
})

/** A private CF_HOME targeting another space, so runs there don't move everyone's target. */
async function homeTargeting(space: string): Promise<NodeJS.ProcessEnv> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-e2e-home-'))
  homes.push(home)
  fs.cpSync(path.join(e.home, '.cf'), path.join(home, '.cf'), {recursive: true})
  const env = {HOME: home, CF_HOME: home}
  const r = await e.cli(['target', '-s', space], {env})
  if (r.code !== 0) throw new Error(r.stderr)
  return env
}

describe('8. quota exceeded', () => {
  it('every strategy refuses before changing anything (exit 7)', async () => {
    const env = await homeTargeting('tight')
    const tight: Checker = {e, space: (await e.capi.spaces.list({names: ['tight']}))[0].guid}
    await matrix(async (s) => {
      const name = appOf('quota', s)
      const before = await dropletOf(tight, name)
      const o = record('8 quota exceeded', s, outcome(await e.cli(cfzd('restage', s, name), {env})))
      expectRun(o, 7)
      expect(o.error!.message).toMatch(
        s === 'blue-green' ? /Not enough quota: A blue-green copy/ : new RegExp(`Not enough quota: A ${s} deployment of 2 instance`),
      )
      const app = (await e.capi.apps.findByName(tight.space, name))!
      expect(await e.capi.deployments.latestForApp(app.guid)).toBeUndefined()
      await expectIntact(tight, name, {droplet: before})
    })
  })
})

describe('9. a leftover venerable app', () => {
  it("one cfzd didn't make: rolling and canary leave it alone; blue-green refuses (exit 6)", () =>
    matrix(async (s) => {
      const name = appOf('foreign', s)
      const other = await e.capi.apps.create({name: `${name}-venerable`, relationships: {space: {data: {guid: c.space}}}})
      const o = record('9 foreign APP-venerable', s, outcome(await e.cli(cfzd('restart', s, name))))
      if (s === 'blue-green') {
        expectRun(o, 6)
        expect(o.error!.message).toMatch(
          new RegExp(`An app named '${name}-venerable' already exists .* not created by an interrupted cfzd run.*Nothing was changed`),
        )
      } else expectRun(o, 0)
      expect((await e.capi.apps.get(other.guid)).name).toBe(`${name}-venerable`)
      await expectIntact(c, name, {others: [`${name}-venerable`]})
    }))

  it('one an interrupted blue-green run left: every strategy puts it back first, then deploys', async () => {
    // SIGKILL a blue-green run of each app while its copy starts: APP-venerable (the stable app) and a half-made APP.
    const killed = await Promise.all(
      appsFor('left').map(async (name) => {
        await setEnv(c, name, {CFZD_LOCAL_STARTUP_TIME: '5s'})
        const r = await e.cli(['bg-restart', name], {interruptWhen: /❯ Start new instances/, interruptSignal: 'SIGKILL'})
        await setEnv(c, `${name}-venerable`, {CFZD_LOCAL_STARTUP_TIME: null})
        return r
      }),
    )
    for (const k of killed) expect(k.code).not.toBe(0)
    await matrix(async (s) => {
      const name = appOf('left', s)
      const ven = (await e.capi.apps.findByName(c.space, `${name}-venerable`))!
      expect(ven.metadata.annotations).toMatchObject({[ROLE]: 'venerable', [PHASE]: 'in-progress'})
      expect((await e.capi.apps.findByName(c.space, name))!.metadata.annotations[PEER]).toBe(ven.guid)
      const o = record('9 leftovers of an interrupted run', s, outcome(await e.cli(cfzd('restart', s, name))))
      expectRun(o, 0)
      expect(o.result!.warnings.join('\n')).toMatch(/interrupted before switching routes: rolling it back first/)
      if (s !== 'blue-green') expect(o.result!.app.guid).toBe(ven.guid)
      await expectIntact(c, name)
    })
  })
})

describe('11. a deployment superseded by someone else', () => {
  it('rolling and canary stop (exit 6) and leave the newer deployment alone; blue-green rolls back and leaves it alone', () =>
    matrix(async (s) => {
      const name = appOf('sup', s)
      const app = (await e.capi.apps.findByName(c.space, name))!
      await setEnv(c, name, {CFZD_LOCAL_STARTUP_TIME: '1s'})
      let theirs: string | undefined
      const other = whileStarting(s, app.guid, async () => {
        theirs = (await e.capi.deployments.create({relationships: {app: {data: {guid: app.guid}}}, strategy: 'rolling'})).guid
      })
      const o = record('11 superseded', s, outcome(await e.cli(cfzd('restart', s, name))))
      expect(await other.done).toBe(true)
      await setEnv(c, name, {CFZD_LOCAL_STARTUP_TIME: null})
      expectRun(o, 6)
      expect(o.error!.message).toMatch(
        s === 'blue-green'
          ? new RegExp(`Someone else started deployment ${theirs} .* on the old app '${name}-venerable'`)
          : new RegExp(`Deployment \\S+ was superseded by a newer deployment of '${name}' \\(someone else deployed\\)\\. cfzd left the newer one alone`),
      )
      if (s === 'blue-green') expect(o.error!.message).toMatch(/Rolled back/)
      // theirs runs to its end
      for (let i = 0; i < 100 && (await e.capi.deployments.get(theirs!)).status.value === 'ACTIVE'; i++) await new Promise((res) => setTimeout(res, 200))
      expect((await e.capi.deployments.get(theirs!)).status.reason).toBe('DEPLOYED')
      await expectIntact(c, name)
    }))
})

describe('12. the app is renamed or deleted by someone else mid-operation', () => {
  it('renamed: cfzd carries on by GUID and says what the app is called now', () =>
    matrix(async (s) => {
      const name = appOf('ren', s)
      const renamed = `${name}-renamed`
      const app = (await e.capi.apps.findByName(c.space, name))!
      await setEnv(c, name, {CFZD_LOCAL_STARTUP_TIME: '1s'})
      // whatever is called APP at that moment (blue-green: the new copy)
      const other = whileStarting(s, app.guid, async () => e.capi.apps.update((await e.capi.apps.findByName(c.space, name))!.guid, {name: renamed}))
      const o = record('12 renamed', s, outcome(await e.cli(cfzd('restart', s, name))))
      expect(await other.done).toBe(true)
      await setEnv(c, renamed, {CFZD_LOCAL_STARTUP_TIME: null})
      expectRun(o, 0)
      expect(o.result!.app.name).toBe(renamed)
      expect(o.result!.warnings.join('\n')).toMatch(new RegExp(`'${name}' was renamed to '${renamed}' by someone else during the operation`))
      await expectIntact(c, renamed, {route: `${name}.apps.localhost`})
      expect(await namesLike(c, name)).toEqual([renamed])
    }))

  it('deleted: rolling and canary stop and say so (exit 4); blue-green keeps the copy it made and gives it the routes', () =>
    matrix(async (s) => {
      const name = appOf('del', s)
      const app = (await e.capi.apps.findByName(c.space, name))!
      await setEnv(c, name, {CFZD_LOCAL_STARTUP_TIME: '1s'})
      // the app users had (blue-green: the old one, APP-venerable by then)
      const other = whileStarting(s, app.guid, async () => e.capi.jobs.wait(await e.capi.apps.delete(app.guid), {timeoutMs: 10_000}))
      const o = record('12 deleted', s, outcome(await e.cli(cfzd('restart', s, name))))
      expect(await other.done).toBe(true)
      if (s === 'blue-green') {
        // no failure if the router never found the route empty; if it did, the report counts it
        expectRun(o, 0, 'any')
        expect(o.result!.warnings.join('\n')).toMatch(
          new RegExp(`The old app '${name}-venerable' \\(${app.guid}\\) was deleted by someone else during the operation`),
        )
        expect(o.result!.previousApp).toMatchObject({guid: app.guid, state: 'deleted'})
        await setEnv(c, name, {CFZD_LOCAL_STARTUP_TIME: null})
        await expectIntact(c, name)
      } else {
        expectRun(o, 4, 'any')
        expect(o.error!.message).toMatch(new RegExp(`App '${name}' \\(${app.guid}\\) was deleted by someone else during the operation`))
        expect(await namesLike(c, name)).toEqual([])
        // the route stays (CF keeps routes when apps go)
        const domain = (await e.capi.domains.findByName('apps.localhost'))!
        expect(await e.capi.routes.find(domain.guid, name)).toBeDefined()
      }
    }))
})
