import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {FakeClock} from '../../../src/clock.js'
import {findShortfall, readHeadroom, type Headroom, type ReadCache} from '../../../src/strategies/quota.js'
import {example} from '../../helpers/check-msw.js'
import {API, useMsw} from '../../helpers/msw.js'

const room = (over: Partial<Headroom> = {}): Headroom => ({
  scope: 'space',
  name: 'dev',
  memory: {usedMb: 3072, limitMb: 4096},
  instances: {used: 6, limit: 10},
  ...over,
})

describe('findShortfall', () => {
  it('fits when there is room', () => {
    expect(findShortfall([room()], {memoryMb: 1024, instances: 4, purpose: 'x'})).toBeUndefined()
  })
  it('reports memory with the numbers', () => {
    expect(findShortfall([room()], {memoryMb: 1025, instances: 1, purpose: 'A rolling deployment'})).toMatch(
      /A rolling deployment needs 1025 MB more memory, but space 'dev' uses 3072 MB of its 4096 MB quota \(1024 MB free\)/,
    )
  })
  it('reports instances', () => {
    expect(findShortfall([room()], {memoryMb: 1, instances: 5, purpose: 'X'})).toMatch(/5 more instance\(s\).*6 of its 10/)
  })
  it('treats null limits as unlimited and checks the org too', () => {
    const unlimited = room({memory: {usedMb: 99_999, limitMb: null}, instances: {used: 999, limit: null}})
    const org = room({scope: 'organization', name: 'acme', memory: {usedMb: 100, limitMb: 200}})
    expect(findShortfall([unlimited], {memoryMb: 10_000, instances: 100, purpose: 'X'})).toBeUndefined()
    expect(findShortfall([unlimited, org], {memoryMb: 101, instances: 1, purpose: 'X'})).toMatch(/organization 'acme'/)
  })
})

describe('readHeadroom: requests', () => {
  const server = useMsw()
  const page = (x: object) => HttpResponse.json(x as Record<string, unknown>)
  const quota = (guid: string, memory: number | null) => ({
    ...example('space_quota'),
    guid,
    apps: {...example('space_quota').apps, total_memory_in_mb: memory, total_instances: null, per_process_memory_in_mb: null},
  })

  function serve(orgMemory: number | null) {
    const seen: string[] = []
    server.events.removeAllListeners()
    server.events.on('request:start', ({request}) => seen.push(new URL(request.url).pathname))
    server.use(
      http.get(`${API}/v3/spaces/s`, () =>
        page({...example('space'), guid: 's', name: 'dev', relationships: {organization: {data: {guid: 'o'}}, quota: {data: {guid: 'sq'}}}}),
      ),
      http.get(`${API}/v3/space_quotas/sq`, () => page(quota('sq', null))),
      http.get(`${API}/v3/spaces/s/usage_summary`, () => page(example('space_usage_summary'))),
      http.get(`${API}/v3/organizations/o`, () => page({...example('organization'), guid: 'o', name: 'acme', relationships: {quota: {data: {guid: 'oq'}}}})),
      http.get(`${API}/v3/organization_quotas/oq`, () => page({...quota('oq', orgMemory), relationships: undefined})),
      http.get(`${API}/v3/organizations/o/usage_summary`, () => page(example('space_usage_summary'))),
    )
    return seen
  }

  it('reads usage only where a quota has a limit to compare it with', async () => {
    const seen = serve(10_240)
    const {rooms} = await readHeadroom(new CapiClient({apiUrl: API, clock: new FakeClock()}), 's', 'o')
    expect(seen).toEqual(['/v3/spaces/s', '/v3/space_quotas/sq', '/v3/organizations/o', '/v3/organization_quotas/oq', '/v3/organizations/o/usage_summary'])
    expect(rooms.map((r) => [r.scope, r.memory.limitMb])).toEqual([
      ['space', null],
      ['organization', 10_240],
    ])
  })

  it('with a run cache, reads the space, organization and quotas once for many apps; usage each time', async () => {
    const seen = serve(10_240)
    const capi = new CapiClient({apiUrl: API, clock: new FakeClock()})
    const cache: ReadCache = new Map()
    for (let i = 0; i < 5; i++) await readHeadroom(capi, 's', 'o', cache)
    const count = (p: string) => seen.filter((x) => x === p).length
    expect([count('/v3/spaces/s'), count('/v3/space_quotas/sq'), count('/v3/organizations/o'), count('/v3/organization_quotas/oq')]).toEqual([1, 1, 1, 1])
    expect(count('/v3/organizations/o/usage_summary')).toBe(5)
    expect(count('/v3/spaces/s/usage_summary')).toBe(0)
  })
})
