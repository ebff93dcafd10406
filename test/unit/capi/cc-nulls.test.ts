/**
 * The reads that broke against a Cloud Controller that presents resources as its own presenters do:
 * an app with no droplet ({data: {guid: null}}), a deployment made when the app had no droplet
 * (previous_droplet {guid: null}), old rows with null reason, canary step and creator, and
 * environment variables that are not strings. Each body here is shaped like cloud_controller_ng's
 * presenter output for that state, and each client call is one a command makes.
 */
import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {FakeClock} from '../../../src/clock.js'
import {listApps, summarizeDeployment} from '../../../src/services/apps.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const client = () => new CapiClient({apiUrl: API, clock: new FakeClock()})
const T = '2026-11-01T10:00:00Z'
const meta = {labels: {}, annotations: {}}
const page = (resources: unknown[]) => ({
  pagination: {total_results: resources.length, total_pages: 1, first: {href: `${API}/x?page=1`}, last: {href: `${API}/x?page=1`}, next: null, previous: null},
  resources,
})

/** app_presenter.rb: current_droplet is {data: {guid: app.droplet_guid}}, so null while there is none. */
function app(guid: string, name: string, droplet: string | null, state = 'STOPPED') {
  return {
    guid,
    created_at: T,
    updated_at: T,
    name,
    state,
    lifecycle: {type: 'buildpack', data: {buildpacks: [], stack: 'cflinuxfs4'}},
    relationships: {space: {data: {guid: 'space-1'}}, current_droplet: {data: {guid: droplet}}},
    metadata: meta,
    links: {self: {href: `${API}/v3/apps/${guid}`}},
  }
}

/** deployment_presenter.rb, for a first rolling deployment made before the app had a droplet, on an old row. */
function deployment(appGuid: string, over: {reason?: string | null; canaryCurrent?: number | null} = {}) {
  return {
    guid: `dep-${appGuid}`,
    created_at: T,
    updated_at: T,
    status: {
      value: 'ACTIVE',
      reason: over.reason === undefined ? 'DEPLOYING' : over.reason,
      details: {last_successful_healthcheck: T, last_status_change: T},
      ...(over.canaryCurrent === undefined ? {} : {canary: {steps: {current: over.canaryCurrent, total: 2}}}),
    },
    strategy: over.canaryCurrent === undefined ? 'rolling' : 'canary',
    options: {max_in_flight: 1},
    droplet: {guid: 'droplet-new'},
    previous_droplet: {guid: null},
    new_processes: [{guid: 'proc-new', type: 'web'}],
    revision: null,
    relationships: {app: {data: {guid: appGuid}}},
    metadata: meta,
    links: {self: {href: `${API}/v3/deployments/dep-${appGuid}`}, app: {href: `${API}/v3/apps/${appGuid}`}},
  }
}

/** process_presenter.rb, for a web process back-filled in 2018: null version and updated_at, null command and timeouts. */
function process(appGuid: string) {
  return {
    guid: `proc-${appGuid}`,
    created_at: T,
    updated_at: null,
    version: null,
    type: 'web',
    command: null,
    user: 'vcap',
    instances: 0,
    memory_in_mb: 256,
    disk_in_mb: 1024,
    log_rate_limit_in_bytes_per_second: -1,
    health_check: {type: 'port', data: {timeout: null, invocation_timeout: null, interval: null}},
    readiness_health_check: {type: 'process', data: {invocation_timeout: null, interval: null}},
    relationships: {app: {data: {guid: appGuid}}, revision: null},
    metadata: meta,
    links: {},
  }
}

describe('reads of what Cloud Controller presents as null', () => {
  it('an app with no droplet parses from create, get, list and a name lookup', async () => {
    const noDroplet = app('app-new', 'web', null)
    server.use(
      http.post(`${API}/v3/apps`, () => HttpResponse.json(noDroplet, {status: 201})),
      http.get(`${API}/v3/apps/app-new`, () => HttpResponse.json(noDroplet)),
      http.get(`${API}/v3/apps`, () => HttpResponse.json(page([noDroplet, app('app-old', 'api', 'droplet-1', 'STARTED')]))),
      http.get(`${API}/v3/apps/app-new/relationships/current_droplet`, () =>
        HttpResponse.json({errors: [{code: 10010, title: 'CF-ResourceNotFound', detail: 'Droplet not found'}]}, {status: 404}),
      ),
    )
    const capi = client()
    const created = await capi.apps.create({name: 'web', relationships: {space: {data: {guid: 'space-1'}}}})
    expect(created.relationships.current_droplet?.data?.guid).toBeNull()
    expect((await capi.apps.get('app-new')).name).toBe('web')
    expect((await capi.apps.findByName('space-1', 'web'))?.guid).toBe('app-new')
    expect(await capi.apps.getCurrentDropletGuid('app-new')).toBeUndefined()
  })

  it('cfzd apps lists a space with an app that has no droplet and a deployment with a null reason and no previous droplet', async () => {
    server.use(
      http.get(`${API}/v3/apps`, () => HttpResponse.json(page([app('a1', 'fresh', null), app('a2', 'old', 'droplet-1', 'STARTED')]))),
      http.get(`${API}/v3/processes`, () => HttpResponse.json(page([process('a1'), {...process('a2'), instances: 1}]))),
      http.get(`${API}/v3/routes`, () => HttpResponse.json(page([]))),
      http.get(`${API}/v3/deployments`, () => HttpResponse.json(page([deployment('a2', {reason: null})]))),
      http.get(`${API}/v3/processes/:guid/stats`, () =>
        HttpResponse.json({
          resources: [{type: 'web', index: 0, state: 'DOWN', routable: null, uptime: 0, isolation_segment: null, details: null}],
        }),
      ),
    )
    const rows = await listApps(client(), 'space-1')
    expect(rows.map((r) => r.name)).toEqual(['fresh', 'old'])
    expect(rows[1].deployment).toMatchObject({status: 'ACTIVE', reason: null})
    expect(rows[1].processes).toEqual([{type: 'web', instances: 1, running: 0}])
  })

  it('the active deployment of an app reads with previous_droplet {guid: null} and an old canary with no current step', async () => {
    server.use(http.get(`${API}/v3/deployments`, () => HttpResponse.json(page([deployment('a1', {canaryCurrent: null})]))))
    const d = await client().deployments.activeForApp('a1')
    expect(d?.previous_droplet).toEqual({guid: null})
    expect(summarizeDeployment(d!).canarySteps).toEqual({current: null, total: 2})
  })

  it('a build from before Cloud Controller recorded its creator reads', async () => {
    server.use(
      http.get(`${API}/v3/builds/b1`, () =>
        HttpResponse.json({
          guid: 'b1',
          created_at: T,
          updated_at: T,
          state: 'FAILED',
          staging_memory_in_mb: 1024,
          staging_disk_in_mb: 1024,
          staging_log_rate_limit_bytes_per_second: -1,
          error: 'StagingError - Staging error: staging failed',
          lifecycle: {type: 'buildpack', data: {buildpacks: [], stack: 'cflinuxfs4'}},
          package: {guid: 'pkg-1'},
          droplet: null,
          created_by: {guid: null, name: null, email: null},
          relationships: {app: {data: {guid: 'a1'}}},
          metadata: meta,
          links: {},
        }),
      ),
    )
    const b = await client().builds.get('b1')
    expect(b.error).toContain('Staging error')
    expect(b.droplet).toBeNull()
  })

  it('environment variables that are not strings come back as the JSON values they are', async () => {
    const vars = {PLAIN: 'x', COUNT: 3, ON: true, NESTED: {a: [1, 2]}}
    server.use(http.get(`${API}/v3/apps/a1/environment_variables`, () => HttpResponse.json({var: vars, links: {}})))
    expect(await client().env.get('a1')).toEqual(vars)
  })
})
