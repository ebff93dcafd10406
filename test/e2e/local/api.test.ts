/** UAA grants and errors, auth errors, pagination, filters, include, errors, jobs, rate limits and faults. */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {decodeJwt} from '../../../src/auth/jwt.js'
import {CapiClient} from '../../../src/capi/client.js'
import {CapiError} from '../../../src/capi/errors.js'
import {PasswordGrant, startTestFoundation, type TestFoundation, until} from './helpers.js'

let t: TestFoundation

beforeAll(async () => {
  t = await startTestFoundation()
  await t.lf.seed({
    orgs: [
      {
        name: 'pages-org',
        spaces: [
          {
            name: 'pages',
            apps: [
              ...['alpha', 'bravo', 'charlie', 'delta', 'echo', 'fox,trot'].map((name) => ({name, instances: 0, no_route: true})),
              {name: 'golf', instances: 0, no_route: true, labels: {tier: 'backend', env: 'prod'}},
            ],
          },
        ],
      },
    ],
  })
})
afterAll(() => t.stop())

const token = (body: string, headers: Record<string, string> = {authorization: 'Basic Y2Y6'}) =>
  fetch(`${t.lf.uaaUrl}/oauth/token`, {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded', ...headers}, body}).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as any,
  }))
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'))
const password = () => `grant_type=password&username=admin&password=${encodeURIComponent(t.lf.admin.password)}`

describe('UAA', () => {
  it("issues JWTs with the password grant (client cf, empty secret) that look like UAA's", async () => {
    const r = await token(password())
    expect(r.status).toBe(200)
    expect(r.body.token_type).toBe('bearer')
    expect(typeof r.body.refresh_token).toBe('string')
    const c = claims(r.body.access_token)
    expect(c).toMatchObject({user_name: 'admin', client_id: 'cf', cid: 'cf', grant_type: 'password', iss: `${t.lf.uaaUrl}/oauth/token`})
    expect(c.scope).toContain('cloud_controller.admin')
    expect(c.exp - c.iat).toBe(t.lf.faults.tokenLifetimeSec)
  })

  it('rotates refresh tokens: the new one works, the old one is refused', async () => {
    const first = await token(password())
    const second = await token(`grant_type=refresh_token&refresh_token=${first.body.refresh_token}`)
    expect(second.status).toBe(200)
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token)
    const reuse = await token(`grant_type=refresh_token&refresh_token=${first.body.refresh_token}`)
    expect(reuse.status).toBe(401)
    expect(reuse.body.error).toBe('invalid_token')
    expect((await token(`grant_type=refresh_token&refresh_token=${second.body.refresh_token}`)).status).toBe(200)
  })

  it('supports client_credentials with form fields, without a refresh token', async () => {
    const r = await token(`grant_type=client_credentials&client_id=${t.lf.ciClient.id}&client_secret=${t.lf.ciClient.secret}`, {})
    expect(r.status).toBe(200)
    expect(r.body.refresh_token).toBeUndefined()
    const c = claims(r.body.access_token)
    expect(c.user_name).toBeUndefined()
    expect(c.client_id).toBe(t.lf.ciClient.id)
    const res = await fetch(`${t.lf.apiUrl}/v3/apps`, {headers: {authorization: `bearer ${r.body.access_token}`}})
    expect(res.status).toBe(200)
  })

  it('answers OAuth errors', async () => {
    expect(await token('grant_type=password&username=admin&password=wrong')).toEqual({
      status: 401,
      body: {error: 'unauthorized', error_description: 'Bad credentials'},
    })
    expect((await token(password(), {authorization: `Basic ${Buffer.from('nobody:x').toString('base64')}`})).body.error).toBe('invalid_client')
    expect((await token('grant_type=magic')).body.error).toBe('unauthorized_client')
  })
})

describe('authentication', () => {
  it('401 CF-NotAuthenticated without a token, CF-InvalidAuthToken with a bad or expired one', async () => {
    const none = await fetch(`${t.lf.apiUrl}/v3/apps`)
    expect(none.status).toBe(401)
    expect(await none.json()).toEqual({errors: [{code: 10002, title: 'CF-NotAuthenticated', detail: 'Authentication error'}]})
    const bad = await fetch(`${t.lf.apiUrl}/v3/apps`, {headers: {authorization: 'bearer not.a.token'}})
    expect(bad.status).toBe(401)
    expect(((await bad.json()) as any).errors[0]).toMatchObject({code: 1000, title: 'CF-InvalidAuthToken'})

    await t.lf.setFaults({tokenLifetimeSec: 1})
    try {
      const grant = new PasswordGrant(t.lf)
      const short = await grant.authorization()
      // Wait for the token's own expiry (its exp claim), not for a guessed interval.
      const exp = decodeJwt(short.replace(/^bearer /i, ''))!.exp as number
      while (Date.now() < exp * 1000) await new Promise((r) => setTimeout(r, Math.max(10, exp * 1000 - Date.now())))
      const expired = await fetch(`${t.lf.apiUrl}/v3/apps`, {headers: {authorization: short}})
      expect(((await expired.json()) as any).errors[0].title).toBe('CF-InvalidAuthToken')
      // cfzd's client refreshes once on CF-InvalidAuthToken and replays.
      const capi = new CapiClient({apiUrl: t.lf.apiUrl, tokens: grant})
      expect((await capi.organizations.list()).length).toBeGreaterThan(0)
    } finally {
      await t.lf.setFaults({tokenLifetimeSec: 7199})
    }
  })

  it('serves /, /v3 and /v3/info without a token, with the UAA and router URLs', async () => {
    const root = (await (await fetch(`${t.lf.apiUrl}/`)).json()) as any
    expect(root.links.login.href).toBe(t.lf.uaaUrl)
    expect(root.links.uaa.href).toBe(t.lf.uaaUrl)
    expect(root.links.cloud_controller_v3.meta.version).toMatch(/^3\./)
    const info = (await (await fetch(`${t.lf.apiUrl}/v3/info`)).json()) as any
    expect(info.custom.cfzd_local.router_url).toBe(t.lf.routerUrl)
    expect((await fetch(`${t.lf.apiUrl}/v3`)).status).toBe(200)
  })
})

describe('lists', () => {
  it('paginates with absolute links that repeat the filters, following next to the end', async () => {
    const space = (await t.api('/v3/spaces?names=pages')).body.resources[0].guid
    const first = await t.api(`/v3/apps?space_guids=${space}&per_page=3`)
    expect(first.body.pagination).toMatchObject({total_results: 7, total_pages: 3, previous: null})
    expect(first.body.pagination.next.href).toBe(`${t.lf.apiUrl}/v3/apps?space_guids=${space}&page=2&per_page=3`)
    const names: string[] = []
    let next: string | null = first.body.pagination.first.href
    while (next) {
      const page = await t.api(next)
      names.push(...page.body.resources.map((a: {name: string}) => a.name))
      next = page.body.pagination.next?.href ?? null
    }
    expect(names).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo', 'fox,trot', 'golf'])
    const empty = await t.api(`/v3/apps?space_guids=${space}&per_page=3&page=9`)
    expect(empty.body.resources).toEqual([])
    const none = await t.api('/v3/apps?names=no-such-app')
    expect(none.body.pagination.total_pages).toBe(1)
  })

  it('rejects bad paging and unknown parameters with 400 CF-BadQueryParameter', async () => {
    for (const [q, detail] of [
      ['per_page=5001', 'Per page must be between 1 and 5000'],
      ['per_page=0', 'Per page must be a positive integer'],
      ['page=0', 'Page must be a positive integer'],
      ['order_by=color', "Order by can only be: 'created_at', 'updated_at', 'name', 'state'"],
      ['colour=red', "Unknown query parameter(s): 'colour'"],
    ]) {
      const r = await t.api(`/v3/apps?${q}`)
      expect(r.status).toBe(400)
      expect(r.body.errors[0].code).toBe(10005)
      expect(r.body.errors[0].title).toBe('CF-BadQueryParameter')
      expect(r.body.errors[0].detail).toContain(detail)
    }
    expect((await t.api('/v3/apps?per_page=5000')).status).toBe(200)
  })

  it('filters (case-insensitive names, ORed values, %2C, labels), orders and includes', async () => {
    const names = (r: {body: {resources: {name: string}[]}}) => r.body.resources.map((a) => a.name)
    expect(names(await t.api('/v3/apps?names=ALPHA,bravo'))).toEqual(['alpha', 'bravo'])
    expect(names(await t.api('/v3/apps?names=fox%2Ctrot'))).toEqual(['fox,trot'])
    expect(names(await t.api(`/v3/apps?label_selector=${encodeURIComponent('tier=backend,env in (prod,qa)')}`))).toEqual(['golf'])
    expect(names(await t.api(`/v3/apps?label_selector=${encodeURIComponent('!tier')}&names=alpha`))).toEqual(['alpha'])
    const desc = names(await t.api('/v3/apps?names=alpha,bravo,charlie&order_by=-name'))
    expect(desc).toEqual(['charlie', 'bravo', 'alpha'])
    const inc = await t.api('/v3/apps?names=alpha&include=space,space.organization')
    expect(inc.body.included.spaces.map((s: {name: string}) => s.name)).toEqual(['pages'])
    expect(inc.body.included.organizations.map((o: {name: string}) => o.name)).toEqual(['pages-org'])
    const nested = await t.api('/v3/apps?names=alpha&include=space.organization')
    expect(Object.keys(nested.body.included).sort()).toEqual(['organizations', 'spaces'])
    const one = await t.api(`/v3/apps/${inc.body.resources[0].guid}?include=space`)
    expect(one.body.included.spaces).toHaveLength(1)
  })
})

describe('errors, jobs and headers', () => {
  it('404 CF-ResourceNotFound for a missing resource, CF-NotFound for an unknown endpoint, X-VCAP-Request-ID everywhere', async () => {
    const r = await t.api('/v3/apps/nope')
    expect(r.status).toBe(404)
    expect(r.body).toEqual({errors: [{code: 10010, title: 'CF-ResourceNotFound', detail: 'App not found'}]})
    expect(r.headers.get('x-vcap-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect((await t.api('/v3/nothing')).body.errors[0].title).toBe('CF-NotFound')
    const err = await t.capi.apps.get('nope').catch((e: CapiError) => e)
    expect(err).toBeInstanceOf(CapiError)
    expect((err as CapiError).requestId).toBeDefined()
  })

  it('deletes an app through a job: 202 + Location, PROCESSING then COMPLETE', async () => {
    const space = (await t.api('/v3/spaces?names=pages')).body.resources[0].guid
    const app = await t.capi.apps.create({name: 'doomed', relationships: {space: {data: {guid: space}}}})
    const ref = await t.capi.apps.delete(app.guid)
    expect(ref.location).toMatch(new RegExp(`^${t.lf.apiUrl}/v3/jobs/`))
    const job = await t.capi.jobs.wait(ref)
    expect(job.operation).toBe('app.delete')
    expect(job.state).toBe('COMPLETE')
    expect((await t.api(`/v3/apps/${app.guid}`)).status).toBe(404)
  })

  it('logs every request with method, path, status and ms timestamps', async () => {
    const before = Date.now()
    await t.api('/v3/stacks?per_page=1')
    const entry = t.lf.requestLog.find((e) => e.path === '/v3/stacks?per_page=1' && e.at >= before)
    expect(entry).toMatchObject({method: 'GET', status: 200, kind: 'api'})
    const admin = await t.api(`/_local/requests?since=${before}&kind=api`)
    expect(admin.body.resources.some((e: {path: string}) => e.path === '/v3/stacks?per_page=1')).toBe(true)
  })
})

describe('rate limits and faults', () => {
  it('sends X-RateLimit-* headers and 429 with Retry-After when the limit is hit; / is exempt', async () => {
    await t.lf.setFaults({rateLimit: {limit: 5, windowSec: 60}})
    try {
      const statuses: number[] = []
      let last: Awaited<ReturnType<TestFoundation['api']>> | undefined
      for (let i = 0; i < 6; i++) {
        last = await t.api('/v3/stacks')
        statuses.push(last.status)
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
      expect(last!.headers.get('x-ratelimit-limit')).toBe('5')
      expect(last!.headers.get('x-ratelimit-remaining')).toBe('0')
      expect(Number(last!.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000)
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(last!.headers.get('content-type')).toMatch(/^text\/plain/)
      expect(JSON.parse(last!.text).errors[0]).toMatchObject({code: 10013, title: 'CF-RateLimitExceeded'})
      expect((await fetch(`${t.lf.apiUrl}/`)).status).toBe(200)
    } finally {
      await t.lf.setFaults({rateLimit: null})
    }
  })

  it('injects latency, 5xx and connection resets, limited to matching requests', async () => {
    await t.lf.setFaults({latencyMs: 80})
    const start = Date.now()
    await t.api('/v3/stacks')
    expect(Date.now() - start).toBeGreaterThanOrEqual(80)
    await t.lf.setFaults({latencyMs: 0, errorRate: 1, errorKinds: ['503'], errorPathPattern: '^GET /v3/stacks'})
    expect((await t.api('/v3/stacks')).status).toBe(503)
    expect((await t.api('/v3/buildpacks')).status).toBe(200)
    await t.lf.setFaults({errorKinds: ['reset']})
    await expect(t.api('/v3/stacks')).rejects.toThrow()
    expect(t.lf.requestLog.some((e) => e.injected === 'reset' && e.status === 0)).toBe(true)
    await t.lf.setFaults({errorRate: 0, errorPathPattern: null, errorKinds: ['503', 'reset']})
    expect((await t.api('/v3/stacks')).status).toBe(200)
  })

  it('takes the API down (connection refused) and brings it back', async () => {
    await t.lf.setFaults({apiDown: true})
    const err = await fetch(`${t.lf.apiUrl}/v3/info`).catch((e: Error & {cause?: {code?: string}}) => e)
    expect((err as Error & {cause?: {code?: string}}).cause?.code).toBe('ECONNREFUSED')
    await t.lf.setFaults({apiDown: false})
    expect((await fetch(`${t.lf.apiUrl}/v3/info`)).status).toBe(200)
    await t.lf.setFaults({apiDown: true, apiDownMs: 100})
    await until(async () => (await fetch(`${t.lf.apiUrl}/v3/info`).catch(() => undefined))?.status === 200, 5000, 20)
    expect(t.lf.faults.apiDown).toBe(false)
  })

  it('changes faults over HTTP with the admin endpoint', async () => {
    const r = await t.api('/_local/faults', {method: 'PATCH', body: {startupMs: 25}})
    expect(r.status).toBe(200)
    expect(r.body.startupMs).toBe(25)
    expect((await t.api('/_local/faults', {method: 'PATCH', body: {errorRate: 3}})).status).toBe(422)
    expect((await fetch(`${t.lf.apiUrl}/_local/faults`)).status).toBe(401)
  })
})
