/**
 * Every write cfzd sends that creates something is safe to repeat: each test lets the Cloud
 * Controller act on the POST and then loses the answer (a 502, or the connection reset), and checks
 * that the live state was re-read, so nothing is made twice and the run does not fail.
 */
import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {CapiHttp} from '../../../src/capi/http.js'
import {FakeClock} from '../../../src/clock.js'
import {uploadOnce} from '../../../src/push/source.js'
import {applyManifestOnce, bindOnce, cancelOnce, createSidecarOnce} from '../../../src/strategies/once.js'
import {createTemporaryRoute} from '../../../src/strategies/smoke.js'
import {example} from '../../helpers/check-msw.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const clock = () => new FakeClock()
const capi = () => new CapiClient(new CapiHttp({apiUrl: API, clock: new FakeClock(), random: () => 0.5}))
const page = (resources: unknown[]) => ({
  pagination: {total_results: resources.length, total_pages: 1, first: null, last: null, next: null, previous: null},
  resources,
})

/** How the answer to an acted-on POST is lost. */
const LOST = [
  {name: 'a 502', lose: () => new HttpResponse('bad gateway', {status: 502})},
  {name: 'a reset connection', lose: () => HttpResponse.error()},
] as const

describe.each(LOST)('the answer is lost ($name) after the Cloud Controller acted', ({lose}) => {
  it('the temporary smoke-test route is found by its host, not created twice', async () => {
    const routes: {host: string; guid: string}[] = []
    const mapped: string[] = []
    server.use(
      http.get(`${API}/v3/domains/dom1`, () => HttpResponse.json({...example('domain'), guid: 'dom1', name: 'apps.example.test'})),
      http.post(`${API}/v3/routes`, async ({request}) => {
        const body = (await request.json()) as {host: string}
        routes.push({host: body.host, guid: `r${routes.length + 1}`})
        return lose()
      }),
      http.get(`${API}/v3/routes`, ({request}) => {
        const hosts = new URL(request.url).searchParams.get('hosts')
        const found = routes
          .filter((r) => r.host === hosts)
          .map((r) => ({...example('route'), guid: r.guid, host: r.host, path: '', url: `${r.host}.apps.example.test`}))
        return HttpResponse.json(page(found))
      }),
      http.post(`${API}/v3/routes/:guid/destinations`, ({params}) => {
        mapped.push(String(params.guid))
        return HttpResponse.json(example('destinations'))
      }),
      http.get(`${API}/v3/info`, () => HttpResponse.json({})),
      http.get(/apps\.example\.test/, () => new HttpResponse('ok', {status: 200})),
    )
    const {route} = await createTemporaryRoute(capi(), {appName: 'web', appGuid: 'n1', spaceGuid: 's', orgGuid: 'o', domainGuid: 'dom1', clock: clock()})
    expect(routes).toHaveLength(1)
    expect(route.guid).toBe('r1')
    expect(mapped).toEqual(['r1'])
  })

  it('a route destination insert is sent again: inserting one that exists changes nothing', async () => {
    const destinations = new Set<string>()
    let posts = 0
    server.use(
      http.post(`${API}/v3/routes/:guid/destinations`, async ({request}) => {
        posts++
        for (const d of ((await request.json()) as {destinations: {app: {guid: string}}[]}).destinations) destinations.add(d.app.guid)
        return posts === 1 ? lose() : HttpResponse.json(example('destinations'))
      }),
    )
    await capi().routes.insertDestinations('r1', [{app: {guid: 'n1', process: {type: 'web'}}}])
    expect(posts).toBe(2)
    expect([...destinations]).toEqual(['n1'])
  })

  it.each([
    {kind: 'user-provided (201)', async: false},
    {kind: 'managed (202 and a job)', async: true},
  ])('a $kind service binding is adopted, not bound twice', async ({async}) => {
    const bindings: {guid: string; state: string; polls: number}[] = []
    server.use(
      http.post(`${API}/v3/service_credential_bindings`, () => {
        bindings.push({guid: `b${bindings.length + 1}`, state: async ? 'in progress' : 'succeeded', polls: 0})
        return lose()
      }),
      http.get(`${API}/v3/service_credential_bindings`, () => HttpResponse.json(page(bindings.map((b) => binding(b.guid, b.state))))),
      // an asynchronous bind finishes on the second look
      http.get(`${API}/v3/service_credential_bindings/:guid`, ({params}) => {
        const b = bindings.find((x) => x.guid === params.guid)!
        if (++b.polls >= 2) b.state = 'succeeded'
        return HttpResponse.json(binding(b.guid, b.state))
      }),
    )
    await bindOnce(capi(), bindBody, {clock: clock(), timeoutMs: 60_000})
    expect(bindings).toHaveLength(1)
    expect(bindings[0].state).toBe('succeeded')
  })

  it('a sidecar is found by name, not created twice', async () => {
    const sidecars: string[] = []
    server.use(
      http.post(`${API}/v3/apps/n1/sidecars`, async ({request}) => {
        sidecars.push(((await request.json()) as {name: string}).name)
        return lose()
      }),
      http.get(`${API}/v3/apps/n1/sidecars`, () => HttpResponse.json(page(sidecars.map((name, i) => ({...example('sidecar'), guid: `sc${i}`, name}))))),
    )
    const sc = await createSidecarOnce(capi(), 'n1', {name: 'envoy', command: 'envoy', process_types: ['web']})
    expect(sidecars).toEqual(['envoy'])
    expect(sc.name).toBe('envoy')
  })

  it('a manifest apply is applied again (it converges); a repeat that fails beside the lost one is applied once more', async () => {
    const applies: string[] = []
    const jobs: string[] = []
    server.use(
      http.post(`${API}/v3/spaces/s/actions/apply_manifest`, () => {
        applies.push('apply')
        if (applies.length === 1) return lose()
        return new HttpResponse(null, {status: 202, headers: {location: `${API}/v3/jobs/j${applies.length}`}})
      }),
      // the repeat ran beside the lost apply's job and failed (both creating one route); the next one converges
      http.get(`${API}/v3/jobs/:guid`, ({params}) => {
        jobs.push(String(params.guid))
        return HttpResponse.json(params.guid === 'j2' ? {...example('job_failed'), guid: 'j2'} : {...example('job'), guid: String(params.guid)})
      }),
    )
    await applyManifestOnce(capi(), 's', 'applications: [{name: web}]\n', {clock: clock()})
    expect(applies).toHaveLength(3)
    expect(jobs).toEqual(['j2', 'j3'])
  })

  it('a bits upload is not sent again once the package is processing it', async () => {
    let uploads = 0
    server.use(
      http.post(`${API}/v3/packages/p1/upload`, () => {
        uploads++
        return lose()
      }),
      http.get(`${API}/v3/packages/p1`, () => HttpResponse.json({...example('package'), guid: 'p1', state: 'PROCESSING_UPLOAD'})),
    )
    await uploadOnce(capi(), 'p1', Buffer.from('zip'), [])
    expect(uploads).toBe(1)
  })
})

describe('what a lost answer must not hide', () => {
  it('an upload the Cloud Controller never took (the package still AWAITING_UPLOAD) is sent again', async () => {
    let uploads = 0
    server.use(
      http.post(`${API}/v3/packages/p1/upload`, () =>
        ++uploads === 1 ? HttpResponse.error() : HttpResponse.json({...example('package'), guid: 'p1', state: 'PROCESSING_UPLOAD'}),
      ),
      http.get(`${API}/v3/packages/p1`, () => HttpResponse.json({...example('package'), guid: 'p1', state: 'AWAITING_UPLOAD'})),
    )
    await uploadOnce(capi(), 'p1', Buffer.from('zip'), [])
    expect(uploads).toBe(2)
  })

  it('a binding whose create failed is bound again (Cloud Controller replaces a failed one)', async () => {
    let posts = 0
    server.use(
      http.post(`${API}/v3/service_credential_bindings`, () =>
        ++posts === 1 ? HttpResponse.error() : HttpResponse.json(binding('b2', 'succeeded'), {status: 201}),
      ),
      http.get(`${API}/v3/service_credential_bindings`, () => HttpResponse.json(page(posts === 1 ? [binding('b1', 'failed')] : []))),
    )
    await bindOnce(capi(), bindBody, {clock: clock(), timeoutMs: 60_000})
    expect(posts).toBe(2)
  })

  it('an apply whose job fails without a lost answer before it is not repeated', async () => {
    let applies = 0
    server.use(
      http.post(`${API}/v3/spaces/s/actions/apply_manifest`, () => {
        applies++
        return new HttpResponse(null, {status: 202, headers: {location: `${API}/v3/jobs/j1`}})
      }),
      http.get(`${API}/v3/jobs/j1`, () => HttpResponse.json(example('job_failed'))),
    )
    await expect(applyManifestOnce(capi(), 's', 'applications: []\n', {clock: clock()})).rejects.toThrow(/something went wrong/)
    expect(applies).toBe(1)
  })

  it.each([
    {reason: 'CANCELED', value: 'FINALIZED', ok: true},
    {reason: 'CANCELING', value: 'ACTIVE', ok: true},
    {reason: 'DEPLOYED', value: 'FINALIZED', ok: false},
  ])('a cancel repeated after a lost answer gets a 422: a deployment now $reason is $reason (done: $ok)', async ({reason, value, ok}) => {
    let posts = 0
    server.use(
      http.post(`${API}/v3/deployments/dep1/actions/cancel`, () =>
        ++posts === 1
          ? HttpResponse.error()
          : HttpResponse.json(
              {errors: [{code: 10008, title: 'CF-UnprocessableEntity', detail: `Cannot cancel a deployment with status: ${value} and reason: ${reason}`}]},
              {status: 422},
            ),
      ),
      http.get(`${API}/v3/deployments/dep1`, () =>
        HttpResponse.json({...example('deployment'), guid: 'dep1', status: {...example('deployment').status, value, reason}}),
      ),
    )
    const done = cancelOnce(capi(), 'dep1')
    if (ok) await done
    else await expect(done).rejects.toThrow(/Cannot cancel a deployment/)
    expect(posts).toBe(2)
  })
})

const bindBody = {
  type: 'app' as const,
  relationships: {service_instance: {data: {guid: 'si1'}}, app: {data: {guid: 'n1'}}},
}

function binding(guid: string, state: string) {
  return {
    ...example('service_credential_binding'),
    guid,
    last_operation: {type: 'create', state, created_at: null, updated_at: null},
    relationships: {app: {data: {guid: 'n1'}}, service_instance: {data: {guid: 'si1'}}},
  }
}
