import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {FakeClock} from '../../../src/clock.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()

function app(guid: string, name: string) {
  return {
    guid,
    name,
    state: 'STARTED',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    lifecycle: {type: 'buildpack', data: {buildpacks: [], stack: 'cflinuxfs4'}},
    relationships: {space: {data: {guid: 's1'}}, current_droplet: {data: null}},
    metadata: {labels: {}, annotations: {}},
  }
}

describe('pagination', () => {
  it('follows pagination.next.href and asks for per_page=5000', async () => {
    const seen: string[] = []
    server.use(
      http.get(`${API}/v3/apps`, ({request}) => {
        const url = new URL(request.url)
        seen.push(url.search)
        const page = Number(url.searchParams.get('page') ?? 1)
        const next = page < 3 ? {href: `${API}/v3/apps?page=${page + 1}&per_page=5000&space_guids=s1`} : null
        return HttpResponse.json({
          pagination: {total_results: 3, total_pages: 3, first: {href: ''}, last: {href: ''}, next, previous: null},
          resources: [app(`g${page}`, `app${page}`)],
        })
      }),
    )
    const client = new CapiClient({apiUrl: API, clock: new FakeClock()})
    const names: string[] = []
    for await (const a of client.apps.list({space_guids: ['s1']})) names.push(a.name)
    expect(names).toEqual(['app1', 'app2', 'app3'])
    expect(seen[0]).toContain('per_page=5000')
    expect(seen[0]).toContain('space_guids=s1')
    expect(seen).toHaveLength(3)
  })
})
