import http2 from 'node:http'
import type {AddressInfo} from 'node:net'
import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {z} from 'zod'
import {CapiClient} from '../../../src/capi/client.js'
import {
  CapiError,
  CapiInvalidAuthToken,
  CapiNotFound,
  CapiRateLimited,
  CapiServerError,
  CapiUniquenessError,
  CapiUnprocessable,
  JobFailedError,
  NetworkError,
  SchemaError,
  TimeoutError,
  isAmbiguous,
} from '../../../src/capi/errors.js'
import {CapiHttp} from '../../../src/capi/http.js'
import {createOnce} from '../../../src/capi/reconcile.js'
import {FakeClock} from '../../../src/clock.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const envelope = (code: number, title: string, detail: string) => ({errors: [{code, title, detail}]})

function make(opts: Partial<ConstructorParameters<typeof CapiHttp>[0]> = {}) {
  const clock = new FakeClock()
  const warnings: string[] = []
  const traces: string[] = []
  const h = new CapiHttp({apiUrl: API, clock, random: () => 0.5, onWarning: (w) => warnings.push(w), trace: (t) => traces.push(t), ...opts})
  return {h, clock, warnings, traces, capi: new CapiClient(h)}
}

describe('error mapping', () => {
  it.each([
    {status: 404, body: envelope(10010, 'CF-ResourceNotFound', 'App not found'), cls: CapiNotFound},
    {status: 422, body: envelope(10008, 'CF-UnprocessableEntity', 'Cannot scale this process while a deployment is in flight.'), cls: CapiUnprocessable},
    {status: 422, body: envelope(10016, 'CF-UniquenessError', "App with the name 'x' already exists."), cls: CapiUniquenessError},
    {status: 401, body: envelope(1000, 'CF-InvalidAuthToken', 'Invalid Auth Token'), cls: CapiInvalidAuthToken},
  ])('$status $body.errors.0.title → $cls.name, with request id', async ({status, body, cls}) => {
    server.use(http.get(`${API}/v3/apps/x`, () => HttpResponse.json(body, {status, headers: {'X-VCAP-Request-ID': 'req-123'}})))
    const err = await make()
      .capi.apps.get('x')
      .catch((e) => e)
    expect(err).toBeInstanceOf(cls)
    expect(err).toBeInstanceOf(CapiError)
    expect(err.status).toBe(status)
    expect(err.title).toBe(body.errors[0].title)
    expect(err.code).toBe(body.errors[0].code)
    expect(err.detail).toBe(body.errors[0].detail)
    expect(err.requestId).toBe('req-123')
    expect(err.is(body.errors[0].title, body.errors[0].code)).toBe(true)
  })

  it('parses a 429 JSON body labelled text/plain, and plain-text gorouter pages', async () => {
    server.use(
      http.get(
        `${API}/v3/a`,
        () =>
          new HttpResponse(JSON.stringify(envelope(10013, 'CF-RateLimitExceeded', 'Rate Limit Exceeded')), {
            status: 429,
            headers: {'content-type': 'text/plain'},
          }),
      ),
      http.get(`${API}/v3/b`, () => new HttpResponse('502 Bad Gateway: Registered endpoint failed to handle the request.', {status: 502})),
    )
    const {h} = make({retry: {rateLimitRetries: 0, limit: 0}})
    const a = await h.request({path: '/v3/a'}).catch((e) => e)
    expect(a).toBeInstanceOf(CapiRateLimited)
    expect(a.title).toBe('CF-RateLimitExceeded')
    const b = await h.request({path: '/v3/b'}).catch((e) => e)
    expect(b).toBeInstanceOf(CapiServerError)
    expect(b.detail).toMatch(/Registered endpoint failed/)
  })
})

describe('retries', () => {
  it('retries an idempotent GET on 5xx with capped exponential backoff and jitter', async () => {
    let n = 0
    server.use(http.get(`${API}/v3/x`, () => (++n <= 3 ? new HttpResponse(null, {status: 503}) : HttpResponse.json({ok: true}))))
    const {h, clock} = make()
    const res = await h.request({path: '/v3/x'})
    expect(res.data).toEqual({ok: true})
    expect(n).toBe(4)
    // base 250 ms, doubling, jitter factor 0.75 with random()=0.5
    expect(clock.sleeps).toEqual([188, 375, 750])
  })

  it('gives up after the limit and surfaces the server error', async () => {
    let n = 0
    server.use(http.get(`${API}/v3/x`, () => (++n, new HttpResponse(null, {status: 500}))))
    const err = await make({retry: {limit: 2}})
      .h.request({path: '/v3/x'})
      .catch((e) => e)
    expect(err).toBeInstanceOf(CapiServerError)
    expect(n).toBe(3)
  })

  it('caps the backoff', () => {
    const {h} = make({retry: {baseMs: 1000, capMs: 3000}})
    expect(h.backoff(10)).toBeLessThanOrEqual(3000)
    expect(h.backoff(10)).toBeGreaterThanOrEqual(1500)
  })

  it('never retries a POST blindly after a 502: the error is ambiguous, for the caller to re-read', async () => {
    let n = 0
    server.use(http.post(`${API}/v3/deployments`, () => (++n, new HttpResponse(null, {status: 502}))))
    const err = await make()
      .h.request({method: 'POST', path: '/v3/deployments', json: {}})
      .catch((e) => e)
    expect(n).toBe(1)
    expect(isAmbiguous(err)).toBe(true)
  })

  it('retries any POST after a 503 (turned away unprocessed)', async () => {
    let n = 0
    server.use(http.post(`${API}/v3/deployments`, () => (++n < 3 ? new HttpResponse(null, {status: 503}) : HttpResponse.json({}, {status: 201}))))
    await make().h.request({method: 'POST', path: '/v3/deployments', json: {}})
    expect(n).toBe(3)
  })

  it('retries a POST marked idempotent', async () => {
    let n = 0
    server.use(http.post(`${API}/v3/apps/a/actions/start`, () => (++n < 2 ? new HttpResponse(null, {status: 502}) : HttpResponse.json({}))))
    await make().h.request({method: 'POST', path: '/v3/apps/a/actions/start', idempotent: true})
    expect(n).toBe(2)
  })

  it('waits for Retry-After on 429, for any method', async () => {
    let n = 0
    server.use(
      http.post(`${API}/v3/builds`, () =>
        ++n === 1
          ? HttpResponse.json(envelope(10013, 'CF-RateLimitExceeded', 'Rate Limit Exceeded'), {status: 429, headers: {'Retry-After': '7'}})
          : HttpResponse.json({ok: 1}),
      ),
    )
    const {h, clock} = make()
    await h.request({method: 'POST', path: '/v3/builds', json: {}})
    expect(n).toBe(2)
    expect(clock.sleeps).toEqual([7000])
  })

  it('waits until X-RateLimit-Reset when there is no Retry-After, and says so', async () => {
    const {h, clock, warnings} = make()
    const reset = Math.floor(clock.now() / 1000) + 30
    let n = 0
    server.use(
      http.get(`${API}/v3/x`, () =>
        ++n === 1 ? new HttpResponse('{}', {status: 429, headers: {'X-RateLimit-Reset': String(reset), 'X-RateLimit-Remaining': '0'}}) : HttpResponse.json({}),
      ),
    )
    await h.request({path: '/v3/x'})
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(29_000)
    expect(clock.sleeps[0]).toBeLessThanOrEqual(31_000)
    expect(warnings.join('\n')).toMatch(/Rate limited/)
  })

  it('reports X-RateLimit-* to the caller', async () => {
    const seen: unknown[] = []
    server.use(
      http.get(`${API}/v3/x`, () =>
        HttpResponse.json({}, {headers: {'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '40', 'X-RateLimit-Reset': '1700000000'}}),
      ),
    )
    await make({onRateLimit: (i) => seen.push(i)}).h.request({path: '/v3/x'})
    expect(seen).toEqual([{limit: 100, remaining: 40, resetAt: 1_700_000_000_000}])
  })

  it('an API that has answered and then refuses connections is retried for a while, POSTs too (nothing was sent)', async () => {
    const server = http2.createServer((_req, res) => res.end('{}'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    let sleeps = 0
    const clock = new FakeClock()
    const sleep = clock.sleep.bind(clock)
    clock.sleep = async (ms, signal) => {
      // back after the third wait
      if (++sleeps === 3) await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
      return sleep(ms, signal)
    }
    const warnings: string[] = []
    const h = new CapiHttp({apiUrl: `http://127.0.0.1:${port}`, clock, random: () => 0.5, onWarning: (w) => warnings.push(w)})
    await h.request({path: '/v3'})
    await new Promise<void>((r) => server.close(() => r()))
    await h.request({method: 'POST', path: '/v3/deployments', json: {}})
    server.close()
    expect(sleeps).toBe(3)
    expect(clock.sleeps.every((ms) => ms <= 2000)).toBe(true)
    expect(warnings).toEqual(['The Cloud Controller is not answering (ECONNREFUSED): retrying for up to 60s'])
  })

  it('gives up after unreachableMs; an API that never answered fails at once', async () => {
    const never = new CapiHttp({apiUrl: 'http://127.0.0.1:1', clock: new FakeClock(), retry: {limit: 0}})
    expect((await never.request({path: '/v3'}).catch((e) => e)).code).toBe('ECONNREFUSED')
    const server = http2.createServer((_req, res) => res.end('{}'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const clock = new FakeClock()
    const h = new CapiHttp({apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, clock, retry: {limit: 0, unreachableMs: 10_000}})
    await h.request({path: '/v3'})
    await new Promise<void>((r) => server.close(() => r()))
    const started = clock.now()
    const err = await h.request({path: '/v3/apps'}).catch((e) => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect(clock.now() - started).toBeGreaterThanOrEqual(10_000)
    expect(clock.now() - started).toBeLessThan(13_000)
  })

  it('turns network failures into NetworkError; a refused connection is not ambiguous', async () => {
    const h = new CapiHttp({apiUrl: 'http://127.0.0.1:1', clock: new FakeClock(), retry: {limit: 1}})
    const err = await h.request({method: 'POST', path: '/v3/x', json: {}}).catch((e) => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.code).toBe('ECONNREFUSED')
    expect(err.ambiguous).toBe(false)
  })
})

describe('warnings, schemas and tracing', () => {
  it('decodes X-Cf-Warnings', async () => {
    server.use(http.get(`${API}/v3/x`, () => HttpResponse.json({}, {headers: {'X-Cf-Warnings': 'Deprecated%20field%2C%20use%20y,Second%20one'}})))
    const {h, warnings} = make()
    await h.request({path: '/v3/x'})
    expect(warnings).toEqual(['Deprecated field, use y', 'Second one'])
  })

  it('names the field when a response fails its schema', async () => {
    server.use(
      http.get(`${API}/v3/apps/x`, () =>
        HttpResponse.json({
          guid: 'x',
          name: 'a',
          state: 'SLEEPING',
          created_at: '',
          updated_at: '',
          lifecycle: {type: 'buildpack', data: {}},
          relationships: {space: {data: {guid: 's'}}},
        }),
      ),
    )
    const err = await make()
      .capi.apps.get('x')
      .catch((e) => e)
    expect(err).toBeInstanceOf(SchemaError)
    expect(err.message).toMatch(/GET \/v3\/apps\/x/)
    expect(err.message).toMatch(/state/)
  })

  it('tolerates unknown fields', async () => {
    server.use(http.get(`${API}/v3/x`, () => HttpResponse.json({a: 1, brand_new: {x: 1}})))
    const res = await make().h.request({path: '/v3/x', schema: z.object({a: z.number()})})
    expect(res.data).toEqual({a: 1})
  })

  it('traces requests and responses with secrets redacted', async () => {
    server.use(
      http.post(`${API}/v3/x`, () => HttpResponse.json({access_token: 'SECRET-ACCESS', refresh_token: 'SECRET-REFRESH', nested: {password: 'SECRET-PW'}})),
    )
    const tokens = {authorization: async () => 'bearer SECRET-JWT', refresh: async () => 'bearer SECRET-JWT2'}
    const {h, traces} = make({tokens})
    await h.request({method: 'POST', path: '/v3/x', json: {client_secret: 'SECRET-CLIENT', name: 'visible'}})
    const text = traces.join('\n')
    expect(text).toMatch(/POST https:\/\/api\.example\.test\/v3\/x/)
    expect(text).toMatch(/visible/)
    expect(text).not.toMatch(/SECRET/)
    expect(text).toMatch(/PRIVATE DATA HIDDEN/)
  })

  it("traces an app's and a revision's variable names but not their values", async () => {
    server.use(
      http.get(`${API}/v3/revisions/r1/environment_variables`, () => HttpResponse.json({var: {DB_URL: 'SECRET-DB', PORT_COUNT: 3}, links: {}})),
      http.post(`${API}/v3/apps`, () => HttpResponse.json({guid: 'a1'}, {status: 201})),
    )
    const {h, traces} = make()
    await h.request({method: 'POST', path: '/v3/apps', json: {name: 'visible', environment_variables: {API_KEY: 'SECRET-KEY'}}})
    await h.request({path: '/v3/revisions/r1/environment_variables'})
    const text = traces.join('\n')
    expect(text).toMatch(/DB_URL/)
    expect(text).toMatch(/API_KEY/)
    expect(text).toMatch(/visible/)
    expect(text).not.toMatch(/SECRET/)
  })

  it('refreshes once on 401 CF-InvalidAuthToken and replays', async () => {
    let calls = 0
    let refreshes = 0
    server.use(
      http.get(`${API}/v3/x`, ({request}) => {
        calls++
        return request.headers.get('authorization') === 'bearer new'
          ? HttpResponse.json({ok: true})
          : HttpResponse.json(envelope(1000, 'CF-InvalidAuthToken', 'Invalid Auth Token'), {status: 401})
      }),
    )
    let current = 'bearer old'
    const tokens = {authorization: async () => current, refresh: async () => (refreshes++, (current = 'bearer new'))}
    const res = await make({tokens}).h.request({path: '/v3/x'})
    expect(res.data).toEqual({ok: true})
    expect(calls).toBe(2)
    expect(refreshes).toBe(1)
  })
})

describe('jobs', () => {
  const job = (state: string, extra: object = {}) => ({
    guid: 'j1',
    created_at: '',
    updated_at: '',
    operation: 'app.delete',
    state,
    errors: [],
    warnings: [],
    ...extra,
  })

  it('polls a Location until COMPLETE', async () => {
    let n = 0
    server.use(
      http.delete(`${API}/v3/apps/a`, () => new HttpResponse(null, {status: 202, headers: {Location: `${API}/v3/jobs/j1`}})),
      http.get(`${API}/v3/jobs/j1`, () => HttpResponse.json(job(++n < 3 ? 'PROCESSING' : 'COMPLETE'))),
    )
    const {capi} = make()
    const done = await capi.jobs.wait(await capi.apps.delete('a'))
    expect(done.state).toBe('COMPLETE')
    expect(n).toBe(3)
  })

  it('throws the job error when FAILED, and passes warnings on', async () => {
    server.use(
      http.get(`${API}/v3/jobs/j1`, () =>
        HttpResponse.json(
          job('FAILED', {errors: [{code: 10008, title: 'CF-UnprocessableEntity', detail: 'something went wrong'}], warnings: [{detail: 'careful'}]}),
        ),
      ),
    )
    const warnings: string[] = []
    const err = await make()
      .capi.jobs.wait(`${API}/v3/jobs/j1`, {onWarning: (w) => warnings.push(w)})
      .catch((e) => e)
    expect(err).toBeInstanceOf(JobFailedError)
    expect(err.message).toBe('something went wrong')
    expect(warnings).toEqual(['careful'])
  })

  it('times out on the injected clock', async () => {
    server.use(http.get(`${API}/v3/jobs/j1`, () => HttpResponse.json(job('PROCESSING'))))
    const err = await make()
      .capi.jobs.wait(`${API}/v3/jobs/j1`, {timeoutMs: 10_000})
      .catch((e) => e)
    expect(err).toBeInstanceOf(TimeoutError)
  })
})

describe('createOnce', () => {
  it('adopts what an ambiguous POST created instead of creating it twice', async () => {
    let creates = 0
    const made = await createOnce(
      async () => {
        creates++
        throw new NetworkError('socket hang up', {code: 'ECONNRESET', ambiguous: true})
      },
      async () => ({guid: 'existing'}),
    )
    expect(made).toEqual({guid: 'existing'})
    expect(creates).toBe(1)
  })

  it('tries again when nothing was created, and does not swallow clear errors', async () => {
    let creates = 0
    const made = await createOnce(
      async () => {
        if (++creates === 1) throw new NetworkError('reset', {code: 'ECONNRESET', ambiguous: true})
        return {guid: 'new'}
      },
      async () => undefined,
    )
    expect(made).toEqual({guid: 'new'})
    await expect(
      createOnce(
        async () => Promise.reject(new CapiUnprocessable(422, [])),
        async () => ({guid: 'x'}),
      ),
    ).rejects.toBeInstanceOf(CapiUnprocessable)
  })
})
