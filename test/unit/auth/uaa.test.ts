import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {DiscoveryError, UaaClient, discover, normalizeApiUrl} from '../../../src/auth/uaa.js'
import {NetworkError, UaaError} from '../../../src/capi/errors.js'
import {FakeClock} from '../../../src/clock.js'
import {ExitCode, UsageError} from '../../../src/errors.js'
import {API, useMsw} from '../../helpers/msw.js'
import {LOGIN, UAA, form, rootBody, tokenResponse, userToken} from './fixtures.js'
import {refusedUrl, selfSignedServer} from './loopback.js'

const server = useMsw()

describe('discover', () => {
  it('reads the endpoints cf api stores from GET / (no auth)', async () => {
    let auth: string | null = 'unset'
    server.use(
      http.get(`${API}/`, ({request}) => {
        auth = request.headers.get('authorization')
        return HttpResponse.json(rootBody())
      }),
    )
    expect(await discover(`${API}/`)).toEqual({
      apiUrl: API,
      apiVersion: '3.190.0',
      authorizationEndpoint: LOGIN,
      uaaEndpoint: UAA,
      doppler: 'wss://doppler.example.test:443',
      logCache: 'https://log-cache.example.test',
      routing: `${API}/routing`,
      networkPolicyV1: `${API}/networking/v1/external`,
      sshOAuthClient: 'ssh-proxy',
    })
    expect(auth).toBeNull()
  })

  it('uses links.uaa when links.login is missing, and works over http://', async () => {
    const api = 'http://api.local.test'
    const body = rootBody(api)
    delete (body.links as Record<string, unknown>).login
    server.use(http.get(`${api}/`, () => HttpResponse.json(body)))
    const d = await discover(api)
    expect(d.apiUrl).toBe(api)
    expect(d.authorizationEndpoint).toBe(UAA)
    expect(d.uaaEndpoint).toBe(UAA)
  })

  it('adds https:// when no scheme is given, like cf api', async () => {
    server.use(http.get(`${API}/`, () => HttpResponse.json(rootBody())))
    expect((await discover('api.example.test')).apiUrl).toBe(API)
    expect(normalizeApiUrl(' http://x.test/// ')).toBe('http://x.test')
    expect(() => normalizeApiUrl('ftp://x.test')).toThrow(UsageError)
    expect(() => normalizeApiUrl('')).toThrow(UsageError)
  })

  it.each([
    ['an HTML page', () => new HttpResponse('<html><body>Welcome</body></html>', {headers: {'content-type': 'text/html'}}), /HTML page/],
    ['JSON without links', () => HttpResponse.json({hello: 'world'}), /no "links" object/],
    ['links without login or uaa', () => HttpResponse.json({links: {self: {href: API}}}), /neither a login nor a UAA/],
    ['a 404', () => new HttpResponse('404 Not Found: Requested route does not exist.', {status: 404}), /HTTP 404/],
    [
      'a redirect',
      () => new HttpResponse(null, {status: 301, headers: {location: 'https://api.elsewhere.test/'}}),
      /redirects to https:\/\/api.elsewhere.test/,
    ],
  ])('says so when the URL answers with %s', async (_name, respond, why) => {
    server.use(http.get(`${API}/`, respond))
    const error = (await discover(API).catch((e: unknown) => e)) as DiscoveryError
    expect(error).toBeInstanceOf(DiscoveryError)
    expect(error.problem).toBe('not-cloud-controller')
    expect(error.exitCode).toBe(ExitCode.USAGE)
    expect(error.message).toContain(`${API} does not answer like a Cloud Controller`)
    expect(error.message).toMatch(why)
    expect(error.suggestions.join(' ')).toMatch(/Check the API URL/)
  })

  it('reports a 5xx as the Cloud Controller being unavailable', async () => {
    server.use(http.get(`${API}/`, () => new HttpResponse('bad gateway', {status: 502})))
    const error = (await discover(API).catch((e: unknown) => e)) as DiscoveryError
    expect(error.problem).toBe('unavailable')
    expect(error.exitCode).toBe(ExitCode.API_UNAVAILABLE)
  })

  it('reports a refused connection', async () => {
    const url = await refusedUrl()
    const error = (await discover(url).catch((e: unknown) => e)) as DiscoveryError
    expect(error).toBeInstanceOf(DiscoveryError)
    expect(error.problem).toBe('unreachable')
    expect(error.exitCode).toBe(ExitCode.API_UNAVAILABLE)
    expect(error.message).toContain(`Could not reach ${url}`)
    expect(error.message).toContain('ECONNREFUSED')
  })

  it('reports a self-signed certificate and points at --skip-ssl-validation, which then works', async () => {
    const cc = await selfSignedServer((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(rootBody()))
    })
    try {
      const error = (await discover(cc.url).catch((e: unknown) => e)) as DiscoveryError
      expect(error).toBeInstanceOf(DiscoveryError)
      expect(error.problem).toBe('tls')
      expect(error.message).toContain('Could not verify the TLS certificate')
      expect(error.suggestions[0]).toContain('--skip-ssl-validation')

      const d = await discover(cc.url, {skipSslValidation: true})
      expect(d.authorizationEndpoint).toBe(LOGIN)
    } finally {
      await cc.close()
    }
  })
})

describe('UaaClient grants', () => {
  const uaa = (opts: Partial<ConstructorParameters<typeof UaaClient>[0]> = {}) => new UaaClient({authorizationEndpoint: LOGIN, clock: new FakeClock(), ...opts})

  it('password grant: client cf with an empty secret in Basic, form body, login_hint for an origin', async () => {
    const seen: {auth: string | null; type: string | null; accept: string | null; body: Record<string, string>; url: string}[] = []
    server.use(
      http.post(`${LOGIN}/oauth/token`, async ({request}) => {
        seen.push({
          auth: request.headers.get('authorization'),
          type: request.headers.get('content-type'),
          accept: request.headers.get('accept'),
          body: await form(request),
          url: request.url,
        })
        return HttpResponse.json(tokenResponse(userToken(), 'refresh-1'))
      }),
    )
    const res = await uaa().passwordGrant('user@example.org', 's3cret&=?', {origin: 'ldap'})
    expect(res.access_token).toBe(userToken())
    expect(res.refresh_token).toBe('refresh-1')
    expect(res.token_type).toBe('bearer')
    expect(seen).toHaveLength(1)
    expect(seen[0].auth).toBe('Basic Y2Y6')
    expect(seen[0].type).toBe('application/x-www-form-urlencoded')
    expect(seen[0].accept).toBe('application/json')
    expect(seen[0].body).toEqual({grant_type: 'password', username: 'user@example.org', password: 's3cret&=?'})
    expect(new URL(seen[0].url).searchParams.get('login_hint')).toBe('{"origin":"ldap"}')
  })

  it('client_credentials: id and secret as form fields, no Basic header', async () => {
    let auth: string | null = 'unset'
    let body: Record<string, string> = {}
    server.use(
      http.post(`${LOGIN}/oauth/token`, async ({request}) => {
        auth = request.headers.get('authorization')
        body = await form(request)
        return HttpResponse.json(tokenResponse('opaque-access'))
      }),
    )
    const res = await uaa().clientCredentialsGrant('deployer', 'shh')
    expect(auth).toBeNull()
    expect(body).toEqual({grant_type: 'client_credentials', client_id: 'deployer', client_secret: 'shh'})
    expect(res.refresh_token).toBeUndefined()
  })

  it('refresh_token: Basic as the configured client, cf: by default', async () => {
    const seen: {auth: string | null; body: Record<string, string>}[] = []
    server.use(
      http.post(`${LOGIN}/oauth/token`, async ({request}) => {
        seen.push({auth: request.headers.get('authorization'), body: await form(request)})
        return HttpResponse.json(tokenResponse(userToken(), 'refresh-2'))
      }),
    )
    await uaa().refreshTokenGrant('refresh-1')
    await uaa().refreshTokenGrant('refresh-1', 'my-client', 'my-secret')
    expect(seen[0]).toEqual({auth: 'Basic Y2Y6', body: {grant_type: 'refresh_token', refresh_token: 'refresh-1'}})
    expect(seen[1].auth).toBe(`Basic ${Buffer.from('my-client:my-secret').toString('base64')}`)
  })

  it('turns OAuth error bodies into UaaErrors', async () => {
    server.use(
      http.post(`${LOGIN}/oauth/token`, async ({request}) => {
        const body = await form(request)
        if (body.grant_type === 'password') return HttpResponse.json({error: 'unauthorized', error_description: 'Bad credentials'}, {status: 401})
        return HttpResponse.json({error: 'invalid_token', error_description: 'Invalid refresh token expired at Thu Jan 01 2026'}, {status: 401})
      }),
    )
    const bad = (await uaa()
      .passwordGrant('u', 'wrong')
      .catch((e: unknown) => e)) as UaaError
    expect(bad).toBeInstanceOf(UaaError)
    expect([bad.status, bad.error, bad.description]).toEqual([401, 'unauthorized', 'Bad credentials'])
    expect(bad.isBadCredentials).toBe(true)

    const expired = (await uaa()
      .refreshTokenGrant('r')
      .catch((e: unknown) => e)) as UaaError
    expect(expired.error).toBe('invalid_token')
    expect(expired.isInvalidRefreshToken).toBe(true)
  })

  it('retries 503 with back-off on the injected clock, then gives up with the UaaError', async () => {
    let calls = 0
    server.use(
      http.post(`${LOGIN}/oauth/token`, () => {
        calls++
        return calls < 3 ? new HttpResponse('busy', {status: 503}) : HttpResponse.json(tokenResponse(userToken(), 'r'))
      }),
    )
    const clock = new FakeClock()
    await uaa({clock}).refreshTokenGrant('r')
    expect(calls).toBe(3)
    // retry.ts's backoff: 500 ms then 1 s, each with jitter in [0.5, 1).
    expect(clock.sleeps).toHaveLength(2)
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(250)
    expect(clock.sleeps[0]).toBeLessThanOrEqual(500)
    expect(clock.sleeps[1]).toBeGreaterThanOrEqual(500)
    expect(clock.sleeps[1]).toBeLessThanOrEqual(1000)

    calls = -10
    const error = await uaa({clock, retries: 1})
      .refreshTokenGrant('r')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UaaError)
    expect((error as UaaError).status).toBe(503)
  })

  it('rejects a 200 without an access token', async () => {
    server.use(http.post(`${LOGIN}/oauth/token`, () => HttpResponse.json({token_type: 'bearer'})))
    await expect(uaa().refreshTokenGrant('r')).rejects.toThrow(/without an access_token/)
  })

  it('reports an unreachable UAA as a NetworkError', async () => {
    const url = await refusedUrl()
    const error = await new UaaClient({authorizationEndpoint: url, clock: new FakeClock()}).passwordGrant('u', 'p').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).code).toBe('ECONNREFUSED')
  })
})

describe('UaaClient.revoke', () => {
  it('revokes by jti, authenticated with the token itself, and never throws', async () => {
    const access = userToken('alice', {jti: 'jti-a', revocable: true})
    const seen: {path: string; auth: string | null}[] = []
    server.use(
      http.delete(`${LOGIN}/oauth/token/revoke/:jti`, ({request, params}) => {
        seen.push({path: String(params.jti), auth: request.headers.get('authorization')})
        return params.jti === 'jti-a' ? HttpResponse.json({}) : new HttpResponse('nope', {status: 500})
      }),
    )
    const uaa = new UaaClient({authorizationEndpoint: LOGIN})
    expect(await uaa.revoke(`bearer ${access}`)).toBe(true)
    expect(seen).toEqual([{path: 'jti-a', auth: `bearer ${access}`}])
    expect(await uaa.revoke(userToken('bob', {jti: 'jti-b'}))).toBe(false)
    // an opaque token has no jti: nothing is sent (a token never goes into a URL)
    expect(await uaa.revoke('opaque-refresh-token-r')).toBe(false)
    expect(seen).toHaveLength(2)
    expect(await new UaaClient({authorizationEndpoint: await refusedUrl()}).revoke(access)).toBe(false)
  })
})

describe('tracing UAA calls', () => {
  it('never shows the password, client secret, access or refresh token', async () => {
    const access = userToken('alice')
    server.use(
      http.post(`${LOGIN}/oauth/token`, async ({request}) => {
        const body = await form(request)
        if (body.grant_type === 'refresh_token' && body.refresh_token === 'stale-refresh-token') {
          // UAA echoes opaque refresh tokens in some error texts
          return HttpResponse.json({error: 'invalid_token', error_description: 'Invalid refresh token: stale-refresh-token'}, {status: 401})
        }
        return HttpResponse.json(tokenResponse(access, 'refresh-token-value-r', {id_token: 'id-token-value'}))
      }),
    )
    const lines: string[] = []
    const uaa = new UaaClient({authorizationEndpoint: LOGIN, trace: (t) => lines.push(t), clock: new FakeClock()})
    await uaa.passwordGrant('alice@example.org', 'Pa$$w0rd with spaces&more')
    await uaa.refreshTokenGrant('refresh-token-value-r', 'my-client', 'client-secret-value')
    await uaa.clientCredentialsGrant('deployer', 'cc-secret-value')
    const error = (await uaa.refreshTokenGrant('stale-refresh-token').catch((e: unknown) => e)) as UaaError
    const trace = lines.join('\n')

    expect(trace).toContain(`POST ${LOGIN}/oauth/token`)
    expect(trace).toContain('grant_type=password')
    expect(trace).toContain('username=alice%40example.org')
    expect(trace).toContain('[PRIVATE DATA HIDDEN]')
    for (const secret of [
      'Pa$$w0rd',
      encodeURIComponent('Pa$$w0rd with spaces&more'),
      'Pa%24%24w0rd',
      'client-secret-value',
      'cc-secret-value',
      'refresh-token-value-r',
      'stale-refresh-token',
      'id-token-value',
      access,
      access.split('.')[1],
      'Y2Y6',
      Buffer.from('my-client:client-secret-value').toString('base64'),
    ]) {
      expect(trace).not.toContain(secret)
    }
    expect(error.description).not.toContain('stale-refresh-token')
  })
})
