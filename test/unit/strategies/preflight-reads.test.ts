/**
 * Pre-flight reads inform, they don't block: a quota or usage read refused for the user's role
 * (403) or missing on an older Cloud Controller (404) leaves that check undone, with a warning
 * that says which read and why, and the operation goes on. A quota that can be read and is too
 * small still refuses.
 */
import {describe, expect, it} from '@jest/globals'
import {http} from 'msw'
import {blueGreenPlan} from '../../../src/strategies/blue-green.js'
import {deploymentPlan} from '../../../src/strategies/deployment.js'
import {readHeadroom, rememberScope} from '../../../src/strategies/quota.js'
import {restartSource} from '../../../src/strategies/sources.js'
import {CfzdError, ExitCode} from '../../../src/errors.js'
import {APP, capiError, checkState, example, runStep, serveCheckWorld} from '../../helpers/check-msw.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()

const READS = [
  {read: 'space', path: '/v3/spaces/s', warning: /^Could not check the space quota: reading space s \(GET \/v3\/spaces\/s\) /},
  {read: 'space quota', path: '/v3/space_quotas/sq', warning: /^Could not check the quota of space 'dev': reading its quota \(GET \/v3\/space_quotas\/sq\) /},
  {
    read: 'space usage summary',
    path: '/v3/spaces/s/usage_summary',
    warning: /^Could not check the quota of space 'dev': reading its usage summary \(GET \/v3\/spaces\/s\/usage_summary\) /,
  },
  {
    read: 'organization',
    path: '/v3/organizations/o',
    warning: /^Could not check the organization quota: reading organization o \(GET \/v3\/organizations\/o\) /,
  },
  {
    read: 'organization quota',
    path: '/v3/organization_quotas/oq',
    warning: /^Could not check the quota of organization 'acme': reading its quota \(GET \/v3\/organization_quotas\/oq\) /,
  },
  {
    read: 'organization usage summary',
    path: '/v3/organizations/o/usage_summary',
    warning: /^Could not check the quota of organization 'acme': reading its usage summary \(GET \/v3\/organizations\/o\/usage_summary\) /,
  },
]
const WHY = {
  403: /was refused for your role \(403 CF-NotAuthorized: You are not authorized to perform the requested action\)\. cfzd goes on without this check\.$/,
  404: /was not found \(404 CF-ResourceNotFound: Not found\): this Cloud Controller may not offer it, or your role can't see it\. cfzd goes on without this check\.$/,
}
const CASES = READS.flatMap((r) => ([403, 404] as const).map((status) => ({...r, status})))

const PLANS = [
  {plan: 'rolling restart', strategy: 'rolling' as const, steps: () => deploymentPlan(restartSource)},
  {plan: 'blue-green restart', strategy: 'blue-green' as const, steps: () => blueGreenPlan(restartSource)},
]

describe('readHeadroom', () => {
  it('reads both quotas when it can', async () => {
    serveCheckWorld(server)
    const {rooms, unchecked} = await readHeadroom(checkState().env.capi, 's', 'o')
    expect(unchecked).toEqual([])
    expect(rooms.map((r) => [r.scope, r.name, r.memory.usedMb, r.memory.limitMb])).toEqual([
      ['space', 'dev', 1024, 10_240],
      ['organization', 'acme', 2048, 102_400],
    ])
  })

  it.each(CASES)('$read answered $status: that quota is unchecked, with a warning; the other one is still read', async ({path, status, warning}) => {
    serveCheckWorld(server)
    server.use(http.get(`${API}${path}`, () => capiError(status)))
    const {rooms, unchecked} = await readHeadroom(checkState().env.capi, 's', 'o')
    expect(unchecked).toHaveLength(1)
    expect(unchecked[0]).toMatch(warning)
    expect(unchecked[0]).toMatch(WHY[status])
    expect(rooms).toHaveLength(1)
  })
})

describe.each(PLANS)('$plan: the check step', ({strategy, steps}) => {
  it.each(CASES)('$read answered $status: goes on and warns', async ({path, status, warning}) => {
    serveCheckWorld(server)
    server.use(http.get(`${API}${path}`, () => capiError(status)))
    const s = checkState({strategy})
    const told = await runStep(steps(), 'check', s)
    const quota = s.warnings.filter((w) => /quota/.test(w))
    expect(quota).toHaveLength(1)
    expect(quota[0]).toMatch(warning)
    expect(quota[0]).toMatch(WHY[status])
    // shown as the step goes, too
    expect(told.output).toContain(quota[0])
  })

  it('every quota read refused: still goes on, one warning per quota', async () => {
    serveCheckWorld(server)
    for (const r of READS.filter((x) => /quota|usage/.test(x.read))) server.use(http.get(`${API}${r.path}`, () => capiError(403)))
    const s = checkState({strategy})
    await runStep(steps(), 'check', s)
    // Usage is read only to compare with a quota's limits: with the quota unreadable, it isn't asked for.
    expect(s.warnings).toEqual([
      expect.stringMatching(
        /^Could not check the quota of space 'dev': reading its quota \(GET \/v3\/space_quotas\/sq\) was refused .*goes on without this check\.$/,
      ),
      expect.stringMatching(
        /^Could not check the quota of organization 'acme': reading its quota \(GET \/v3\/organization_quotas\/oq\) was refused .*goes on without this check\.$/,
      ),
    ])
  })

  it('a quota it can read and that is too small still refuses (exit QUOTA), after warning about the one it could not', async () => {
    serveCheckWorld(server)
    server.use(
      http.get(`${API}/v3/spaces/s/usage_summary`, () => capiError(404)),
      http.get(`${API}/v3/organizations/o/usage_summary`, () => Response.json({usage_summary: {started_instances: 8, memory_in_mb: 102_300}, links: {}})),
    )
    const s = checkState({strategy})
    const failure = await runStep(steps(), 'check', s).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(failure).toBeInstanceOf(CfzdError)
    expect((failure as CfzdError).exitCode).toBe(ExitCode.QUOTA)
    expect(s.warnings).toEqual([expect.stringMatching(/^Could not check the quota of space 'dev'/)])
  })
})

describe('other reads the check makes only to inform', () => {
  it.each([403, 404] as const)(
    'rolling: the processes (read to name the workers and size the quota check) answered %s: goes on unchecked, and warns for both',
    async (status) => {
      const requests = serveCheckWorld(server)
      server.use(http.get(`${API}/v3/apps/a1/processes`, () => capiError(status)))
      const s = checkState({strategy: 'rolling'})
      await runStep(deploymentPlan(restartSource), 'check', s)
      expect(s.warnings).toEqual([
        expect.stringMatching(/^Could not check 'web' for non-web processes: reading its processes \(GET \/v3\/apps\/a1\/processes\) /),
        expect.stringMatching(/^Could not check the quota for 'web': reading its processes \(GET \/v3\/apps\/a1\/processes\) /),
      ])
      expect(requests.all.filter((r) => r.includes('quota'))).toEqual([])
    },
  )

  it('rolling: one read of the processes names the workers and sizes the quota check (no separate read of the web process)', async () => {
    const requests = serveCheckWorld(server)
    const s = checkState({strategy: 'rolling'})
    await runStep(deploymentPlan(restartSource), 'check', s)
    expect(requests.all.filter((r) => r.includes('/processes'))).toEqual([expect.stringMatching(/GET \/v3\/apps\/a1\/processes(\?|$)/)])
    expect(requests.all.some((r) => r.includes('quota'))).toBe(true)
  })

  it("rolling: the space and organization that came with the app's lookup (include=space.organization) are not read again", async () => {
    const requests = serveCheckWorld(server)
    server.use(
      http.get(`${API}/v3/apps`, () =>
        Response.json({
          pagination: {total_results: 1, total_pages: 1, first: null, last: null, next: null, previous: null},
          resources: [APP],
          included: {
            spaces: [{...example('space'), guid: 's', name: 'dev', relationships: {organization: {data: {guid: 'o'}}, quota: {data: {guid: 'sq'}}}}],
            organizations: [{...example('organization'), guid: 'o', name: 'acme', relationships: {quota: {data: {guid: 'oq'}}}}],
          },
        }),
      ),
    )
    const s = checkState({strategy: 'rolling'})
    const found = await s.env.capi.apps.findByNameWithSpace('s', 'web')
    expect([found.app?.guid, found.space?.name, found.organization?.name]).toEqual(['a1', 'dev', 'acme'])
    expect(requests.all).toEqual(['GET /v3/apps?per_page=5000&names=web&space_guids=s&include=space.organization'])
    s.env.reads = rememberScope(new Map(), found)
    await runStep(deploymentPlan(restartSource), 'check', s)
    expect(requests.all.filter((r) => /\/v3\/(spaces|organizations)\/[^/]+$/.test(r.split('?')[0]))).toEqual([])
    // The quotas (and the usage they limit) are still read.
    expect(requests.all).toEqual(expect.arrayContaining(['GET /v3/space_quotas/sq', 'GET /v3/organization_quotas/oq']))
    expect(s.warnings).toEqual([])
  })

  it.each([403, 404] as const)('blue-green: the deployments list answered %s: goes on, and warns', async (status) => {
    serveCheckWorld(server)
    server.use(http.get(`${API}/v3/deployments`, () => capiError(status)))
    const s = checkState({strategy: 'blue-green'})
    await runStep(blueGreenPlan(restartSource), 'check', s)
    expect(s.warnings).toEqual([
      expect.stringMatching(
        /^Could not check whether 'web' has a deployment in flight: reading its deployments \(GET \/v3\/deployments\?app_guids=a1\) .*cfzd goes on without this check\.$/,
      ),
    ])
  })

  it.each([403, 404] as const)('blue-green: the leftover smoke-test route lookup answered %s: goes on, and warns', async (status) => {
    serveCheckWorld(server)
    server.use(http.get(`${API}/v3/routes`, () => capiError(status)))
    const s = checkState({strategy: 'blue-green'})
    await runStep(blueGreenPlan(restartSource), 'check', s)
    expect(s.warnings).toEqual([
      expect.stringMatching(
        /^Could not look for temporary smoke-test routes an interrupted run may have left: reading the space's routes \(GET \/v3\/routes\?space_guids=s\) /,
      ),
    ])
  })

  it('a read that fails for another reason (a 422 here) still fails the check', async () => {
    serveCheckWorld(server)
    server.use(http.get(`${API}/v3/space_quotas/sq`, () => capiError(422)))
    const s = checkState({strategy: 'rolling'})
    await expect(runStep(deploymentPlan(restartSource), 'check', s)).rejects.toThrow(/Unprocessable/)
  })
})

describe('after a rolling deployment is DEPLOYED', () => {
  const deployed = () => ({
    ...example('deployment'),
    guid: 'dep1',
    status: {value: 'FINALIZED', reason: 'DEPLOYED', details: {last_successful_healthcheck: null, last_status_change: null}},
    options: {max_in_flight: 1, web_instances: null},
    new_processes: [{guid: 'w2', type: 'web'}],
    relationships: {app: {data: {guid: 'a1'}}},
  })

  it('an app with only web processes: nothing more is read (the old ones are gone, every new one was routable at the finalize)', async () => {
    const requests = serveCheckWorld(server)
    const s = checkState({strategy: 'rolling'})
    await runStep(deploymentPlan(restartSource), 'check', s)
    requests.all.length = 0
    s.deployment = deployed() as unknown as NonNullable<typeof s.deployment>
    await runStep(deploymentPlan(restartSource), 'old-gone', s)
    expect(requests.all).toEqual([])
    expect(s.processes).toEqual([{type: 'web', instances: 2, zeroMs: 0, recovered: true}])
  })

  it('an app with a worker: its processes are read and the worker watched until it runs again', async () => {
    const requests = serveCheckWorld(server)
    const worker = {...example('process'), guid: 'k1', type: 'worker', instances: 1, relationships: {app: {data: {guid: 'a1'}}}}
    const web2 = {...example('process'), guid: 'w2', type: 'web', instances: 2, relationships: {app: {data: {guid: 'a1'}}}}
    let finalized = false
    server.use(
      http.get(`${API}/v3/apps/a1/processes`, () =>
        Response.json({
          pagination: {total_results: 2, total_pages: 1, first: null, last: null, next: null, previous: null},
          resources: finalized ? [web2, worker] : [{...example('process'), guid: 'w1', type: 'web', instances: 2, memory_in_mb: 256}, worker],
        }),
      ),
      http.get(`${API}/v3/processes/:guid/stats`, () => Response.json({resources: [{...example('process_stats').resources[0], index: 0, state: 'RUNNING'}]})),
    )
    const s = checkState({strategy: 'rolling'})
    await runStep(deploymentPlan(restartSource), 'check', s)
    finalized = true
    requests.all.length = 0
    s.deployment = deployed() as unknown as NonNullable<typeof s.deployment>
    await runStep(deploymentPlan(restartSource), 'old-gone', s)
    expect(requests.all[0]).toMatch(/^GET \/v3\/apps\/a1\/processes/)
    expect(requests.all).toContain('GET /v3/processes/k1/stats')
    expect(s.processes?.map((p) => p.type).sort()).toEqual(['web', 'worker'])
  })
})
