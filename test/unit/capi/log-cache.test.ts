import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {LogCacheError, toLogLine} from '../../../src/capi/log-cache.js'
import {FakeClock} from '../../../src/clock.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const LOG_CACHE = 'https://log-cache.example.test'
const APP = '6f1b8c1e-2f0b-4a8e-9d55-1a2b3c4d5e6f'
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
const root = (logCache: string | null = LOG_CACHE) =>
  http.get(`${API}/`, () => HttpResponse.json({links: {self: {href: API}, log_cache: logCache ? {href: logCache} : null}}))

function make() {
  const clock = new FakeClock()
  const tokens = {authorization: async () => 'bearer JWT', refresh: async () => 'bearer JWT2'}
  return {clock, capi: new CapiClient({apiUrl: API, clock, tokens, random: () => 0.5})}
}

/** Newest first, as log-cache answers `descending=true`. */
const batch = {
  envelopes: {
    batch: [
      {
        timestamp: '1764968402000000000',
        source_id: APP,
        instance_id: '1',
        tags: {source_type: 'APP/PROC/WEB'},
        log: {payload: b64('Error: boom\n'), type: 'ERR'},
      },
      {timestamp: '1764968401500000000', source_id: APP, instance_id: '0', tags: {source_type: 'RTR'}, gauge: {metrics: {}}},
      {timestamp: '1764968401000000000', source_id: APP, tags: {source_type: 'STG'}, log: {payload: b64('-----> Installing node')}},
    ],
  },
}

describe('log-cache client', () => {
  it('finds the endpoint at the root log_cache link and reads like cf logs --recent: bearer token, LOG, newest 1000, descending', async () => {
    const seen: URL[] = []
    const auth: (string | null)[] = []
    server.use(
      root(),
      http.get(`${LOG_CACHE}/api/v1/read/:id`, ({request}) => {
        seen.push(new URL(request.url))
        auth.push(request.headers.get('authorization'))
        return HttpResponse.json(batch)
      }),
    )
    const {capi} = make()
    const lines = await capi.logCache.recent(APP)
    expect(seen[0].pathname).toBe(`/api/v1/read/${APP}`)
    expect(Object.fromEntries(seen[0].searchParams)).toEqual({start_time: '0', limit: '1000', envelope_types: 'LOG', descending: 'true'})
    expect(auth).toEqual(['bearer JWT'])
    // Oldest first; the gauge is skipped; protojson defaults (type OUT, no instance id) filled in; base64 decoded, newline trimmed.
    expect(lines).toEqual([
      {timestamp: '2025-12-05T21:00:01.000Z', sourceType: 'STG', instanceId: '', type: 'OUT', message: '-----> Installing node'},
      {timestamp: '2025-12-05T21:00:02.000Z', sourceType: 'APP/PROC/WEB', instanceId: '1', type: 'ERR', message: 'Error: boom'},
    ])
    // The endpoint is read once.
    await capi.logCache.recent(APP)
    expect(seen).toHaveLength(2)
  })

  it('halves the limit while log-cache answers 429, as the cf CLI does', async () => {
    const limits: string[] = []
    server.use(
      root(),
      http.get(`${LOG_CACHE}/api/v1/read/:id`, ({request}) => {
        const limit = new URL(request.url).searchParams.get('limit')!
        limits.push(limit)
        return Number(limit) > 250 ? HttpResponse.json({}, {status: 429, headers: {'retry-after': '0'}}) : HttpResponse.json(batch)
      }),
    )
    const {capi} = make()
    expect(await capi.logCache.recent(APP)).toHaveLength(2)
    // Each limit is retried by the transport's rate-limit policy first, then halved.
    expect([...new Set(limits)]).toEqual(['1000', '500', '250'])
  })

  it('retries a 503 with the project retry policy (backoff on the injected clock)', async () => {
    let n = 0
    server.use(
      root(),
      http.get(`${LOG_CACHE}/api/v1/read/:id`, () => (++n < 3 ? new HttpResponse('no', {status: 503}) : HttpResponse.json({envelopes: {}}))),
    )
    const {capi, clock} = make()
    expect(await capi.logCache.recent(APP)).toEqual([])
    expect(n).toBe(3)
    expect(clock.sleeps).toHaveLength(2)
  })

  it('says what went wrong: no log_cache link, or an HTTP error after the retries', async () => {
    server.use(root(null))
    await expect(make().capi.logCache.recent(APP)).rejects.toThrow(
      new LogCacheError('the API does not advertise a log-cache endpoint (no log_cache link in GET /)'),
    )
    server.use(
      root(),
      http.get(`${LOG_CACHE}/api/v1/read/:id`, () => HttpResponse.json({code: 7, message: 'not allowed'}, {status: 403})),
    )
    const err = await make()
      .capi.logCache.recent(APP)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LogCacheError)
    expect((err as Error).message).toBe('log-cache answered HTTP 403')
  })

  it('toLogLine: only LOG envelopes become lines', () => {
    expect(toLogLine({timestamp: '1', counter: {name: 'x'}})).toEqual([])
    expect(toLogLine({log: {}})).toEqual([{timestamp: '1970-01-01T00:00:00.000Z', sourceType: '', instanceId: '', type: 'OUT', message: ''}])
  })
})
