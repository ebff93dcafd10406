import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {decodeJwt, expiresAt, stripBearer} from '../../../src/auth/jwt.js'
import {SESSION_EXPIRED, TokenManager, type Tokens} from '../../../src/auth/tokens.js'
import {UaaClient} from '../../../src/auth/uaa.js'
import {CapiClient} from '../../../src/capi/client.js'
import {UaaError} from '../../../src/capi/errors.js'
import {FakeClock} from '../../../src/clock.js'
import {ExitCode, NotLoggedInError} from '../../../src/errors.js'
import {API, useMsw} from '../../helpers/msw.js'
import {LOGIN, T0, clientToken, form, jwt, tokenResponse, userToken} from './fixtures.js'

const server = useMsw()

function app(guid: string) {
  return {
    guid,
    name: `app-${guid}`,
    state: 'STARTED',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    lifecycle: {type: 'buildpack', data: {buildpacks: [], stack: 'cflinuxfs4'}},
    relationships: {space: {data: {guid: 's1'}}, current_droplet: {data: null}},
    metadata: {labels: {}, annotations: {}},
  }
}

/** A UAA that counts token requests and answers each refresh with a fresh token. */
function fakeUaa(opts: {rotate?: boolean; ttl?: number; gate?: Promise<unknown>} = {}) {
  const calls: {auth: string | null; body: Record<string, string>}[] = []
  server.use(
    http.post(`${LOGIN}/oauth/token`, async ({request}) => {
      const body = await form(request)
      calls.push({auth: request.headers.get('authorization'), body})
      if (opts.gate) await opts.gate
      const n = calls.length
      const access =
        body.grant_type === 'client_credentials'
          ? clientToken(body.client_id, {iat: T0 + n * 1000, ttl: opts.ttl})
          : userToken('alice', {iat: T0 + n * 1000, ttl: opts.ttl, jti: `new-${n}`})
      return HttpResponse.json(tokenResponse(access, body.grant_type === 'refresh_token' && opts.rotate !== false ? `refresh-${n + 1}` : undefined))
    }),
  )
  return calls
}

function manager(clock: FakeClock, opts: Partial<ConstructorParameters<typeof TokenManager>[0]> = {}) {
  return new TokenManager({
    uaa: new UaaClient({authorizationEndpoint: LOGIN, clock}),
    accessToken: `bearer ${userToken('alice', {iat: T0 - 60_000, ttl: 600})}`,
    refreshToken: 'refresh-1',
    clock,
    ...opts,
  })
}

describe('jwt', () => {
  it('decodes the payload without verifying, tolerating a bearer prefix', () => {
    const token = userToken('marissa', {revocable: true})
    expect(decodeJwt(`bearer ${token}`)).toMatchObject({user_name: 'marissa', client_id: 'cf', revocable: true})
    expect(decodeJwt(`Bearer  ${token}`)?.user_name).toBe('marissa')
    expect(expiresAt(token)).toBe(T0 + 600_000)
    expect(stripBearer('bearer abc')).toBe('abc')
  })

  it('returns undefined for opaque or garbled tokens', () => {
    expect(decodeJwt('bearer 7a1e5c2b9d3f4e60a8b1c2d3e4f5a6b7')).toBeUndefined()
    expect(decodeJwt('a.%%%.c')).toBeUndefined()
    expect(decodeJwt(`x.${Buffer.from('"just a string"').toString('base64url')}.y`)).toBeUndefined()
    expect(decodeJwt('')).toBeUndefined()
    expect(expiresAt(jwt({user_name: 'no-exp'}))).toBeUndefined()
  })

  it('decodes the UAA documentation sample', () => {
    const sample =
      'eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJiYzNlNzQ1Ni05MWY1LTQ5NjEtYjg4ZC1kYjcwNTYyNmJhNzciLCJzdWIiOiI3Zjc5MWVhOS05OWI5LTQyM2QtOTg4Yi05MzFmMDIyMmE3OWYiLCJzY29wZSI6WyJjbG91ZF9jb250cm9sbGVyLnJlYWQiLCJjbG91ZF9jb250cm9sbGVyLndyaXRlIiwib3BlbmlkIiwicGFzc3dvcmQud3JpdGUiLCJzY2ltLnVzZXJpZHMiXSwiY2xpZW50X2lkIjoiYXBwIiwiY2lkIjoiYXBwIiwiZ3JhbnRfdHlwZSI6InBhc3N3b3JkIiwidXNlcl9pZCI6IjdmNzkxZWE5LTk5YjktNDIzZC05ODhiLTkzMWYwMjIyYTc5ZiIsInVzZXJfbmFtZSI6Im1hcmlzc2EiLCJlbWFpbCI6Im1hcmlzc2FAdGVzdC5vcmciLCJpYXQiOjE0MDY1Njg5MzUsImV4cCI6MTQwNjYxMjEzNSwiaXNzIjoiaHR0cDovL2xvY2FsaG9zdDo4MDgwL3VhYS9vYXV0aC90b2tlbiIsImF1ZCI6WyJzY2ltIiwib3BlbmlkIiwiY2xvdWRfY29udHJvbGxlciIsInBhc3N3b3JkIl19.ZOhp7HmYF0ufvxXrkut40eHZbHFzAb5EETT2NL7n2Cs'
    expect(decodeJwt(sample)).toMatchObject({exp: 1406612135, user_name: 'marissa', client_id: 'app', jti: 'bc3e7456-91f5-4961-b88d-db705626ba77'})
  })
})

describe('TokenManager: proactive refresh', () => {
  it('uses the current token while it has more than 60 s left', async () => {
    const clock = new FakeClock(T0)
    const calls = fakeUaa()
    const tokens = manager(clock)
    expect(await tokens.authorization()).toBe(`bearer ${userToken('alice', {iat: T0 - 60_000, ttl: 600})}`)
    clock.advance(478_000) // 62 s left
    await tokens.authorization()
    expect(calls).toHaveLength(0)
  })

  it('refreshes first when the token expires in under 60 s', async () => {
    const clock = new FakeClock(T0)
    const calls = fakeUaa()
    const tokens = manager(clock)
    clock.advance(481_000) // 59 s left
    const header = await tokens.authorization()
    expect(calls).toHaveLength(1)
    expect(calls[0]).toEqual({auth: 'Basic Y2Y6', body: {grant_type: 'refresh_token', refresh_token: 'refresh-1'}})
    expect(decodeJwt(header)?.jti).toBe('new-1')
    expect(header).toMatch(/^bearer ey/)
    expect(tokens.tokens.refreshToken).toBe('refresh-2')
    // the new token is good for a while: no second refresh
    await tokens.authorization()
    expect(calls).toHaveLength(1)
  })

  it('refreshes first when the token cannot be decoded, then trusts expires_in', async () => {
    const clock = new FakeClock(T0)
    server.use(http.post(`${LOGIN}/oauth/token`, () => HttpResponse.json(tokenResponse('opaque-access-2', 'refresh-2'))))
    const tokens = manager(clock, {accessToken: 'bearer opaque-access-1'})
    expect(tokens.needsRefresh()).toBe(true)
    expect(await tokens.authorization()).toBe('bearer opaque-access-2')
    expect(tokens.needsRefresh()).toBe(false) // expires_in 599
    clock.advance(540_000)
    expect(tokens.needsRefresh()).toBe(true)
  })

  it('does not refresh a token issued for under two minutes before every request', () => {
    const clock = new FakeClock(T0)
    const tokens = manager(clock, {accessToken: `bearer ${userToken('alice', {iat: T0, ttl: 40})}`})
    expect(tokens.needsRefresh()).toBe(false) // margin is half the lifetime: 20 s
    clock.advance(21_000)
    expect(tokens.needsRefresh()).toBe(true)
  })

  it('shares one refresh among concurrent callers of authorization()', async () => {
    const clock = new FakeClock(T0 + 560_000)
    const calls = fakeUaa()
    const tokens = manager(clock)
    const headers = await Promise.all(Array.from({length: 10}, () => tokens.authorization()))
    expect(calls).toHaveLength(1)
    expect(new Set(headers).size).toBe(1)
  })
})

describe('TokenManager: refresh on 401 CF-InvalidAuthToken', () => {
  const invalidToken = () => HttpResponse.json({errors: [{code: 1000, title: 'CF-InvalidAuthToken', detail: 'Invalid Auth Token'}]}, {status: 401})

  it('N concurrent CAPI requests that all get 401 cause exactly one refresh, and all succeed', async () => {
    const N = 8
    const clock = new FakeClock(T0)
    let rejected = 0
    let allRejected!: () => void
    const gate = new Promise<void>((resolve) => (allRejected = resolve))
    // UAA answers only once every request has been turned away, so all N really are concurrent
    const calls = fakeUaa({gate})
    const stale = `bearer ${userToken('alice', {iat: T0 - 60_000, ttl: 600})}` // not expired by its claims, yet revoked
    const seen: string[] = []
    server.use(
      http.get(`${API}/v3/apps/:guid`, ({request, params}) => {
        const auth = request.headers.get('authorization') ?? ''
        seen.push(auth)
        if (auth === stale) {
          if (++rejected === N) allRejected()
          return invalidToken()
        }
        return HttpResponse.json(app(String(params.guid)))
      }),
    )
    const rotations: Tokens[] = []
    const tokens = manager(clock, {accessToken: stale, onRotate: (t) => void rotations.push(t)})
    const capi = new CapiClient({apiUrl: API, tokens, clock})

    const apps = await Promise.all(Array.from({length: N}, (_, i) => capi.apps.get(`g${i}`)))

    expect(apps.map((a) => a.guid)).toEqual(Array.from({length: N}, (_, i) => `g${i}`))
    expect(calls).toHaveLength(1)
    expect(rejected).toBe(N)
    expect(seen).toHaveLength(2 * N)
    expect(new Set(seen.slice(N)).size).toBe(1)
    expect(rotations).toHaveLength(1)
    expect(rotations[0].refreshToken).toBe('refresh-2')
  })

  it('gives a caller whose failed header is older than the current one the current one, without a UAA call', async () => {
    const clock = new FakeClock(T0)
    const calls = fakeUaa()
    const tokens = manager(clock)
    const old = await tokens.authorization()
    const fresh = await tokens.refresh(old)
    expect(calls).toHaveLength(1)
    expect(await tokens.refresh(old)).toBe(fresh)
    expect(calls).toHaveLength(1)
    // the current header failing does refresh again
    await tokens.refresh(fresh)
    expect(calls).toHaveLength(2)
  })

  it('keeps the refresh token when UAA does not rotate it', async () => {
    const clock = new FakeClock(T0)
    fakeUaa({rotate: false})
    const tokens = manager(clock)
    await tokens.refresh()
    expect(tokens.tokens.refreshToken).toBe('refresh-1')
  })
})

describe('TokenManager: grants and expired sessions', () => {
  it('re-runs client_credentials with the secret kept in memory', async () => {
    const clock = new FakeClock(T0)
    const calls = fakeUaa()
    const tokens = manager(clock, {
      accessToken: `bearer ${clientToken('deployer', {iat: T0 - 600_000, ttl: 600})}`,
      refreshToken: '',
      grantType: 'client_credentials',
      clientId: 'deployer',
      clientSecret: 'shh',
    })
    const header = await tokens.authorization()
    expect(calls).toEqual([{auth: null, body: {grant_type: 'client_credentials', client_id: 'deployer', client_secret: 'shh'}}])
    expect(decodeJwt(header)?.client_id).toBe('deployer')
    expect(tokens.identity()).toEqual({name: 'deployer', kind: 'client'})
  })

  it('says "log in again" for a client_credentials session without its secret', async () => {
    const clock = new FakeClock(T0)
    const tokens = manager(clock, {accessToken: '', refreshToken: '', grantType: 'client_credentials', clientId: 'deployer'})
    const error = (await tokens.authorization().catch((e: unknown) => e)) as NotLoggedInError
    expect(error).toBeInstanceOf(NotLoggedInError)
    expect(error.message).toBe(SESSION_EXPIRED)
    expect(error.suggestions.join(' ')).toMatch(/CF_CLIENT_SECRET/)
  })

  it.each([
    [401, {error: 'invalid_token', error_description: 'Invalid refresh token expired at Thu Jan 01 2026'}],
    [400, {error: 'invalid_grant', error_description: 'Invalid refresh token'}],
    [401, {error: 'invalid_client', error_description: 'Bad client credentials'}],
  ])('turns UAA %i %j on refresh into NotLoggedInError "log in again"', async (status, body) => {
    const clock = new FakeClock(T0)
    server.use(http.post(`${LOGIN}/oauth/token`, () => HttpResponse.json(body, {status})))
    const tokens = manager(clock)
    const error = (await tokens.refresh().catch((e: unknown) => e)) as NotLoggedInError
    expect(error).toBeInstanceOf(NotLoggedInError)
    expect(error.message).toBe('Your session has expired. Log in again: cfzd login')
    expect(error.exitCode).toBe(ExitCode.AUTH)
    expect(error.cause).toBeInstanceOf(UaaError)
  })

  it('passes other UAA failures through (they do not mean the session is over)', async () => {
    const clock = new FakeClock(T0)
    server.use(http.post(`${LOGIN}/oauth/token`, () => new HttpResponse('down', {status: 500})))
    const error = await manager(clock)
      .refresh()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UaaError)
    expect((error as UaaError).status).toBe(500)
  })

  it('a failed refresh does not stick: the next call tries again', async () => {
    const clock = new FakeClock(T0)
    let fail = true
    server.use(
      http.post(`${LOGIN}/oauth/token`, () =>
        fail ? new HttpResponse('down', {status: 500}) : HttpResponse.json(tokenResponse(userToken('alice', {iat: T0}), 'refresh-2')),
      ),
    )
    const tokens = manager(clock)
    await expect(tokens.refresh()).rejects.toBeInstanceOf(UaaError)
    fail = false
    await expect(tokens.refresh()).resolves.toMatch(/^bearer /)
  })

  it('reports a failing onRotate as a warning instead of failing the request', async () => {
    const clock = new FakeClock(T0)
    fakeUaa()
    const warnings: string[] = []
    const tokens = manager(clock, {
      onRotate: () => {
        throw new Error('disk full')
      },
      onWarning: (w) => warnings.push(w),
    })
    await expect(tokens.refresh()).resolves.toMatch(/^bearer /)
    expect(warnings).toEqual(['Could not save the refreshed token: disk full'])
  })

  it('names the user, or the client for client tokens', () => {
    const clock = new FakeClock(T0)
    expect(manager(clock).identity()).toEqual({name: 'alice', kind: 'user'})
    expect(manager(clock, {accessToken: clientToken('ci-bot')}).identity()).toEqual({name: 'ci-bot', kind: 'client'})
    expect(manager(clock, {accessToken: 'bearer opaque', grantType: 'client_credentials', clientId: 'ci-bot'}).identity()).toEqual({
      name: 'ci-bot',
      kind: 'client',
    })
  })
})
