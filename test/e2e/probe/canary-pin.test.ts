/**
 * Canary-only checks through the real CLI: at each canary pause the probe and the smoke test send
 * X-CF-PROCESS-INSTANCE: <canary process guid>, so a canary answering 500 is caught while the old
 * instances answer 200 (most unpinned answers come from them). With a router that ignores the
 * header (the fault routerIgnoresProcessInstance, as before Routing release 0.332) the same bad
 * canary is not caught, and cfzd says it could not pin the requests.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {ROOT, expectExit, startE2E, type CliResult, type E2E} from '../../helpers/e2e.js'

const SMOKE = `node ${path.join(ROOT, 'test/fixtures/smoke/check.mjs')}`

let e: E2E
let space: string
let tmp: string
const find = async (name: string) => (await e.capi.apps.findByName(space, name))!
const app = (name: string, instances = 4) => ({name, buildpacks: ['nodejs_buildpack'], instances, memory: '32M'})
/** The canary's instances answer 500 (read when an instance starts: the old ones keep answering 200). */
const breakCanary = async (name: string) => e.capi.env.update((await find(name)).guid, {CFZD_LOCAL_RESPONSE_STATUS: '500'})
const canaryProcess = async (name: string) =>
  (await e.capi.deployments.latestForApp((await find(name)).guid))!.new_processes.find((p) => p.type === 'web')!.guid

function json(r: CliResult) {
  try {
    return JSON.parse(r.stdout)
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

function smokeLog(name: string, extra: NodeJS.ProcessEnv = {}) {
  const file = path.join(tmp, `${name}.jsonl`)
  return {
    env: {SMOKE_LOG: file, SMOKE_REQUESTS: '10', ...extra},
    runs: (): {processInstance?: string; header?: string; processes: string[]; failed: number}[] =>
      fs.existsSync(file)
        ? fs
            .readFileSync(file, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l))
        : [],
  }
}

/** Run with a router that ignores X-CF-PROCESS-INSTANCE. */
async function oldRouter<T>(fn: () => Promise<T>): Promise<T> {
  await e.foundation.setFaults({routerIgnoresProcessInstance: true})
  try {
    return await fn()
  } finally {
    await e.foundation.setFaults({routerIgnoresProcessInstance: false})
  }
}

// 4 old instances + 1 canary (step 25%): unpinned, about 1 request in 5 reaches the canary.
const PROBE = [
  '--strategy',
  'canary',
  '--instance-steps',
  '25',
  '--probe',
  '--probe-rate',
  '40',
  '--abort-on-error-rate',
  '50%',
  '--abort-sample',
  '10',
  '--json',
]

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-pin-'))
  e = await startE2E({
    seed: {
      orgs: [{name: 'local', spaces: [{name: 'dev', apps: [app('pb-pinned'), app('pb-unpinned'), app('sm-good'), app('sm-pinned'), app('sm-unpinned')]}]}],
    },
  })
  space = (await e.capi.spaces.list({names: ['dev']}))[0].guid
}, 60_000)

afterAll(async () => {
  await e?.stop()
  fs.rmSync(tmp, {recursive: true, force: true})
})

describe('--probe at a canary pause', () => {
  it('pinned to the canary: a canary answering 500 is caught while the old instances answer 200; the deployment is canceled', async () => {
    const guid = (await find('pb-pinned')).guid
    const before = await e.capi.apps.getCurrentDropletGuid(guid)
    await breakCanary('pb-pinned')
    const r = await e.cli(['restart', 'pb-pinned', ...PROBE])
    expectExit(r, 1)
    const {error} = json(r)
    expect(error.message).toMatch(/^Aborted: \d+ of the last 10 probe requests failed \(\d+%, over --abort-on-error-rate 50%\)/)
    const canary = await canaryProcess('pb-pinned')
    expect(error.probe.canary).toHaveLength(1)
    expect(error.probe.canary[0]).toMatchObject({step: 1, steps: 1, processGuid: canary, pinned: true})
    // Every pinned answer came from the failing canary. (The abort may come before 5 pinned failures: unpinned
    // requests still in flight when the pin began also reach the canary a quarter of the time, and count.)
    expect(error.probe.canary[0].failed).toBeGreaterThan(0)
    expect(error.probe.canary[0].ok).toBe(0)
    expect((await e.capi.deployments.latestForApp(guid))!.status).toMatchObject({value: 'FINALIZED', reason: 'CANCELED'})
    expect(await e.capi.apps.getCurrentDropletGuid(guid)).toBe(before)
  })

  it('a router that ignores the header: cfzd says it could not pin, and the same bad canary is not caught', async () => {
    await breakCanary('pb-unpinned')
    const r = await oldRouter(() => e.cli(['restart', 'pb-unpinned', ...PROBE]))
    expectExit(r, 0)
    const out = json(r)
    expect(out.outcome).toBe('paused')
    expect(r.stderr).toMatch(/Probe: could not pin requests to the canary \(canary step 1\/1\): the router ignored X-CF-PROCESS-INSTANCE/)
    expect(out.probe.canary).toEqual([
      expect.objectContaining({step: 1, pinned: false, why: expect.stringMatching(/HTTP \d+ from the app, not 400 unknown_route/), sent: 0}),
    ])
    // the canary did fail some requests, but too few among the old instances' answers to cross 50%
    expect(out.probe.failed).toBeGreaterThan(0)
    expect(out.probe.aborted).toBeUndefined()
    expect((await e.capi.deployments.latestForApp((await find('pb-unpinned')).guid))!.status.reason).toBe('PAUSED')
  })
})

describe('--smoke-test at a canary pause', () => {
  it('gets the canary process in CFZD_PROCESS_INSTANCE and CFZD_SMOKE_HEADER; its requests reach the canary only', async () => {
    const log = smokeLog('sm-good')
    const r = await e.cli(['restart', 'sm-good', '--strategy', 'canary', '--instance-steps', '25', '--smoke-test', SMOKE, '--json'], {env: log.env})
    expectExit(r, 0)
    expect(json(r).outcome).toBe('deployed')
    const canary = await canaryProcess('sm-good')
    expect(log.runs()).toEqual([expect.objectContaining({processInstance: canary, header: `X-CF-PROCESS-INSTANCE: ${canary}`, processes: [canary], failed: 0})])
  })

  it('pinned: a canary answering 500 fails the smoke test, and the deployment is canceled', async () => {
    const guid = (await find('sm-pinned')).guid
    const before = await e.capi.apps.getCurrentDropletGuid(guid)
    await breakCanary('sm-pinned')
    const log = smokeLog('sm-pinned')
    const r = await e.cli(['restart', 'sm-pinned', '--strategy', 'canary', '--instance-steps', '25', '--smoke-test', SMOKE], {env: log.env})
    expectExit(r, 1)
    const canary = await canaryProcess('sm-pinned')
    expect(r.stderr).toContain(`(X-CF-PROCESS-INSTANCE: ${canary}) exited with 1.\nsmoke: `)
    expect(r.stderr).toMatch(/10 of 10 requests failed/)
    expect(log.runs()).toEqual([expect.objectContaining({processInstance: canary, processes: [canary], failed: 10})])
    expect((await e.capi.deployments.latestForApp(guid))!.status).toMatchObject({value: 'FINALIZED', reason: 'CANCELED'})
    expect(await e.capi.apps.getCurrentDropletGuid(guid)).toBe(before)
  })

  it('a router that ignores the header: cfzd says it could not pin, and the same bad canary passes the smoke test', async () => {
    await breakCanary('sm-unpinned')
    const log = smokeLog('sm-unpinned')
    const r = await oldRouter(() =>
      e.cli(['restart', 'sm-unpinned', '--strategy', 'canary', '--instance-steps', '25', '--smoke-test', SMOKE, '--json'], {env: log.env}),
    )
    expectExit(r, 0)
    const out = json(r)
    expect(out.outcome).toBe('deployed')
    expect(out.warnings.join('\n')).toMatch(/Smoke test: could not pin requests to the canary \(canary step 1\/1\): the router ignored X-CF-PROCESS-INSTANCE/)
    const [run] = log.runs()
    expect(run.processInstance).toBeUndefined()
    // answers came from old and canary instances; the canary's failures stayed under half
    expect(run.processes.length).toBeGreaterThan(1)
    expect(run.failed).toBeGreaterThan(0)
    expect(run.failed).toBeLessThanOrEqual(5)
  })
})
