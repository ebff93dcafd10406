/**
 * Recovery after a failure, by the Cloud Controller calls it makes and their order: blue-green's
 * afterFailure (roll back before the switch, report after it, never delete the only copy) and
 * rolling/canary's recover (cancel the deployment, then read how the app is left).
 */
import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CfzdError, ExitCode} from '../../../src/errors.js'
import {afterFailure} from '../../../src/strategies/blue-green.js'
import {recover} from '../../../src/strategies/deployment.js'
import type {OpState} from '../../../src/strategies/state.js'
import {OperationAborted} from '../../../src/strategies/types.js'
import {WaitFailure} from '../../../src/strategies/wait.js'
import {APP, WEB, capiError, checkState, example} from '../../helpers/check-msw.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const silent = {renderer: 'silent' as const}
const page = (resources: unknown[]) => ({
  pagination: {total_results: resources.length, total_pages: 1, first: null, last: null, next: null, previous: null},
  resources,
})

interface World {
  /** "METHOD /path" of every request, in order. */
  calls: string[]
  apps: Map<string, {guid: string; name: string; state: string}>
  destinations: {guid: string; app: {guid: string; process: {type: string}}}[]
  deployment: {value: string; reason: string}
}

/**
 * A small Cloud Controller: apps a1 (the stable app) and n1 (blue-green's new app), route r1, the
 * web process w1 of a1, and deployment dep1. `refuse` answers these "METHOD /path" with an error.
 */
function serve(
  o: {apps?: string[]; on?: string[]; deployment?: {value: string; reason: string}; finalizeAtRead?: number; refuse?: Record<string, 403 | 404 | 422>} = {},
): World {
  const world: World = {
    calls: [],
    apps: new Map((o.apps ?? ['a1', 'n1']).map((guid) => [guid, {...APP, guid, name: guid === 'a1' ? 'web-venerable' : 'web', state: 'STARTED'}] as const)),
    destinations: (o.on ?? []).map((app) => ({guid: `d-${app}`, app: {guid: app, process: {type: 'web'}}})),
    deployment: o.deployment ?? {value: 'ACTIVE', reason: 'DEPLOYING'},
  }
  server.events.removeAllListeners()
  server.events.on('request:start', ({request}) => world.calls.push(`${request.method} ${new URL(request.url).pathname}`))
  const refused = (method: string, path: string) => o.refuse?.[`${method} ${path}`]
  const deployment = () => ({...example('deployment'), guid: 'dep1', status: {...world.deployment, details: {}}, relationships: {app: {data: {guid: 'a1'}}}})
  server.use(
    http.all(`${API}/*`, ({request}) => {
      const status = refused(request.method, new URL(request.url).pathname)
      if (status) return capiError(status)
      return undefined
    }),
    http.get(`${API}/v3/apps/:guid`, ({params}) => {
      const app = world.apps.get(String(params.guid))
      return app ? HttpResponse.json(app) : capiError(404, 'App not found')
    }),
    http.patch(`${API}/v3/apps/:guid`, async ({params, request}) => {
      const app = world.apps.get(String(params.guid))
      if (!app) return capiError(404, 'App not found')
      const body = (await request.json()) as {name?: string}
      if (body.name) app.name = body.name
      return HttpResponse.json(app)
    }),
    http.delete(`${API}/v3/apps/:guid`, ({params}) => {
      if (!world.apps.delete(String(params.guid))) return capiError(404, 'App not found')
      return new HttpResponse(null, {status: 202, headers: {Location: `${API}/v3/jobs/j1`}})
    }),
    http.get(`${API}/v3/jobs/j1`, () => HttpResponse.json({...example('job'), guid: 'j1'})),
    http.get(`${API}/v3/routes/r1/destinations`, () => HttpResponse.json({destinations: world.destinations})),
    http.post(`${API}/v3/routes/r1/destinations`, async ({request}) => {
      const body = (await request.json()) as {destinations: {app: {guid: string; process: {type: string}}}[]}
      for (const d of body.destinations) world.destinations.push({guid: `d-${d.app.guid}`, app: d.app})
      return HttpResponse.json({destinations: world.destinations})
    }),
    http.delete(`${API}/v3/routes/r1/destinations/:guid`, ({params}) => {
      world.destinations = world.destinations.filter((d) => d.guid !== params.guid)
      return new HttpResponse(null, {status: 204})
    }),
    http.get(`${API}/v3/deployments/dep1`, () => {
      // Someone else's cancel finishes at the n-th read.
      if (o.finalizeAtRead !== undefined && --o.finalizeAtRead <= 0) world.deployment = {value: 'FINALIZED', reason: 'CANCELED'}
      return HttpResponse.json(deployment())
    }),
    http.post(`${API}/v3/deployments/dep1/actions/cancel`, () => {
      world.deployment = {value: 'FINALIZED', reason: 'CANCELED'}
      return new HttpResponse(null, {status: 200})
    }),
    http.get(`${API}/v3/apps/a1/processes/web`, () => HttpResponse.json(WEB)),
    http.get(`${API}/v3/processes/w1/stats`, () => HttpResponse.json(page([{...example('process_stats').resources[0], index: 0}]))),
  )
  return world
}

const route = {...example('route'), guid: 'r1', url: 'web.example.test', destinations: []}

/** Blue-green state part-way: APP renamed web-venerable, the new app n1 made, routes as `routes` says. */
function bgState(over: Partial<OpState> = {}): OpState {
  const s = checkState(
    {strategy: 'blue-green'},
    {
      app: {...structuredClone(APP), name: 'web-venerable'} as OpState['app'],
      newApp: {...structuredClone(APP), guid: 'n1', name: 'web'} as OpState['app'],
      ...over,
    },
  )
  s.snapshot = {
    app: {state: 'STARTED'},
    routes: [{route, destinations: [{guid: 'd-a1', app: {guid: 'a1', process: {type: 'web'}}}]}],
    bindings: [],
    features: [],
    sidecars: [],
    processes: [],
    env: {},
  } as unknown as OpState['snapshot']
  return s
}

const aborted = (reason?: unknown) => {
  const c = new AbortController()
  c.abort(reason)
  return c.signal
}

/** The end of every rollback: delete the new app (and wait for the job), rename the old one back. */
const DELETE_AND_RENAME = ['DELETE /v3/apps/n1', 'GET /v3/jobs/j1', 'PATCH /v3/apps/a1']

describe('blue-green afterFailure', () => {
  it('before anything changed: no call, the error as it is', async () => {
    const world = serve()
    const refusal = new CfzdError('No room.', {exitCode: ExitCode.QUOTA})
    const err = await afterFailure(checkState({strategy: 'blue-green'}), refusal, silent)
    expect(err).toBe(refusal)
    expect(world.calls).toEqual([])
  })

  it('before the routes moved: checks the old app, deletes the new one, renames the old one back', async () => {
    const world = serve()
    const err = await afterFailure(bgState(), new Error('staging failed'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1', ...DELETE_AND_RENAME])
    expect(err.message).toBe("Failed: staging failed\nRolled back: 'web' (a1) serves as before, the new copy was deleted, and the routes are as they were.")
    expect(err.exitCode).toBe(ExitCode.FAILED)
    expect(world.apps.get('a1')?.name).toBe('web')
  })

  it('with both apps mapped: maps the old app again (it still is), unmaps the new one, then deletes and renames', async () => {
    const world = serve({on: ['a1', 'n1']})
    const err = await afterFailure(bgState({routes: 'mapped-both'}), new Error('boom'), silent)
    expect(world.calls).toEqual([
      'GET /v3/apps/a1',
      'GET /v3/routes/r1/destinations',
      'GET /v3/routes/r1/destinations',
      'DELETE /v3/routes/r1/destinations/d-n1',
      ...DELETE_AND_RENAME,
    ])
    expect(world.destinations.map((d) => d.app.guid)).toEqual(['a1'])
    expect(err.message).toMatch(/^Failed: boom\nRolled back: /)
  })

  it('after the switch (old app not yet stopped): maps the old app before unmapping the new one', async () => {
    const world = serve({on: ['n1']})
    await afterFailure(bgState({routes: 'switched'}), new Error('boom'), silent)
    expect(world.calls).toEqual([
      'GET /v3/apps/a1',
      'GET /v3/routes/r1/destinations',
      'POST /v3/routes/r1/destinations',
      'GET /v3/routes/r1/destinations',
      'DELETE /v3/routes/r1/destinations/d-n1',
      ...DELETE_AND_RENAME,
    ])
    expect(world.destinations.map((d) => d.app.guid)).toEqual(['a1'])
  })

  it('interrupted: rolls back all the same and exits 130', async () => {
    const world = serve()
    const s = bgState()
    s.env = {...s.env, signal: aborted()}
    const err = await afterFailure(s, new Error('aborted'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1', ...DELETE_AND_RENAME])
    expect(err.message).toMatch(/^Interrupted\nRolled back: /)
    expect(err.exitCode).toBe(ExitCode.INTERRUPTED)
  })

  it('a conflict keeps its exit code through the rollback', async () => {
    serve()
    const err = await afterFailure(bgState(), new CfzdError('Someone else deployed.', {exitCode: ExitCode.CONFLICT, suggestions: ['Wait.']}), silent)
    expect(err.exitCode).toBe(ExitCode.CONFLICT)
    expect(err.suggestions).toEqual(['Wait.'])
  })

  it('a failed rollback stops at the failing call and says what is left', async () => {
    const world = serve({refuse: {'DELETE /v3/apps/n1': 403}})
    const err = await afterFailure(bgState(), new Error('boom'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1', 'DELETE /v3/apps/n1'])
    expect(err.message).toMatch(
      /^Failed: boom\nRollback FAILED: .*\nState left: stable app web-venerable \(a1\), running; new app web \(n1\) still exists; routes as before\./,
    )
    expect(err.exitCode).toBe(ExitCode.FAILED)
  })

  it('the old app deleted by someone else: keeps the copy, changes nothing', async () => {
    const world = serve({apps: ['n1']})
    const err = await afterFailure(bgState(), new Error('boom'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1', 'GET /v3/apps/n1'])
    expect(err.message).toBe(
      "Failed: boom\nThe old app 'web-venerable' (a1) was deleted by someone else during the operation, so there is nothing to roll back to.\ncfzd kept the new 'web' (n1), started; the routes (web.example.test) have no app mapped.",
    )
    expect(world.apps.has('n1')).toBe(true)
  })

  it('after the old app was stopped: no rollback, one read to say what is left', async () => {
    const world = serve({on: ['n1']})
    const err = await afterFailure(bgState({routes: 'switched', oldTouched: true}), new Error('boom'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1'])
    expect(err.message).toBe(
      "Failed: boom, after the switch: the new 'web' (n1) is live and serving all routes.\nThe old app 'web-venerable' (a1) is still there, running, with no routes.",
    )
    expect(err.exitCode).toBe(ExitCode.CLEANUP_FAILED)
  })
})

describe('rolling/canary recover', () => {
  const withDeployment = (signal?: AbortSignal) => {
    const s = checkState({}, {deployment: {...example('deployment'), guid: 'dep1', relationships: {app: {data: {guid: 'a1'}}}}, previousDropletGuid: 'd1'})
    if (signal) s.env = {...s.env, signal}
    return s
  }

  it('before a deployment existed: no call, the error as it is', async () => {
    const world = serve()
    const refusal = new CfzdError('In flight.', {exitCode: ExitCode.CONFLICT})
    expect(await recover(checkState(), refusal, silent)).toBe(refusal)
    expect(world.calls).toEqual([])
  })

  it('the deployment failed: checks the app, cancels the deployment, follows it, then reads the instances', async () => {
    const world = serve()
    const failure = new WaitFailure('crashed', 'Instances crashed.', {
      instances: {routable: 0, desired: 2, running: 0, crashed: 2, states: ['CRASHED', 'CRASHED']} as never,
    })
    const err = await recover(withDeployment(), failure, silent)
    // Following the cancel polls the deployment until FINALIZED (how often is wait.ts's business).
    const calls = world.calls.filter((c, i) => !(c === 'GET /v3/deployments/dep1' && world.calls[i - 1] === c))
    expect(calls).toEqual([
      'GET /v3/apps/a1',
      'GET /v3/deployments/dep1',
      'POST /v3/deployments/dep1/actions/cancel',
      'GET /v3/deployments/dep1',
      'GET /v3/apps/a1/processes/web',
      'GET /v3/processes/w1/stats',
    ])
    expect(err.message).toBe(
      "Instances crashed.\nNew instances: CRASHED, CRASHED\nCanceled deployment dep1: 'web' is back on droplet d1 with 1/1 instances routable.",
    )
    expect(err.exitCode).toBe(ExitCode.FAILED)
    expect(err.details).toEqual({failure: 'crashed', instances: expect.objectContaining({crashed: 2})})
  })

  it('interrupted: cancels all the same and exits 130', async () => {
    const world = serve()
    const err = await recover(withDeployment(aborted()), new Error('aborted'), silent)
    expect(world.calls.slice(0, 3)).toEqual(['GET /v3/apps/a1', 'GET /v3/deployments/dep1', 'POST /v3/deployments/dep1/actions/cancel'])
    expect(err.message).toMatch(/^Interrupted\.\nCanceled deployment dep1/)
    expect(err.exitCode).toBe(ExitCode.INTERRUPTED)
  })

  it('an abort (the probe saw failures) says why, and exits with its code', async () => {
    serve()
    const err = await recover(withDeployment(aborted(new OperationAborted('5 failed requests', 9))), new Error('aborted'), silent)
    expect(err.message).toMatch(/^Aborted: 5 failed requests\nCanceled deployment dep1/)
    expect(err.exitCode).toBe(9)
  })

  it('a deployment already CANCELING is not canceled again, only followed', async () => {
    const world = serve({deployment: {value: 'ACTIVE', reason: 'CANCELING'}, finalizeAtRead: 2})
    const err = await recover(withDeployment(), new Error('boom'), silent)
    expect(world.calls).toEqual([
      'GET /v3/apps/a1',
      'GET /v3/deployments/dep1',
      'GET /v3/deployments/dep1',
      'GET /v3/apps/a1/processes/web',
      'GET /v3/processes/w1/stats',
    ])
    expect(err.message).toMatch(/^boom\nCanceled deployment dep1: /)
  })

  it('canceled by someone else: nothing to cancel, reads the instances', async () => {
    const world = serve()
    const err = await recover(withDeployment(), new WaitFailure('canceled', 'The deployment was canceled.'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1', 'GET /v3/apps/a1/processes/web', 'GET /v3/processes/w1/stats'])
    expect(err.message).toMatch(/^The deployment was canceled\.\nCanceled deployment dep1: /)
  })

  it('the cancel refused: says the deployment may still run, exits 1, reads no instances', async () => {
    const world = serve({refuse: {'POST /v3/deployments/dep1/actions/cancel': 403}})
    const err = await recover(withDeployment(), new CfzdError('Timed out.', {exitCode: ExitCode.FAILED}), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1', 'GET /v3/deployments/dep1', 'POST /v3/deployments/dep1/actions/cancel'])
    expect(err.message).toMatch(
      /^Timed out\.\nCould not cancel deployment dep1: .*It may still be running\. Check with 'cfzd app web' and cancel it with 'cfzd cancel-deployment web'\.$/s,
    )
    expect(err.exitCode).toBe(ExitCode.FAILED)
  })

  it('a cancel refused as unprocessable (422) re-reads the deployment before giving up', async () => {
    const world = serve({refuse: {'POST /v3/deployments/dep1/actions/cancel': 422}})
    const err = await recover(withDeployment(), new Error('boom'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1', 'GET /v3/deployments/dep1', 'POST /v3/deployments/dep1/actions/cancel', 'GET /v3/deployments/dep1'])
    expect(err.message).toMatch(/\nCould not cancel deployment dep1: /)
  })

  it('a deployment that finished (DEPLOYED) before the cancel: says so and how to go back, exits 1, reads no instances', async () => {
    const world = serve({deployment: {value: 'FINALIZED', reason: 'DEPLOYED'}})
    const err = await recover(withDeployment(aborted(new OperationAborted('3 failed requests', 1))), new Error('aborted'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1', 'GET /v3/deployments/dep1'])
    expect(err.message).toBe(
      "Aborted: 3 failed requests\nDeployment dep1 finished (DEPLOYED) before it could be canceled: 'web' runs the new droplet. See 'cfzd revisions web' and go back with 'cfzd rollback web --version N'.",
    )
    expect(err.exitCode).toBe(ExitCode.FAILED)
  })

  it('a deployment already CANCELED when recovery reads it counts as canceled', async () => {
    const world = serve({deployment: {value: 'FINALIZED', reason: 'CANCELED'}})
    const err = await recover(withDeployment(), new Error('boom'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1', 'GET /v3/deployments/dep1', 'GET /v3/apps/a1/processes/web', 'GET /v3/processes/w1/stats'])
    expect(err.message).toMatch(/^boom\nCanceled deployment dep1: /)
  })

  it('superseded by someone else: leaves the newer deployment alone', async () => {
    const world = serve()
    const err = await recover(withDeployment(), new WaitFailure('superseded', 'Superseded.'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1'])
    expect(err.exitCode).toBe(ExitCode.CONFLICT)
    expect(err.message).toMatch(/cfzd left the newer one alone/)
  })

  it('the app deleted by someone else: nothing to cancel', async () => {
    const world = serve({apps: []})
    const err = await recover(withDeployment(), new Error('boom'), silent)
    expect(world.calls).toEqual(['GET /v3/apps/a1'])
    expect(err.exitCode).toBe(ExitCode.NOT_FOUND)
    expect(err.message).toBe("App 'web' (a1) was deleted by someone else during the operation, with its deployment dep1: there is nothing left to cancel.")
  })
})
