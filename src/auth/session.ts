/**
 * Sessions: who cfzd talks to, as whom, and which org and space are targeted.
 *
 * A session comes from the environment (CF_API with CF_USERNAME/CF_PASSWORD or
 * CF_CLIENT_ID/CF_CLIENT_SECRET: logged in in memory, nothing written — for CI) or from the cf
 * CLI's config file (so `cf login` is all a user needs). `login`, `saveTarget` and `logout` write
 * that file the way `cf api` + `cf login`, `cf target` and `cf logout` do, so the cf CLI keeps
 * working with it.
 */
import type {Clock} from '../clock.js'
import {NetworkError, UaaError} from '../capi/errors.js'
import type {TraceSink} from '../capi/trace.js'
import {CfzdError, ExitCode, NotLoggedInError, UsageError} from '../errors.js'
import {type CfConfig, ConfigError, ConfigLockError, DEFAULT_UAA_CLIENT, readConfig, updateConfig, withConfigLock} from './cf-config.js'
import {decodeJwt, stripBearer} from './jwt.js'
import {CLIENT_CREDENTIALS, type Identity, identityOf, TokenManager, type Tokens, type TokenStore, TokenStoreUnavailable} from './tokens.js'
import {type Discovery, discover, normalizeApiUrl, type TokenResponse, UaaClient} from './uaa.js'

type Env = Record<string, string | undefined>

export interface Target {
  guid: string
  name: string
}

export interface Session {
  /** The Cloud Controller URL. */
  apiUrl: string
  /** From the config (or discovery); absent for sessions that did not discover it. */
  apiVersion?: string
  skipSslValidation: boolean
  tokens: TokenManager
  /** The targeted org and space, with GUIDs (from the config). */
  org?: Target
  space?: Target
  /** Names to resolve (from CF_ORG / CF_SPACE): resolving them to GUIDs is the caller's job. */
  orgName?: string
  spaceName?: string
  /** Where the session came from: 'config' sessions save refreshed tokens back to the file. */
  source: 'config' | 'env'
}

export interface SessionOptions {
  env?: Env
  trace?: TraceSink
  clock?: Clock
  /** Problems that should not stop the command, such as failing to save a refreshed token. */
  onWarning?: (message: string) => void
}

const LOGIN_HINT = "Run 'cfzd login -a API' (or 'cf login') first, or set CF_API with CF_USERNAME/CF_PASSWORD or CF_CLIENT_ID/CF_CLIENT_SECRET."

/**
 * The session to run a command with: from CF_API and credentials in the environment when CF_API
 * is set, else from the cf CLI's config file. Throws NotLoggedInError when there is none.
 */
export async function loadSession(opts: SessionOptions = {}): Promise<Session> {
  const env = opts.env ?? process.env
  if (env.CF_API?.trim()) return envSession(env, opts)

  const config = await readConfig(env)
  if (!config?.Target) throw new NotLoggedInError('Not logged in: no API endpoint is set.', [LOGIN_HINT])
  if (!config.AccessToken && !config.RefreshToken) throw new NotLoggedInError(`Not logged in to ${config.Target}.`, [LOGIN_HINT])
  const authorizationEndpoint = config.AuthorizationEndpoint || config.UaaEndpoint
  if (!authorizationEndpoint) throw new NotLoggedInError(`The config does not say where ${config.Target} logs in (no AuthorizationEndpoint).`, [LOGIN_HINT])

  const uaa = new UaaClient({
    authorizationEndpoint,
    uaaEndpoint: config.UaaEndpoint,
    skipSslValidation: config.SSLDisabled,
    trace: opts.trace,
    clock: opts.clock,
  })
  const tokens = new TokenManager({
    uaa,
    accessToken: config.AccessToken,
    refreshToken: config.RefreshToken,
    grantType: config.UAAGrantType,
    clientId: config.UAAOAuthClient,
    clientSecret: clientSecretFor(config, env),
    clock: opts.clock,
    store: configTokenStore(() => config.Target, config.UAAGrantType, config.UAAOAuthClient, env, opts),
    onWarning: opts.onWarning,
  })
  return {
    apiUrl: config.Target.replace(/\/+$/, ''),
    apiVersion: config.APIVersion || undefined,
    skipSslValidation: config.SSLDisabled,
    tokens,
    org: config.OrganizationFields.GUID ? {guid: config.OrganizationFields.GUID, name: config.OrganizationFields.Name} : undefined,
    space: config.SpaceFields.GUID ? {guid: config.SpaceFields.GUID, name: config.SpaceFields.Name} : undefined,
    source: 'config',
  }
}

/** The cf CLI keeps no client secret; CF_CLIENT_SECRET may supply it for the configured client. */
function clientSecretFor(config: CfConfig, env: Env): string {
  if (config.UAAOAuthClientSecret) return config.UAAOAuthClientSecret
  if (config.UAAGrantType !== CLIENT_CREDENTIALS || !env.CF_CLIENT_SECRET) return ''
  return !env.CF_CLIENT_ID || env.CF_CLIENT_ID === config.UAAOAuthClient ? env.CF_CLIENT_SECRET : ''
}

/**
 * The config file as a TokenStore, shared by every cfzd (and cf) using this CF_HOME. Its tokens
 * count as this session's when the file still names the same API, grant type and client. A
 * write only replaces the pair the refresh started from, so a newer `cf login` (or `cf logout`)
 * in the file is left alone.
 */
function configTokenStore(target: () => string, grantType: string, clientId: string, env: Env, opts: SessionOptions): TokenStore {
  const sameSession = (c: CfConfig) => sameApi(c.Target, target()) && c.UAAGrantType === grantType && c.UAAOAuthClient === clientId
  const holds = (c: CfConfig, t: Tokens) => stripBearer(c.AccessToken) === stripBearer(t.accessToken) && c.RefreshToken === t.refreshToken
  return {
    async exclusive(fn) {
      try {
        return await withConfigLock(
          (file) =>
            fn({
              async read() {
                let c: CfConfig | undefined
                try {
                  c = await file.read()
                } catch (error) {
                  if (error instanceof ConfigError) return undefined
                  throw error
                }
                if (!c || !sameSession(c) || (!c.AccessToken && !c.RefreshToken)) return undefined
                return {accessToken: c.AccessToken, refreshToken: c.RefreshToken}
              },
              async write(next, base) {
                let saved = false
                await file.update((c) => {
                  if (!sameSession(c) || !holds(c, base)) return false
                  c.AccessToken = next.accessToken
                  c.RefreshToken = next.refreshToken
                  saved = true
                })
                return saved
              },
            }),
          env,
          {clock: opts.clock},
        )
      } catch (error) {
        if (error instanceof ConfigLockError) throw new TokenStoreUnavailable(error.message, {cause: error})
        throw error
      }
    },
  }
}

function sameApi(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '')
}

export type Credentials = {kind: 'password'; username: string; password: string; origin?: string} | {kind: 'client'; clientId: string; clientSecret: string}

async function envSession(env: Env, opts: SessionOptions): Promise<Session> {
  const credentials = envCredentials(env)
  const skipSslValidation = /^(true|1|yes)$/i.test(env.CF_SKIP_SSL_VALIDATION ?? '')
  const {discovery, tokens} = await authenticate(env.CF_API!, skipSslValidation, credentials, opts)
  return {
    apiUrl: discovery.apiUrl,
    apiVersion: discovery.apiVersion || undefined,
    skipSslValidation,
    tokens,
    orgName: env.CF_ORG?.trim() || undefined,
    spaceName: env.CF_SPACE?.trim() || undefined,
    source: 'env',
  }
}

/** How the user spells each credential where they gave it: env vars, or login's flags. */
export interface CredentialNames {
  username: string
  password: string
  clientId: string
  clientSecret: string
  /** 'set' for env vars, 'given' for flags. */
  verb: 'set' | 'given'
}

export const ENV_CREDENTIALS: CredentialNames = {
  username: 'CF_USERNAME',
  password: 'CF_PASSWORD',
  clientId: 'CF_CLIENT_ID',
  clientSecret: 'CF_CLIENT_SECRET',
  verb: 'set',
}
export const FLAG_CREDENTIALS: CredentialNames = {username: '-u', password: '-p', clientId: '--client-id', clientSecret: '--client-secret', verb: 'given'}

export interface GivenCredentials {
  username?: string
  password?: string
  clientId?: string
  clientSecret?: string
  origin?: string
}

/**
 * The one check of user-or-client credentials, wherever they come from: a user (username and
 * password) or a client (id and secret), never both, never half of one. Undefined when none are
 * given, so the caller can ask for them or say where to set them.
 */
export function chooseCredentials(given: GivenCredentials, names: CredentialNames): Credentials | undefined {
  const hasUser = Boolean(given.username || given.password)
  const hasClient = Boolean(given.clientId || given.clientSecret)
  const either = `Give either ${names.username} and ${names.password}, or ${names.clientId} and ${names.clientSecret}.`
  if (hasUser && hasClient) {
    throw new UsageError(
      `Both user (${names.username}/${names.password}) and client (${names.clientId}/${names.clientSecret}) credentials are ${names.verb}: use one.`,
      [either],
    )
  }
  const half = (have: string, missing: string) => new UsageError(`${have} is ${names.verb} but ${missing} is not.`, [either])
  if (hasClient) {
    if (!given.clientId) throw half(names.clientSecret, names.clientId)
    if (!given.clientSecret) throw half(names.clientId, names.clientSecret)
    return {kind: 'client', clientId: given.clientId, clientSecret: given.clientSecret}
  }
  if (hasUser) {
    if (!given.username) throw half(names.password, names.username)
    if (!given.password) throw half(names.username, names.password)
    return {kind: 'password', username: given.username, password: given.password, origin: given.origin}
  }
  return undefined
}

function envCredentials(env: Env): Credentials {
  const given = {username: env.CF_USERNAME, password: env.CF_PASSWORD, clientId: env.CF_CLIENT_ID, clientSecret: env.CF_CLIENT_SECRET}
  const credentials = chooseCredentials(given, ENV_CREDENTIALS)
  if (credentials) return credentials
  throw new UsageError('CF_API is set, but no credentials are.', [
    'Set either CF_USERNAME and CF_PASSWORD, or CF_CLIENT_ID and CF_CLIENT_SECRET.',
    "Or unset CF_API to use the cf CLI's login (cfzd login / cf login).",
  ])
}

/** Discover the API, run the grant, and wrap the result in a TokenManager (nothing is written). */
async function authenticate(api: string, skipSslValidation: boolean, credentials: Credentials, opts: SessionOptions & {store?: TokenStore}) {
  const discovery = await discover(api, {skipSslValidation, trace: opts.trace, clock: opts.clock})
  const uaa = new UaaClient({
    authorizationEndpoint: discovery.authorizationEndpoint,
    uaaEndpoint: discovery.uaaEndpoint,
    skipSslValidation,
    trace: opts.trace,
    clock: opts.clock,
  })
  let response: TokenResponse
  try {
    response =
      credentials.kind === 'password'
        ? await uaa.passwordGrant(credentials.username, credentials.password, {origin: credentials.origin})
        : await uaa.clientCredentialsGrant(credentials.clientId, credentials.clientSecret)
  } catch (error) {
    throw loginError(error, discovery)
  }
  const client = credentials.kind === 'client'
  const tokens = new TokenManager({
    uaa,
    grantType: client ? CLIENT_CREDENTIALS : '',
    clientId: client ? credentials.clientId : DEFAULT_UAA_CLIENT,
    clientSecret: client ? credentials.clientSecret : '',
    clock: opts.clock,
    store: opts.store,
    onWarning: opts.onWarning,
  })
  tokens.accept(response)
  return {discovery, tokens, response}
}

/** Turn a failed grant into what a user should read. */
function loginError(error: unknown, discovery: Discovery): unknown {
  if (error instanceof UaaError) {
    if (error.status === 401 || error.isBadCredentials) {
      const locked = /locked/i.test(error.description)
      return new CfzdError(locked ? error.description : 'Credentials were rejected, please try again.', {exitCode: ExitCode.AUTH, cause: error})
    }
    if (error.status >= 400 && error.status < 500) {
      return new CfzdError(`UAA at ${discovery.authorizationEndpoint} refused the login: ${error.description || error.error}.`, {
        exitCode: ExitCode.AUTH,
        cause: error,
      })
    }
    return new CfzdError(`UAA at ${discovery.authorizationEndpoint} failed (HTTP ${error.status}): ${error.description || error.error}.`, {
      exitCode: ExitCode.API_UNAVAILABLE,
      suggestions: ['Try again in a moment.'],
      cause: error,
    })
  }
  if (error instanceof NetworkError) {
    return new CfzdError(`Could not reach UAA at ${discovery.authorizationEndpoint}: ${error.message}`, {
      exitCode: ExitCode.API_UNAVAILABLE,
      suggestions: ['Check your network, VPN or proxy settings.', 'If UAA uses a self-signed certificate, run again with --skip-ssl-validation.'],
      cause: error,
    })
  }
  return error
}

export interface LoginOptions extends SessionOptions {
  api: string
  skipSslValidation?: boolean
  username?: string
  password?: string
  clientId?: string
  clientSecret?: string
  /** The identity provider's origin key (login_hint), for users outside the UAA's own store. */
  origin?: string
}

export interface LoginResult {
  apiUrl: string
  apiVersion: string
  identity: Identity
  session: Session
}

/**
 * Log in and save the session the way `cf api` + `cf login` (or `cf auth --client-credentials`)
 * do: endpoints, SSLDisabled, tokens, grant type and client, with the org and space cleared.
 * The secret of a client_credentials login stays in memory only, as with the cf CLI.
 * On any failure the config is left untouched.
 */
export async function login(opts: LoginOptions): Promise<LoginResult> {
  const env = opts.env ?? process.env
  const credentials = loginCredentials(opts)
  const skipSslValidation = opts.skipSslValidation ?? false
  normalizeApiUrl(opts.api)
  // A malformed config fails here, before anything is asked of the network.
  await readConfig(env)

  let target = ''
  const client = credentials.kind === 'client'
  const {discovery, tokens, response} = await authenticate(opts.api, skipSslValidation, credentials, {
    ...opts,
    store: configTokenStore(() => target, client ? CLIENT_CREDENTIALS : '', client ? credentials.clientId : DEFAULT_UAA_CLIENT, env, opts),
  })
  target = discovery.apiUrl

  await updateConfig((c) => {
    // cf api
    c.Target = discovery.apiUrl
    c.APIVersion = discovery.apiVersion
    c.AuthorizationEndpoint = discovery.authorizationEndpoint
    c.UaaEndpoint = discovery.uaaEndpoint
    c.DopplerEndPoint = discovery.doppler
    c.LogCacheEndPoint = discovery.logCache
    c.RoutingAPIEndpoint = discovery.routing
    c.NetworkPolicyV1Endpoint = discovery.networkPolicyV1
    c.SSLDisabled = skipSslValidation
    c.MinCLIVersion = ''
    c.CFOnK8s = {...c.CFOnK8s, Enabled: false}
    // cf login / cf auth
    c.AccessToken = tokens.tokens.accessToken
    c.RefreshToken = response.refresh_token ?? ''
    c.SSHOAuthClient = discovery.sshOAuthClient
    c.UAAGrantType = client ? CLIENT_CREDENTIALS : ''
    c.UAAOAuthClient = client ? credentials.clientId : DEFAULT_UAA_CLIENT
    c.UAAOAuthClientSecret = ''
    clearTarget(c)
  }, env)

  const session: Session = {
    apiUrl: discovery.apiUrl,
    apiVersion: discovery.apiVersion || undefined,
    skipSslValidation,
    tokens,
    source: 'config',
  }
  return {apiUrl: discovery.apiUrl, apiVersion: discovery.apiVersion, identity: tokens.identity(), session}
}

function loginCredentials(opts: LoginOptions): Credentials {
  const credentials = chooseCredentials(opts, FLAG_CREDENTIALS)
  if (credentials) return credentials
  throw new UsageError('A login needs a username and a password (or --client-id and --client-secret).', ['cfzd login -a API -u USERNAME -p PASSWORD'])
}

function clearTarget(c: CfConfig): void {
  c.OrganizationFields = {GUID: '', Name: ''}
  c.SpaceFields = {GUID: '', Name: '', AllowSSH: false}
}

/**
 * Save the targeted org and/or space, as `cf target` does. Changing the org without naming a
 * space clears the space.
 */
export async function saveTarget(org?: Target, space?: Target, opts: {env?: Env} = {}): Promise<void> {
  await updateConfig((c) => {
    if (org) {
      const changed = c.OrganizationFields.GUID !== org.guid
      c.OrganizationFields = changed ? {GUID: org.guid, Name: org.name} : {...c.OrganizationFields, GUID: org.guid, Name: org.name}
      if (changed && !space) c.SpaceFields = {GUID: '', Name: '', AllowSSH: false}
    }
    if (space) {
      const same = c.SpaceFields.GUID === space.guid
      c.SpaceFields = same ? {...c.SpaceFields, GUID: space.guid, Name: space.name} : {GUID: space.guid, Name: space.name, AllowSSH: c.SpaceFields.AllowSSH}
    }
  }, opts.env ?? process.env)
}

export interface LogoutResult {
  /** Who was logged out; absent when nobody was. */
  identity?: Identity
  /** Whether UAA confirmed revoking the tokens. */
  revoked: boolean
}

/**
 * Log out as `cf logout` does: revoke the tokens when the access token says `revocable: true`
 * (best effort), then clear the tokens, the grant type, the client and the target, keeping
 * everything else (the API endpoint included).
 */
export async function logout(opts: SessionOptions = {}): Promise<LogoutResult> {
  const env = opts.env ?? process.env
  const config = await readConfig(env)
  if (!config) return {revoked: false}
  let revoked = false
  let identity: Identity | undefined
  if (config.AccessToken) {
    const claims = decodeJwt(config.AccessToken)
    const endpoint = config.AuthorizationEndpoint || config.UaaEndpoint
    if (claims?.revocable === true && endpoint) {
      const uaa = new UaaClient({authorizationEndpoint: endpoint, skipSslValidation: config.SSLDisabled, trace: opts.trace, clock: opts.clock, retries: 0})
      const results = await Promise.all([config.RefreshToken ? uaa.revoke(config.RefreshToken) : Promise.resolve(false), uaa.revoke(config.AccessToken)])
      revoked = results.some(Boolean)
    }
    identity = identityOf(config.AccessToken, config.UAAGrantType, config.UAAOAuthClient)
  }
  await updateConfig((c) => {
    c.AccessToken = ''
    c.RefreshToken = ''
    c.UAAGrantType = ''
    c.UAAOAuthClient = DEFAULT_UAA_CLIENT
    c.UAAOAuthClientSecret = ''
    c.CFOnK8s = {...c.CFOnK8s, AuthInfo: ''}
    clearTarget(c)
  }, env)
  return {identity, revoked}
}
