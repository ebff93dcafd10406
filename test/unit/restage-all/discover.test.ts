import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {FakeClock} from '../../../src/clock.js'
import {discover, type DiscoverOptions} from '../../../src/restage-all/discover.js'
import {API, useMsw} from '../../helpers/msw.js'
import {bigWorld, serveWorld, type FakeWorld} from './fixtures.js'

const server = useMsw()

const rules = {buildpack: 'ruby_buildpack', all: false, includeStopped: false, venerableSuffix: '-venerable'}
const client = () => new CapiClient({apiUrl: API, clock: new FakeClock()})
const run = (o: Partial<DiscoverOptions> = {}) => discover(client(), {scope: {orgs: [], spaces: []}, rules, clock: new FakeClock(), ...o})

function small(): FakeWorld {
  return {
    orgs: [
      {guid: 'o1', name: 'acme'},
      {guid: 'o2', name: 'beta'},
    ],
    spaces: [
      {guid: 's1', name: 'prod', org: 'o1'},
      {guid: 's2', name: 'dev', org: 'o1'},
      {guid: 's3', name: 'prod', org: 'o2'},
    ],
    apps: [
      {guid: 'a1', name: 'shop', space: 's1', current: 'd1', labels: {team: 'pay'}},
      {guid: 'a2', name: 'blog', space: 's2', current: 'd2'},
      {guid: 'a3', name: 'api', space: 's3', current: 'd3', omitCurrent: true},
      {guid: 'a4', name: 'cron', space: 's3', current: 'd4', state: 'STOPPED'},
      {guid: 'a5', name: 'img', space: 's1', lifecycle: 'docker', current: 'd5'},
      {guid: 'a6', name: 'new', space: 's1', current: null},
    ],
    droplets: [
      {guid: 'd1', app: 'a1', createdAt: '2026-01-01T00:00:00Z', buildpacks: [{name: 'ruby_buildpack', buildpack_name: 'ruby', version: '1.8'}]},
      {guid: 'd2', app: 'a2', createdAt: '2026-01-01T00:00:00Z', buildpacks: [{name: 'go_buildpack'}]},
      {guid: 'd3', app: 'a3', createdAt: '2026-01-01T00:00:00Z', buildpacks: [{name: 'ruby_buildpack'}]},
      {guid: 'd4', app: 'a4', createdAt: '2026-01-01T00:00:00Z', buildpacks: [{name: 'ruby_buildpack'}]},
      {guid: 'd5', app: 'a5', createdAt: '2026-01-01T00:00:00Z', buildpacks: null, stack: null},
    ],
    buildpacks: [{name: 'ruby_buildpack', stack: 'cflinuxfs4', updatedAt: '2026-02-01T00:00:00Z'}],
  }
}

describe('discover', () => {
  it('finds 1,000 matching apps among 10,000 in a handful of requests', async () => {
    const log = serveWorld(server, bigWorld(10_000))
    const d = await run()
    const apiRequests = log.filter((l) => l.startsWith('GET /v3/'))
    // buildpacks 1 + apps 2 pages + droplets (≈20,000 STAGED) 4 pages, nothing per app.
    expect(d.requests).toBe(7)
    expect(apiRequests).toHaveLength(7)
    expect(apiRequests.filter((l) => /\/v3\/apps\/|\/v3\/droplets\//.test(l))).toEqual([])
    expect(apiRequests.every((l) => l.includes('per_page=5000'))).toBe(true)
    expect(apiRequests.filter((l) => l.startsWith('GET /v3/droplets?'))[0]).toContain('states=STAGED')
    expect(apiRequests.find((l) => l.startsWith('GET /v3/apps?'))).toContain('include=space,space.organization')
    expect(d.perAppRequests).toBe(0)
    expect(d.apps).toBe(10_000)
    expect(d.selected).toHaveLength(500)
    expect(d.skipped.filter((c) => c.decision.kind === 'skip' && c.decision.reason === 'up-to-date')).toHaveLength(500)
    expect(d.ignored).toEqual({'other-buildpack': 8960, docker: 20, 'no-droplet': 20})
  })

  it('--all over 10,000 apps takes the same handful, and selects every app of the buildpack', async () => {
    serveWorld(server, bigWorld(10_000))
    const d = await run({rules: {...rules, all: true}})
    expect(d.requests).toBe(7)
    expect(d.selected).toHaveLength(1000)
  })

  it('narrows by org and space with one request each, and lists apps and droplets in that scope only', async () => {
    const log = serveWorld(server, bigWorld(10_000))
    const d = await run({scope: {orgs: ['org1'], spaces: ['space2']}})
    expect(log[0]).toMatch(/^GET \/v3\/organizations\?.*names=org1/)
    expect(log[1]).toMatch(/^GET \/v3\/spaces\?.*names=space2&organization_guids=org-1/)
    expect(log.find((l) => l.startsWith('GET /v3/apps?'))).toContain('space_guids=space-1-2')
    expect(d.selected.every((c) => c.app.org === 'org1' && c.app.space === 'space2')).toBe(true)
    expect(d.apps).toBe(200)
    // 200 apps: their droplets by GUID (2 chunks of 100) beat listing the scope.
    expect(d.requests).toBeLessThanOrEqual(6)
  })

  it('resolves names, keeps app state, and reads per app only where current_droplet is absent', async () => {
    const log = serveWorld(server, small())
    const d = await run({rules: {...rules, includeStopped: true}})
    expect(d.selected.map((c) => `${c.app.org}/${c.app.space}/${c.app.name}`)).toEqual(['acme/prod/shop', 'beta/prod/api', 'beta/prod/cron'])
    expect(d.selected.find((c) => c.app.name === 'cron')!.app.state).toBe('STOPPED')
    expect(d.ignored).toEqual({'other-buildpack': 1, docker: 1, 'no-droplet': 1})
    expect(log.filter((l) => l.startsWith('GET /v3/apps/'))).toEqual(['GET /v3/apps/a3/droplets/current'])
    expect(d.perAppRequests).toBe(1)
    // Few apps: droplets by GUID in one request.
    expect(log.find((l) => l.startsWith('GET /v3/droplets?'))).toContain('guids=d1,d2,d4')
  })

  it.each([
    {name: 'included organizations only', over: {includeOrgsOnly: true}, extra: ['GET /v3/spaces?per_page=5000&order_by=name&guids=s1,s2,s3']},
    {
      name: 'nothing included',
      over: {noInclude: true},
      extra: ['GET /v3/spaces?per_page=5000&order_by=name&guids=s1,s2,s3', 'GET /v3/organizations?per_page=5000&order_by=name&guids=o1,o2'],
    },
  ])('names spaces and orgs that include did not bring, in bulk ($name)', async ({over, extra}) => {
    const log = serveWorld(server, {...small(), ...over})
    const d = await run()
    expect(d.selected.map((c) => `${c.app.org}/${c.app.space}/${c.app.name}`)).toEqual(['acme/prod/shop', 'beta/prod/api'])
    expect(log.filter((l) => /\/v3\/(spaces|organizations)\?/.test(l))).toEqual(extra)
  })

  it('reads a current droplet on its own when the bulk list does not have it', async () => {
    const w = small()
    w.droplets.find((d) => d.guid === 'd1')!.state = 'COPYING' // not listed under states=STAGED
    const big = bigWorld(10_000)
    big.apps.push(...w.apps.map((a) => ({...a, omitCurrent: false})))
    big.droplets.push(...w.droplets)
    big.spaces.push(...w.spaces)
    big.orgs.push(...w.orgs)
    const log = serveWorld(server, big)
    const d = await run()
    expect(log).toContain('GET /v3/droplets/d1')
    expect(d.selected.map((c) => c.app.name)).toContain('shop')
  })

  it('narrows by label selector', async () => {
    const log = serveWorld(server, small())
    const d = await run({scope: {orgs: [], spaces: [], labelSelector: 'team=pay'}})
    expect(log.find((l) => l.startsWith('GET /v3/apps?'))).toContain('label_selector=team%3Dpay')
    expect(d.selected.map((c) => c.app.name)).toEqual(['shop'])
  })

  it('refuses an org or space that does not exist, before listing anything', async () => {
    const log = serveWorld(server, small())
    await expect(run({scope: {orgs: ['nope'], spaces: []}})).rejects.toMatchObject({exitCode: 4, message: "Organization 'nope' not found."})
    await expect(run({scope: {orgs: ['acme'], spaces: ['prod', 'qa']}})).rejects.toMatchObject({exitCode: 4, message: "Space 'qa' not found in org 'acme'."})
    expect(log.some((l) => l.startsWith('GET /v3/apps'))).toBe(false)
  })

  it('--space without --org takes every space of that name', async () => {
    serveWorld(server, small())
    const d = await run({scope: {orgs: [], spaces: ['prod']}})
    expect(d.scope.spaces.map((s) => s.guid).sort()).toEqual(['s1', 's3'])
    expect(d.selected.map((c) => c.app.name)).toEqual(['shop', 'api'])
    expect(d.skipped.map((c) => [c.app.name, c.decision.kind === 'skip' && c.decision.reason])).toEqual([['cron', 'stopped']])
  })
})

describe('lean pages', () => {
  it('keep only what selection reads, and follow next', async () => {
    const {leanPages, LeanApp, APP_DROPS} = await import('../../../src/restage-all/lean.js')
    serveWorld(server, small())
    const pages = []
    for await (const p of leanPages(client(), '/v3/apps', {include: ['space', 'space.organization']}, LeanApp, APP_DROPS)) pages.push(p)
    expect(pages).toHaveLength(1)
    const shop = pages[0].resources.find((a) => a.name === 'shop') as Record<string, unknown>
    expect(shop).toEqual({
      guid: 'a1',
      name: 'shop',
      state: 'STARTED',
      lifecycle: {type: 'buildpack'},
      relationships: {space: {data: {guid: 's1'}}, current_droplet: {data: {guid: 'd1'}}},
    })
    expect(pages[0].included?.spaces?.map((s) => s.name).sort()).toEqual(['dev', 'prod', 'prod'])
  })

  it('refuse a page that is not what Cloud Controller sends', async () => {
    const {leanPages, LeanDroplet, DROPLET_DROPS} = await import('../../../src/restage-all/lean.js')
    server.use(http.get(`${API}/v3/droplets`, () => HttpResponse.json({pagination: {total_results: 1, total_pages: 1, next: null}, resources: [{guid: 'd1'}]})))
    const read = async () => {
      for await (const _ of leanPages(client(), '/v3/droplets', {}, LeanDroplet, DROPLET_DROPS)) void _
    }
    await expect(read()).rejects.toMatchObject({name: 'SchemaError', message: expect.stringContaining('resources[0].created_at')})
  })
})
