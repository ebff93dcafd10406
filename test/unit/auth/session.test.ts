import {describe, expect, it} from '@jest/globals'
import fs from 'node:fs'
import {http, HttpResponse} from 'msw'
import {ConfigError, parseConfig} from '../../../src/auth/cf-config.js'
import {decodeJwt} from '../../../src/auth/jwt.js'
import {loadSession, login, logout, saveTarget} from '../../../src/auth/session.js'
import {DiscoveryError} from '../../../src/auth/uaa.js'
import {CapiClient} from '../../../src/capi/client.js'
import {FakeClock} from '../../../src/clock.js'
import {CfzdError, ExitCode, NotLoggedInError, UsageError} from '../../../src/errors.js'
import {API, useMsw} from '../../helpers/msw.js'
import {LOGIN, T0, UAA, clientToken, form, readJson, rootHandler, tempHome, tokenResponse, userToken, writeRaw} from './fixtures.js'

const server = useMsw()
const EXAMPLE_KEYS = Object.keys(JSON.parse(fs.readFileSync(new URL('./cf_config.example.json', import.meta.url), 'utf8')))

/** A UAA accepting alice/right-password and client deployer/shh; records every token request. */
function fakeUaa(opts: {ttl?: number} = {}) {
  const calls: Record<string, string>[] = []
  server.use(
    rootHandler(),
    http.post(`${LOGIN}/oauth/token`, async ({request}) => {
      const body = await form(request)
      calls.push(body)
      const n = calls.length
      if (body.grant_type === 'password') {
        if (body.username !== 'alice' || body.password !== 'right-password') {
          return HttpResponse.json({error: 'unauthorized', error_description: 'Bad credentials'}, {status: 401})
        }
        return HttpResponse.json(tokenResponse(userToken('alice', {iat: T0, ttl: opts.ttl, jti: `a${n}`, revocable: true}), `refresh-${n}`))
      }
      if (body.grant_type === 'client_credentials') {
        if (body.client_id !== 'deployer' || body.client_secret !== 'shh') {
          return HttpResponse.json({error: 'invalid_client', error_description: 'Bad client credentials'}, {status: 401})
        }
        return HttpResponse.json(tokenResponse(clientToken('deployer', {iat: T0 + n * 1000, ttl: opts.ttl})))
      }
      if (body.grant_type === 'refresh_token') {
        if (body.refresh_token === 'expired') return HttpResponse.json({error: 'invalid_token', error_description: 'Invalid refresh token'}, {status: 401})
        return HttpResponse.json(tokenResponse(userToken('alice', {iat: T0 + n * 1000, jti: `r${n}`}), `refresh-${n}`))
      }
      return HttpResponse.json({error: 'unsupported_grant_type'}, {status: 400})
    }),
  )
  return calls
}

/** A config like the one `cf login` leaves, plus keys cfzd does not know. */
function loggedInConfig(extra: Record<string, unknown> = {}) {
  return {
    AccessToken: `bearer ${userToken('alice', {iat: T0, ttl: 600})}`,
    APIVersion: '3.190.0',
    AuthorizationEndpoint: LOGIN,
    ConfigVersion: 4,
    OrganizationFields: {GUID: 'org-1', Name: 'my-org', QuotaDefinition: {name: 'q'}},
    PluginRepos: [{Name: 'CF-Community', URL: 'https://plugins.cloudfoundry.org'}],
    RefreshToken: 'refresh-0',
    SpaceFields: {GUID: 'space-1', Name: 'dev', AllowSSH: true},
    SSLDisabled: true,
    Target: API,
    UaaEndpoint: UAA,
    UAAGrantType: '',
    UAAOAuthClient: 'cf',
    UAAOAuthClientSecret: '',
    SomethingNew: {keep: 'me'},
    ...extra,
  }
}

describe('login', () => {
  it('writes the config the way cf api + cf login do, keeping unknown keys', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedInConfig({Target: 'https://api.old.test', SSLDisabled: true})))
    const calls = fakeUaa()
    const result = await login({api: API, username: 'alice', password: 'right-password', env, clock: new FakeClock(T0)})

    expect(result.apiUrl).toBe(API)
    expect(result.apiVersion).toBe('3.190.0')
    expect(result.identity).toEqual({name: 'alice', kind: 'user'})
    expect(result.session.source).toBe('config')
    expect(calls).toEqual([{grant_type: 'password', username: 'alice', password: 'right-password'}])

    const c = readJson(file)
    expect(Object.keys(c).slice(0, EXAMPLE_KEYS.length)).toEqual(EXAMPLE_KEYS)
    expect(c).toMatchObject({
      ConfigVersion: 4,
      Target: API,
      APIVersion: '3.190.0',
      AuthorizationEndpoint: LOGIN,
      UaaEndpoint: UAA,
      DopplerEndPoint: 'wss://doppler.example.test:443',
      LogCacheEndPoint: 'https://log-cache.example.test',
      RoutingAPIEndpoint: `${API}/routing`,
      NetworkPolicyV1Endpoint: `${API}/networking/v1/external`,
      SSLDisabled: false,
      RefreshToken: 'refresh-1',
      UAAGrantType: '',
      UAAOAuthClient: 'cf',
      UAAOAuthClientSecret: '',
      OrganizationFields: {GUID: '', Name: ''},
      SpaceFields: {GUID: '', Name: '', AllowSSH: false},
      SomethingNew: {keep: 'me'},
    })
    expect(c.AccessToken).toMatch(/^bearer ey/)
    expect(decodeJwt(c.AccessToken)?.user_name).toBe('alice')
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    // what the cf CLI would read back
    expect(parseConfig(fs.readFileSync(file, 'utf8'))?.Target).toBe(API)
  })

  it('logs a client in as cf auth --client-credentials does: client saved, secret not', async () => {
    const {env, file} = tempHome()
    const calls = fakeUaa()
    const clock = new FakeClock(T0)
    const result = await login({api: API, clientId: 'deployer', clientSecret: 'shh', skipSslValidation: true, env, clock})
    expect(result.identity).toEqual({name: 'deployer', kind: 'client'})
    const c = readJson(file)
    expect(c).toMatchObject({UAAGrantType: 'client_credentials', UAAOAuthClient: 'deployer', UAAOAuthClientSecret: '', RefreshToken: '', SSLDisabled: true})
    expect(fs.readFileSync(file, 'utf8')).not.toContain('shh')

    // the session can renew its token: the secret is kept in memory
    clock.advance(600_000)
    await result.session.tokens.authorization()
    expect(calls.map((b) => b.grant_type)).toEqual(['client_credentials', 'client_credentials'])
  })

  it('rejects a wrong password with "Credentials were rejected" and leaves the config untouched', async () => {
    const {env, file} = tempHome()
    const before = JSON.stringify(loggedInConfig(), null, 2)
    writeRaw(file, before)
    fakeUaa()
    const error = (await login({api: API, username: 'alice', password: 'wrong', env}).catch((e: unknown) => e)) as CfzdError
    expect(error).toBeInstanceOf(CfzdError)
    expect(error.message).toBe('Credentials were rejected, please try again.')
    expect(error.exitCode).toBe(ExitCode.AUTH)
    expect(fs.readFileSync(file, 'utf8')).toBe(before)
  })

  it('rejects a URL that is not a Cloud Controller and leaves the config untouched', async () => {
    const {env, file} = tempHome()
    server.use(http.get('https://www.example.test/', () => new HttpResponse('<!doctype html><html></html>', {headers: {'content-type': 'text/html'}})))
    const error = await login({api: 'www.example.test', username: 'alice', password: 'right-password', env}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DiscoveryError)
    expect((error as DiscoveryError).message).toContain('https://www.example.test does not answer like a Cloud Controller')
    expect(fs.existsSync(file)).toBe(false)
  })

  it('refuses before any request when the existing config is malformed', async () => {
    const {env, file} = tempHome()
    writeRaw(file, '{nope')
    // no handlers: any request would fail the test with an unhandled-request error
    const error = await login({api: API, username: 'alice', password: 'right-password', env}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect(fs.readFileSync(file, 'utf8')).toBe('{nope')
  })

  it('needs a username and password, or a client id and secret', async () => {
    const {env} = tempHome()
    await expect(login({api: API, username: 'alice', env})).rejects.toBeInstanceOf(UsageError)
    await expect(login({api: API, clientId: 'deployer', env})).rejects.toBeInstanceOf(UsageError)
    await expect(login({api: API, username: 'a', password: 'b', clientId: 'c', clientSecret: 'd', env})).rejects.toBeInstanceOf(UsageError)
  })
})

describe('loadSession from the config file', () => {
  it('picks up what cf login left: target, tokens, org and space, SSLDisabled', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedInConfig()))
    const s = await loadSession({env, clock: new FakeClock(T0)})
    expect(s).toMatchObject({
      apiUrl: API,
      apiVersion: '3.190.0',
      skipSslValidation: true,
      source: 'config',
      org: {guid: 'org-1', name: 'my-org'},
      space: {guid: 'space-1', name: 'dev'},
    })
    expect(s.tokens.identity()).toEqual({name: 'alice', kind: 'user'})
    expect(await s.tokens.authorization()).toBe(loggedInConfig().AccessToken)
  })

  it('saves a refreshed (rotated) token pair back to the config, keeping everything else', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedInConfig()))
    const calls = fakeUaa()
    const clock = new FakeClock(T0 + 590_000) // 10 s left
    const s = await loadSession({env, clock})
    const header = await s.tokens.authorization()
    expect(calls).toEqual([{grant_type: 'refresh_token', refresh_token: 'refresh-0'}])
    const c = readJson(file)
    expect(c.AccessToken).toBe(header)
    expect(c.RefreshToken).toBe('refresh-1')
    expect(c.OrganizationFields).toEqual({GUID: 'org-1', Name: 'my-org', QuotaDefinition: {name: 'q'}})
    expect(c.SomethingNew).toEqual({keep: 'me'})
  })

  it('refreshes once through CapiClient on 401 and saves the result', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedInConfig()))
    fakeUaa()
    const clock = new FakeClock(T0)
    const s = await loadSession({env, clock})
    const original = await s.tokens.authorization()
    server.use(
      http.get(`${API}/v3/apps/:guid`, ({request}) =>
        request.headers.get('authorization') === original
          ? HttpResponse.json({errors: [{code: 1000, title: 'CF-InvalidAuthToken', detail: 'Invalid Auth Token'}]}, {status: 401})
          : HttpResponse.json({errors: [{code: 10010, title: 'CF-ResourceNotFound', detail: 'App not found'}]}, {status: 404}),
      ),
    )
    const capi = new CapiClient({apiUrl: s.apiUrl, tokens: s.tokens, clock})
    await expect(capi.apps.get('x')).rejects.toThrow('App not found')
    expect(readJson(file).RefreshToken).toBe('refresh-1')
  })

  it('leaves the file alone when someone logged in again meanwhile', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedInConfig()))
    fakeUaa()
    const s = await loadSession({env, clock: new FakeClock(T0 + 590_000)})
    const newer = loggedInConfig({AccessToken: `bearer ${userToken('bob')}`, RefreshToken: 'bobs-refresh'})
    writeRaw(file, JSON.stringify(newer))
    await s.tokens.authorization()
    expect(readJson(file)).toMatchObject({AccessToken: newer.AccessToken, RefreshToken: 'bobs-refresh'})
  })

  it('says "log in again" when the refresh token has expired', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedInConfig({RefreshToken: 'expired'})))
    fakeUaa()
    const s = await loadSession({env, clock: new FakeClock(T0 + 3_600_000)})
    const error = (await s.tokens.authorization().catch((e: unknown) => e)) as NotLoggedInError
    expect(error).toBeInstanceOf(NotLoggedInError)
    expect(error.message).toBe('Your session has expired. Log in again: cfzd login')
    expect(readJson(file).RefreshToken).toBe('expired')
  })

  it('renews a client_credentials session with CF_CLIENT_SECRET from the environment', async () => {
    const {env, file} = tempHome()
    writeRaw(
      file,
      JSON.stringify(
        loggedInConfig({AccessToken: `bearer ${clientToken('deployer')}`, RefreshToken: '', UAAGrantType: 'client_credentials', UAAOAuthClient: 'deployer'}),
      ),
    )
    const calls = fakeUaa()
    const s = await loadSession({env: {...env, CF_CLIENT_SECRET: 'shh'}, clock: new FakeClock(T0 + 3_600_000)})
    expect(s.tokens.identity()).toEqual({name: 'deployer', kind: 'client'})
    await s.tokens.authorization()
    expect(calls).toEqual([{grant_type: 'client_credentials', client_id: 'deployer', client_secret: 'shh'}])
  })

  it.each([
    ['there is no config file', undefined, /no API endpoint is set/],
    ['no API is targeted', JSON.stringify({ConfigVersion: 4}), /no API endpoint is set/],
    [
      'there are no tokens (after cf logout)',
      JSON.stringify(loggedInConfig({AccessToken: '', RefreshToken: ''})),
      /Not logged in to https:\/\/api.example.test/,
    ],
    ['the file has ConfigVersion 3', JSON.stringify(loggedInConfig({ConfigVersion: 3})), /no API endpoint is set/],
  ])('throws NotLoggedInError when %s', async (_name, text, message) => {
    const {env, file} = tempHome()
    if (text) writeRaw(file, text)
    const error = (await loadSession({env}).catch((e: unknown) => e)) as NotLoggedInError
    expect(error).toBeInstanceOf(NotLoggedInError)
    expect(error.exitCode).toBe(ExitCode.AUTH)
    expect(error.message).toMatch(message)
  })
})

describe('loadSession from the environment (CI)', () => {
  it('logs in with CF_USERNAME/CF_PASSWORD in memory and writes nothing, even when refreshing', async () => {
    const {env, home} = tempHome()
    const calls = fakeUaa()
    const clock = new FakeClock(T0)
    const s = await loadSession({env: {...env, CF_API: API, CF_USERNAME: 'alice', CF_PASSWORD: 'right-password', CF_ORG: 'my-org', CF_SPACE: 'dev'}, clock})
    expect(s).toMatchObject({apiUrl: API, source: 'env', orgName: 'my-org', spaceName: 'dev', skipSslValidation: false})
    expect(s.org).toBeUndefined()
    expect(s.space).toBeUndefined()
    clock.advance(3_600_000)
    await s.tokens.authorization()
    expect(calls.map((b) => b.grant_type)).toEqual(['password', 'refresh_token'])
    expect(fs.readdirSync(home)).toEqual([])
  })

  it('logs in with CF_CLIENT_ID/CF_CLIENT_SECRET, and wins over an existing config without touching it', async () => {
    const {env, file} = tempHome()
    const before = JSON.stringify(loggedInConfig())
    writeRaw(file, before)
    const calls = fakeUaa()
    const clock = new FakeClock(T0)
    const s = await loadSession({env: {...env, CF_API: API, CF_CLIENT_ID: 'deployer', CF_CLIENT_SECRET: 'shh', CF_SKIP_SSL_VALIDATION: 'true'}, clock})
    expect(s.tokens.identity()).toEqual({name: 'deployer', kind: 'client'})
    expect(s.skipSslValidation).toBe(true)
    expect(s.org).toBeUndefined()
    clock.advance(3_600_000)
    await s.tokens.authorization()
    expect(calls.map((b) => b.grant_type)).toEqual(['client_credentials', 'client_credentials'])
    expect(fs.readFileSync(file, 'utf8')).toBe(before)
  })

  it.each([
    [{}, /CF_API is set, but no credentials are/],
    [{CF_USERNAME: 'alice'}, /CF_USERNAME is set but CF_PASSWORD is not/],
    [{CF_PASSWORD: 'x'}, /CF_PASSWORD is set but CF_USERNAME is not/],
    [{CF_CLIENT_ID: 'deployer'}, /CF_CLIENT_ID is set but CF_CLIENT_SECRET is not/],
    [{CF_CLIENT_SECRET: 'x'}, /CF_CLIENT_SECRET is set but CF_CLIENT_ID is not/],
    [{CF_USERNAME: 'a', CF_PASSWORD: 'b', CF_CLIENT_ID: 'c', CF_CLIENT_SECRET: 'd'}, /Both user .* and client .* credentials are set/],
  ])('names the variables to set when credentials are missing (%j)', async (vars, message) => {
    const {env} = tempHome()
    const error = (await loadSession({env: {...env, CF_API: API, ...vars}}).catch((e: unknown) => e)) as UsageError
    expect(error).toBeInstanceOf(UsageError)
    expect(error.exitCode).toBe(ExitCode.USAGE)
    expect(error.message).toMatch(message)
    expect(error.suggestions.join(' ')).toContain('CF_USERNAME and CF_PASSWORD, or CF_CLIENT_ID and CF_CLIENT_SECRET')
  })

  it('rejects wrong credentials from the environment', async () => {
    const {env, home} = tempHome()
    fakeUaa()
    const error = (await loadSession({env: {...env, CF_API: API, CF_USERNAME: 'alice', CF_PASSWORD: 'nope'}}).catch((e: unknown) => e)) as CfzdError
    expect(error.message).toBe('Credentials were rejected, please try again.')
    expect(error.exitCode).toBe(ExitCode.AUTH)
    expect(fs.readdirSync(home)).toEqual([])
  })
})

describe('saveTarget', () => {
  it('saves org and space, clears the space when only the org changes, keeps the rest', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedInConfig()))

    await saveTarget(undefined, {guid: 'space-2', name: 'prod'}, {env})
    expect(readJson(file).SpaceFields).toEqual({GUID: 'space-2', Name: 'prod', AllowSSH: true})
    expect(readJson(file).OrganizationFields.GUID).toBe('org-1')

    await saveTarget({guid: 'org-1', name: 'my-org'}, undefined, {env})
    expect(readJson(file).SpaceFields.GUID).toBe('space-2') // same org: space kept

    await saveTarget({guid: 'org-2', name: 'other'}, undefined, {env})
    expect(readJson(file).OrganizationFields).toEqual({GUID: 'org-2', Name: 'other'})
    expect(readJson(file).SpaceFields).toEqual({GUID: '', Name: '', AllowSSH: false})

    await saveTarget({guid: 'org-3', name: 'third'}, {guid: 'space-3', name: 'qa'}, {env})
    const c = readJson(file)
    expect(c.OrganizationFields).toEqual({GUID: 'org-3', Name: 'third'})
    expect(c.SpaceFields.GUID).toBe('space-3')
    expect(c.AccessToken).toBe(loggedInConfig().AccessToken)
    expect(c.SomethingNew).toEqual({keep: 'me'})
  })
})

describe('logout', () => {
  it('revokes revocable tokens by jti, then clears tokens, client and target, keeping the rest', async () => {
    const {env, file} = tempHome()
    const access = userToken('alice', {jti: 'access-jti', revocable: true})
    const refresh = userToken('alice', {jti: 'refresh-jti'})
    writeRaw(
      file,
      JSON.stringify(loggedInConfig({AccessToken: `bearer ${access}`, RefreshToken: refresh, UAAOAuthClient: 'custom', UAAOAuthClientSecret: 'x'})),
    )
    const revoked: string[] = []
    server.use(
      http.delete(`${LOGIN}/oauth/token/revoke/:jti`, ({params}) => {
        revoked.push(String(params.jti))
        return params.jti === 'access-jti' ? HttpResponse.json({}) : new HttpResponse('boom', {status: 500}) // errors are ignored
      }),
    )
    const result = await logout({env})
    expect(revoked.sort()).toEqual(['access-jti', 'refresh-jti'])
    expect(result).toEqual({identity: {name: 'alice', kind: 'user'}, revoked: true})
    const c = readJson(file)
    expect(c).toMatchObject({
      AccessToken: '',
      RefreshToken: '',
      UAAGrantType: '',
      UAAOAuthClient: 'cf',
      UAAOAuthClientSecret: '',
      OrganizationFields: {GUID: '', Name: ''},
      SpaceFields: {GUID: '', Name: '', AllowSSH: false},
      Target: API,
      AuthorizationEndpoint: LOGIN,
      SSLDisabled: true,
      SomethingNew: {keep: 'me'},
    })
  })

  it('does not call UAA for tokens that are not revocable, and does nothing without a config', async () => {
    const {env, file} = tempHome()
    expect(await logout({env})).toEqual({revoked: false})
    expect(fs.existsSync(file)).toBe(false)
    writeRaw(file, JSON.stringify(loggedInConfig()))
    // no DELETE handler: a revocation request would fail the test
    expect((await logout({env})).revoked).toBe(false)
    expect(readJson(file).AccessToken).toBe('')
  })
})
