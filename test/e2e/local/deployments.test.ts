/**
 * Deployments checked against Cloud Controller's updater rules tick by tick
 * (deployment_create.rb and lib/cloud_controller/deployment_updater/). The automatic tick is off; each test
 * calls tick() and waits for instances to settle in between.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {CapiError} from '../../../src/capi/errors.js'
import type {Deployment} from '../../../src/capi/resources/deployments.js'
import {startTestFoundation, type TestFoundation} from './helpers.js'

let t: TestFoundation
let n = 0

beforeAll(async () => {
  t = await startTestFoundation()
})
afterAll(() => t.stop())

/** A fresh started app with `instances` web instances. */
async function newApp(instances: number, extra: Record<string, unknown> = {}): Promise<string> {
  const name = `dep-${++n}`
  await t.lf.seed({orgs: [{name: 'local', spaces: [{name: 'dev', apps: [{name, instances, memory: '64M', ...extra}]}]}]})
  const app = await t.capi.apps.findByName((await t.capi.spaces.list({names: ['dev']}))[0].guid, name)
  return app!.guid
}

/** [instances, ...states] of each web process, oldest first. */
async function webs(appGuid: string) {
  const procs = (await t.capi.processes.forApp(appGuid)).filter((p) => p.type === 'web')
  return Promise.all(procs.map(async (p) => ({guid: p.guid, instances: p.instances, states: (await t.capi.processes.stats(p.guid)).map((s) => s.state)})))
}

async function step(): Promise<void> {
  t.lf.tick()
  await t.lf.settle()
}

const deploy = (appGuid: string, body: Record<string, unknown> = {}) => t.capi.deployments.create({relationships: {app: {data: {guid: appGuid}}}, ...body})
const get = (guid: string) => t.capi.deployments.get(guid)
const status = (d: Deployment) => `${d.status.value}/${d.status.reason}`

describe('rolling deployment', () => {
  it('starts one new instance, then swaps old for new one for one as new ones become routable (max_in_flight 1)', async () => {
    const app = await newApp(4)
    const original = (await webs(app))[0].guid
    const d = await deploy(app)
    expect(status(d)).toBe('ACTIVE/DEPLOYING')
    expect(d.strategy).toBe('rolling')
    expect(d.options.max_in_flight).toBe(1)
    expect(d.new_processes).toHaveLength(1)
    expect(d.new_processes[0].type).toBe('web')
    await t.lf.settle()
    let w = await webs(app)
    expect(w.map((p) => p.instances)).toEqual([4, 1])
    expect(w[1].guid).toBe(d.new_processes[0].guid)

    // Tick 1: 1 routable → old down to 3, new up to 2 (a slow start-up keeps it STARTING for the next check).
    await t.lf.setFaults({startupMs: 400})
    t.lf.tick()
    await t.lf.setFaults({startupMs: 20})
    w = await webs(app)
    expect(w.map((p) => p.instances)).toEqual([3, 2])
    expect(w[1].states).toEqual(['RUNNING', 'STARTING'])
    // While a new instance is still starting (starting == max_in_flight) nothing moves.
    t.lf.tick()
    expect((await webs(app)).map((p) => p.instances)).toEqual([3, 2])
    await t.lf.settle()

    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([2, 3])
    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([1, 4])
    expect(status(await get(d.guid))).toBe('ACTIVE/DEPLOYING')
    await step()
    // Finalize: the old web process is destroyed, the deployment DEPLOYED.
    w = await webs(app)
    expect(w.map((p) => p.guid)).toEqual([d.new_processes[0].guid])
    expect(w[0].states).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING'])
    expect(w.some((p) => p.guid === original)).toBe(false)
    const done = await get(d.guid)
    expect(status(done)).toBe('FINALIZED/DEPLOYED')
    expect(done.links?.cancel).toBeUndefined()
    const events = t.lf.deploymentEvents.filter((e) => e.deploymentGuid === d.guid)
    expect(events.map((e) => e.reason)).toEqual(['DEPLOYING', 'DEPLOYED'])
    expect(events[1].at).toBeGreaterThanOrEqual(events[0].at)
  })

  it('with max_in_flight 2 moves two instances per tick', async () => {
    const app = await newApp(4)
    const d = await deploy(app, {options: {max_in_flight: 2}})
    await t.lf.settle()
    expect((await webs(app)).map((p) => p.instances)).toEqual([4, 2])
    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([2, 4])
    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([4])
    expect(status(await get(d.guid))).toBe('FINALIZED/DEPLOYED')
  })

  it("honours web_instances and treats the cf CLI's null options as absent", async () => {
    const app = await newApp(2)
    const d = await deploy(app, {
      options: {max_in_flight: null, web_instances: 3, memory_in_mb: null, disk_in_mb: null, log_rate_limit_in_bytes_per_second: null},
    })
    expect(d.options).toEqual({max_in_flight: 1, web_instances: 3})
    for (let i = 0; i < 6 && status(await get(d.guid)) !== 'FINALIZED/DEPLOYED'; i++) await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([3])
  })

  it('stalls while a new instance is crashed, keeps the old ones serving, and cancels back on the next tick', async () => {
    const app = await newApp(3)
    const before = (await t.capi.apps.get(app)).relationships.current_droplet?.data?.guid
    await t.capi.env.update(app, {CFZD_LOCAL_CRASH: 'true'})
    const d = await deploy(app)
    await t.lf.settle()
    for (let i = 0; i < 3; i++) await step()
    const w = await webs(app)
    expect(w.map((p) => p.instances)).toEqual([3, 1])
    expect(w[0].states).toEqual(['RUNNING', 'RUNNING', 'RUNNING'])
    expect(w[1].states).toEqual(['CRASHED'])
    const stats = await t.capi.processes.stats(w[1].guid)
    expect(stats[0].details).toMatch(/CFZD_LOCAL_CRASH/)
    expect(status(await get(d.guid))).toBe('ACTIVE/DEPLOYING')

    await t.capi.deployments.cancel(d.guid)
    const canceling = await get(d.guid)
    expect(status(canceling)).toBe('ACTIVE/CANCELING')
    expect(canceling.links?.cancel).toBeDefined()
    expect((await t.capi.apps.get(app)).relationships.current_droplet?.data?.guid).toBe(before)
    await step()
    expect(status(await get(d.guid))).toBe('FINALIZED/CANCELED')
    const after = await webs(app)
    expect(after).toHaveLength(1)
    expect(after[0].instances).toBe(3)
    expect(after[0].states).toEqual(['RUNNING', 'RUNNING', 'RUNNING'])
    await expect(t.capi.deployments.cancel(d.guid)).rejects.toThrow('Cannot cancel a deployment with status: FINALIZED and reason: CANCELED')
  })

  it('supersedes the active deployment: DEPLOYED/SUPERSEDED, and its interim process drains with the original', async () => {
    const app = await newApp(4)
    const a = await deploy(app)
    await t.lf.settle()
    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([3, 2])
    const b = await deploy(app)
    const superseded = await get(a.guid)
    expect(status(superseded)).toBe('FINALIZED/SUPERSEDED')
    await t.lf.settle()
    expect((await webs(app)).map((p) => p.instances)).toEqual([3, 2, 1])
    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([1, 2, 2])
    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([0, 2, 3])
    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([0, 1, 4])
    await step()
    // The interim process reaching 0 is destroyed; finalize destroys the original.
    expect((await webs(app)).map((p) => p.guid)).toEqual([b.new_processes[0].guid])
    expect(status(await get(b.guid))).toBe('FINALIZED/DEPLOYED')
  })

  it('finalizes a deployment for a stopped app at once, starting it, with no new process', async () => {
    const app = await newApp(2, {stopped: true})
    const d = await deploy(app)
    expect(status(d)).toBe('FINALIZED/DEPLOYED')
    expect(d.new_processes).toEqual([])
    expect((await t.capi.apps.get(app)).state).toBe('STARTED')
    await t.lf.settle()
    expect((await webs(app))[0].states).toEqual(['RUNNING', 'RUNNING'])
  })

  it('restarts non-web processes when it finalizes', async () => {
    const app = await newApp(1, {processes: [{type: 'worker', instances: 1}]})
    const worker = (await t.capi.processes.forApp(app)).find((p) => p.type === 'worker')!
    const before = (await t.capi.processes.stats(worker.guid))[0].instance_guid
    await deploy(app)
    await t.lf.settle()
    await step()
    await step()
    const after = (await t.capi.processes.stats(worker.guid))[0]
    expect(after.instance_guid).not.toBe(before)
  })

  it("refuses scale, process updates and droplet changes while deploying, with Cloud Controller's messages", async () => {
    const app = await newApp(2)
    const droplet = (await t.capi.apps.get(app)).relationships.current_droplet!.data!.guid!
    const d = await deploy(app)
    const web = await t.capi.processes.getForApp(app, 'web')
    await expect(t.capi.processes.scale(web.guid, {instances: 5})).rejects.toThrow('Cannot scale this process while a deployment is in flight.')
    await expect(t.capi.processes.update(web.guid, {command: 'x'})).rejects.toThrow('Cannot update this process while a deployment is in flight.')
    await expect(t.capi.apps.setCurrentDroplet(app, droplet)).rejects.toThrow(
      'Unable to assign current droplet while the app has a deployment in progress. Wait for the deployment to complete or cancel it.',
    )
    await t.capi.deployments.cancel(d.guid)
    await step()
  })

  it('validates the request like deployment_create_message.rb', async () => {
    const app = await newApp(1)
    const cases: [Record<string, unknown>, string][] = [
      [{strategy: 'potato'}, "Strategy 'potato' is not a supported deployment strategy"],
      [{options: {max_in_flight: 0}}, 'Max in flight must be an integer greater than 0'],
      [{options: {foo: 1, baz: 2}}, 'Options has unsupported key(s): foo, baz'],
      [{options: {canary: {steps: [{instance_weight: 10}]}}}, 'Options canary are only valid for Canary deployments'],
      [
        {strategy: 'canary', options: {canary: {steps: [{instance_weight: 40}, {instance_weight: 20}]}}},
        'Options canary steps instance weight must be sorted in ascending order',
      ],
      [
        {strategy: 'canary', options: {canary: {steps: [{instance_weight: 101}]}}},
        'Options canary steps instance weight must be an Integer between 1-100 (inclusive)',
      ],
      [{droplet: {guid: 'nope'}}, 'Unable to assign current droplet. Ensure the droplet exists and belongs to this app.'],
      [{unknown: true}, "Unknown field(s): 'unknown'"],
    ]
    for (const [body, message] of cases) {
      const err = await deploy(app, body).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CapiError)
      expect((err as CapiError).status).toBe(422)
      expect((err as CapiError).title).toBe('CF-UnprocessableEntity')
      expect((err as CapiError).detail).toBe(message)
    }
    const missing = await t.capi.deployments.create({relationships: {app: {data: {guid: 'no-such-app'}}}}).catch((e: CapiError) => e)
    expect((missing as CapiError).detail).toBe('Unable to use app. Ensure that the app exists and you have access to it.')
  })

  it('enforces quotas on create with the deployment suffix, and records updater quota errors in status.details.error', async () => {
    await t.lf.seed({
      orgs: [{name: 'quota-org', spaces: [{name: 'tight', quota: {name: 'five', total_instances: 5}, apps: [{name: 'q', instances: 4, memory: '64M'}]}]}],
    })
    const space = (await t.capi.spaces.list({names: ['tight']}))[0]
    const app = (await t.capi.apps.findByName(space.guid, 'q'))!.guid
    const err = (await deploy(app, {options: {max_in_flight: 2}}).catch((e) => e)) as CapiError
    expect(err.detail).toBe(
      "app_instance_limit space_app_instance_limit_exceeded for space tight. This space's quota may not be large enough to support rolling deployments or your configured max-in-flight.",
    )
    const d = await deploy(app)
    await t.lf.settle()
    // Tighten the quota under the running deployment: the next scale-up no longer fits.
    const quota = t.lf.internals.store.spaceQuotas.all().find((q) => q.name === 'five')!
    quota.totalInstances = 4
    await step()
    const stuck = await get(d.guid)
    expect(stuck.status.details.error).toBe('app_instance_limit space_app_instance_limit_exceeded')
    expect((await webs(app)).map((p) => p.instances)).toEqual([4, 1])
    quota.totalInstances = 5
    await step()
    const moving = await get(d.guid)
    expect(moving.status.details.error).toBeUndefined()
    expect((await webs(app)).map((p) => p.instances)).toEqual([3, 2])
  })
})

describe('canary deployment', () => {
  it('follows the step plan: pause at each step, continue, then roll to the full count (5 instances, steps 20,40)', async () => {
    const app = await newApp(5)
    const d = await deploy(app, {strategy: 'canary', options: {canary: {steps: [{instance_weight: 20}, {instance_weight: 40}]}}})
    expect(status(d)).toBe('ACTIVE/DEPLOYING')
    expect(d.status.canary?.steps).toEqual({current: 1, total: 2})
    expect(d.options.canary?.steps).toEqual([{instance_weight: 20}, {instance_weight: 40}])
    await t.lf.settle()
    expect((await webs(app)).map((p) => p.instances)).toEqual([5, 1])
    await expect(t.capi.deployments.continue(d.guid)).rejects.toThrow('Cannot continue a deployment with status: ACTIVE and reason: DEPLOYING')

    // Step 1 = {canary 1, original 5}: finished at once → PAUSED.
    await step()
    let cur = await get(d.guid)
    expect(status(cur)).toBe('ACTIVE/PAUSED')
    expect(cur.links?.continue).toBeDefined()
    expect((await webs(app)).map((p) => p.instances)).toEqual([5, 1])
    // Paused: ticks change nothing.
    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([5, 1])

    await t.capi.deployments.continue(d.guid)
    cur = await get(d.guid)
    expect(status(cur)).toBe('ACTIVE/DEPLOYING')
    expect(cur.status.canary?.steps).toEqual({current: 2, total: 2})
    // Step 2 = {canary 2, original 4}.
    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([5, 2])
    await step()
    expect((await webs(app)).map((p) => p.instances)).toEqual([4, 2])
    expect(status(await get(d.guid))).toBe('ACTIVE/PAUSED')

    // Last continue: DEPLOYING to the full count, one for one.
    await t.capi.deployments.continue(d.guid)
    expect(status(await get(d.guid))).toBe('ACTIVE/DEPLOYING')
    const seen: number[][] = []
    for (let i = 0; i < 6 && status(await get(d.guid)) !== 'FINALIZED/DEPLOYED'; i++) {
      await step()
      seen.push((await webs(app)).map((p) => p.instances))
    }
    expect(seen).toEqual([[3, 3], [2, 4], [1, 5], [5]])
    expect(status(await get(d.guid))).toBe('FINALIZED/DEPLOYED')
  })

  it('without steps pauses after one canary instance', async () => {
    const app = await newApp(3)
    const d = await deploy(app, {strategy: 'canary'})
    expect(d.status.canary?.steps).toEqual({current: 1, total: 1})
    await t.lf.settle()
    await step()
    expect(status(await get(d.guid))).toBe('ACTIVE/PAUSED')
    expect((await webs(app)).map((p) => p.instances)).toEqual([3, 1])
    await t.capi.deployments.cancel(d.guid)
    await step()
    expect(status(await get(d.guid))).toBe('FINALIZED/CANCELED')
    expect((await webs(app)).map((p) => p.instances)).toEqual([3])
  })
})
