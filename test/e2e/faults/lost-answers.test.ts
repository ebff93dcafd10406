/**
 * Lost answers: the Cloud Controller carries out a POST and the connection is then reset instead of
 * answering (fault kind `lost`, once). For every POST cfzd sends, the run re-reads the live state:
 * it finishes as if nothing had happened, makes nothing twice and loses no request on the app's
 * route.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from '@jest/globals'
import {ROOT, startE2E, type E2E} from '../../helpers/e2e.js'
import {cfzd, expectIntact, expectRun, outcome, seedApp, type Checker} from './matrix.js'

let e: E2E
let c: Checker
const dirs: string[] = []
const find = async (name: string) => (await e.capi.apps.findByName(c.space, name))!

beforeAll(async () => {
  e = await startE2E({
    seed: {
      orgs: [
        {
          name: 'local',
          spaces: [
            {
              name: 'dev',
              service_instances: [
                {name: 'db', credentials: {uri: 'postgres://db'}},
                {name: 'mdb', type: 'managed', offering: 'p-mysql', plan: 'small'},
              ],
              apps: [
                seedApp('bg-mbind', {services: ['mdb']}),
                ...['bg-app', 'bg-bind', 'bg-side', 'bg-route', 'bg-dest', 'bg-drop', 'bg-pkg'].map((n) => seedApp(n, {services: ['db', 'mdb']})),
                ...['r-build', 'r-deploy', 'c-continue', 'r-cancel'].map((n) => seedApp(n)),
              ],
            },
          ],
        },
      ],
    },
  })
  c = {e, space: (await e.capi.spaces.list({names: ['dev']}))[0].guid}
  await e.capi.sidecars.create((await find('bg-side')).guid, {name: 'envoy', command: 'envoy', process_types: ['web']})
}, 60_000)

afterAll(async () => {
  await e?.stop()
  for (const d of dirs) fs.rmSync(d, {recursive: true, force: true})
})

/** Lose the answer to the first request matching `pattern` ("METHOD /path"); returns a check that it happened. */
async function loseOnce(pattern: string): Promise<() => void> {
  const since = Date.now()
  await e.foundation.setFaults({errorRate: 1, errorKinds: ['lost'], errorPathPattern: pattern, errorBudget: 1})
  return () => {
    const lost = e.foundation.requestLog.filter((x) => x.at >= since && x.injected === 'lost')
    expect(lost).toHaveLength(1)
    expect(`${lost[0].method} ${lost[0].path.split('?')[0]}`).toMatch(new RegExp(pattern))
  }
}

afterEach(async () => {
  await e.foundation.setFaults({errorRate: 0, errorBudget: null, errorPathPattern: null, errorKinds: ['503', 'reset']})
})

async function bindingsOf(appGuid: string) {
  return e.capi.bindings.forApp(appGuid)
}

describe('blue-green: every write the new app needs', () => {
  it.each([
    {app: 'bg-app', pattern: '^POST /v3/apps$', what: 'the new app'},
    {app: 'bg-bind', pattern: '^POST /v3/service_credential_bindings$', what: 'a user-provided binding (201)'},
    {app: 'bg-side', pattern: '^POST /v3/apps/[^/]+/sidecars$', what: 'a sidecar'},
    {app: 'bg-route', pattern: '^POST /v3/routes$', what: 'the temporary smoke-test route'},
    {app: 'bg-dest', pattern: '^POST /v3/routes/[^/]+/destinations$', what: 'a route mapping'},
    {app: 'bg-drop', pattern: '^POST /v3/droplets$', what: 'the droplet copy'},
    {app: 'bg-pkg', pattern: '^POST /v3/packages$', what: 'the package copy'},
  ])('$what ($pattern)', async ({app, pattern}) => {
    const check = await loseOnce(pattern)
    const o = outcome(await e.cli(cfzd('restart', 'blue-green', app, ['--smoke-test', 'true'])))
    expectRun(o, 0)
    check()
    await expectIntact(c, app)
    const now = await find(app)
    const bindings = await bindingsOf(now.guid)
    expect(bindings.map((b) => b.relationships.service_instance.data.guid).length).toBe(2)
    expect(new Set(bindings.map((b) => b.relationships.service_instance.data.guid)).size).toBe(2)
    if (app === 'bg-side') expect((await e.capi.sidecars.forApp(now.guid)).map((s) => s.name)).toEqual(['envoy'])
    expect(await e.capi.routes.forApp(now.guid)).toHaveLength(1)
  })

  it('a managed binding (202 and a job): the one being created is waited for, not made twice', async () => {
    const check = await loseOnce('^POST /v3/service_credential_bindings$')
    expectRun(outcome(await e.cli(cfzd('restart', 'blue-green', 'bg-mbind'))), 0)
    check()
    await expectIntact(c, 'bg-mbind')
    const bindings = await bindingsOf((await find('bg-mbind')).guid)
    expect(bindings).toHaveLength(1)
    expect(bindings[0].last_operation?.state).toBe('succeeded')
  })
})

describe('rolling and canary', () => {
  it('the build (POST /v3/builds): one build, staged once', async () => {
    const guid = (await find('r-build')).guid
    const before = (await arr(e.capi.builds.list({app_guids: [guid]}))).length
    const check = await loseOnce('^POST /v3/builds$')
    expectRun(outcome(await e.cli(cfzd('restage', 'rolling', 'r-build'))), 0)
    check()
    expect((await arr(e.capi.builds.list({app_guids: [guid]}))).length).toBe(before + 1)
    await expectIntact(c, 'r-build')
  })

  it('the deployment (POST /v3/deployments): one deployment', async () => {
    const guid = (await find('r-deploy')).guid
    const check = await loseOnce('^POST /v3/deployments$')
    expectRun(outcome(await e.cli(cfzd('restart', 'rolling', 'r-deploy'))), 0)
    check()
    expect(await arr(e.capi.deployments.list({app_guids: [guid]}))).toHaveLength(1)
    await expectIntact(c, 'r-deploy')
  })

  it('continue of a paused canary: continued exactly once', async () => {
    const check = await loseOnce('^POST /v3/deployments/[^/]+/actions/continue$')
    const o = outcome(await e.cli(cfzd('restart', 'canary', 'c-continue')))
    expectRun(o, 0)
    check()
    const d = (await e.capi.deployments.latestForApp((await find('c-continue')).guid))!
    expect(d.status.reason).toBe('DEPLOYED')
    await expectIntact(c, 'c-continue')
  })

  it('the cancel after a crash: canceled, reported as such, exit 1 as without the fault', async () => {
    const app = await find('r-cancel')
    const droplet = await e.capi.apps.getCurrentDropletGuid(app.guid)
    await e.capi.env.update(app.guid, {CFZD_LOCAL_CRASH: 'true'})
    const check = await loseOnce('^POST /v3/deployments/[^/]+/actions/cancel$')
    const o = outcome(await e.cli(cfzd('restart', 'rolling', 'r-cancel')))
    await e.capi.env.update(app.guid, {CFZD_LOCAL_CRASH: null})
    expectRun(o, 1)
    check()
    expect(o.error!.message).toMatch(/Canceled deployment/)
    await expectIntact(c, 'r-cancel', {droplet: droplet!})
  })
})

describe('push', () => {
  function workdir(name: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-lost-'))
    dirs.push(dir)
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'apps', 'hello'), path.join(dir, 'hello'), {recursive: true})
    fs.rmSync(path.join(dir, 'hello', 'manifest.yml'), {force: true})
    fs.writeFileSync(
      path.join(dir, 'manifest.yml'),
      `---\napplications:\n- name: ${name}\n  path: hello\n  memory: 64M\n  instances: 2\n  routes:\n  - route: ${name}.apps.localhost\n`,
    )
    return dir
  }

  it.each([
    {app: 'p-apply', pattern: '^POST /v3/spaces/[^/]+/actions/apply_manifest$', what: 'the manifest apply'},
    {app: 'p-pkg', pattern: '^POST /v3/packages$', what: 'the package'},
    {app: 'p-upload', pattern: '^POST /v3/packages/[^/]+/upload$', what: 'the bits upload'},
  ])('$what ($pattern): one app, one package, one route', async ({app, pattern}) => {
    const dir = workdir(app)
    const check = await loseOnce(pattern)
    const r = await e.cli(['push', '--json'], {cwd: dir})
    expect(r.code).toBe(0)
    check()
    const a = await find(app)
    expect(await arr(e.capi.apps.list({names: [app], space_guids: [c.space]}))).toHaveLength(1)
    expect(await arr(e.capi.packages.list({app_guids: [a.guid]}))).toHaveLength(1)
    expect((await e.capi.routes.forApp(a.guid)).map((x) => x.url)).toEqual([`${app}.apps.localhost`])
  })
})

async function arr<T>(it: AsyncIterable<T> | Promise<T[]>): Promise<T[]> {
  if (it instanceof Promise) return it
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}
