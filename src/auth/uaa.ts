/**
 * Talking to UAA (and to the Cloud Controller's root, to find UAA): the OAuth grants the cf CLI
 * uses, token revocation, and discovery of every endpoint `cf api` stores in the config.
 *
 * Requests go through got (imported lazily), with TLS verified unless skipSslValidation, and are
 * traced through the same redacting TraceSink as CAPI calls: passwords, client secrets and tokens
 * never show in a trace.
 */
import type {Got, OptionsInit, Response} from 'got'
import {type Clock, systemClock} from '../clock.js'
import {CfzdError, ExitCode, UsageError} from '../errors.js'
import {NetworkError, UaaError} from '../capi/errors.js'
import {Root} from '../capi/resources/root.js'
import {backoffMs, isAmbiguousCode, retryAfterNetworkError, retryAfterStatus, TLS_CODES, uaaRetryPolicy} from '../capi/retry.js'
import {formatTraceRequest, formatTraceResponse, REDACTED, type TraceSink} from '../capi/trace.js'
import {decodeJwt, stripBearer} from './jwt.js'

export interface UaaHttpOptions {
  skipSslValidation?: boolean
  trace?: TraceSink
  /** Used for retry back-off; inject a FakeClock in tests. */
  clock?: Clock
  userAgent?: string
  /** Milliseconds to wait for a response (default 60 s). */
  timeoutMs?: number
}

/* ----- transport ----- */

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

interface RawRequest {
  method: 'GET' | 'POST' | 'DELETE'
  url: string
  headers?: Record<string, string>
  form?: URLSearchParams
  /** Values to hide from traces even where the generic redaction cannot see them (error texts). */
  secrets?: string[]
}

let gotModule: Promise<Got> | undefined
const loadGot = () => (gotModule ??= import('got').then((m) => m.default))

async function send(req: RawRequest, opts: UaaHttpOptions): Promise<RawResponse> {
  const got = await loadGot()
  const headers: Record<string, string> = {'user-agent': opts.userAgent ?? 'cfzd', accept: 'application/json', ...req.headers}
  const body = req.form?.toString()
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
  const clock = opts.clock ?? systemClock
  const started = clock.now()
  const secrets = (req.secrets ?? []).filter((v) => v.length >= 4)
  opts.trace?.(scrub(formatTraceRequest(req.method, req.url, headers, body), secrets))
  const options: OptionsInit = {
    method: req.method,
    headers,
    body,
    responseType: 'text',
    throwHttpErrors: false,
    followRedirect: false,
    retry: {limit: 0},
    https: {rejectUnauthorized: !opts.skipSslValidation},
    timeout: {connect: 15_000, response: opts.timeoutMs ?? 60_000},
  }
  const res = (await got(req.url, options)) as Response<string>
  const resHeaders = res.headers as Record<string, string | string[] | undefined>
  opts.trace?.(scrub(formatTraceResponse(res.statusCode, resHeaders, res.body, clock.now() - started), secrets))
  return {status: res.statusCode, headers: resHeaders, body: res.body}
}

/** Hide known secret values (and their URL-encoded forms) wherever they appear. */
export function scrub(text: string, secrets: string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length < 4) continue
    for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({s: secret}).toString().slice(2)])) {
      out = out.split(form).join(REDACTED)
    }
  }
  return out
}

function errorCode(error: unknown): string {
  const e = error as {code?: string; cause?: {code?: string}}
  return e.code && e.code !== 'ERR_GOT_REQUEST_ERROR' ? e.code : (e.cause?.code ?? e.code ?? '')
}

/* ----- discovery ----- */

/** What `GET <api>/` says about a foundation: the fields `cf api` stores in the config. */
export interface Discovery {
  /** The API URL, normalised (scheme added, trailing slash removed). */
  apiUrl: string
  /** links.cloud_controller_v3.meta.version, or '' when absent. */
  apiVersion: string
  /** links.login, else links.uaa: token requests go here. */
  authorizationEndpoint: string
  /** links.uaa, else links.login. */
  uaaEndpoint: string
  doppler: string
  logCache: string
  routing: string
  networkPolicyV1: string
  /** links.app_ssh.meta.oauth_client, default ssh-proxy. */
  sshOAuthClient: string
}

export type DiscoveryProblem = 'unreachable' | 'tls' | 'not-cloud-controller' | 'unavailable'

/** The API URL does not lead to a working Cloud Controller. Nothing was changed. */
export class DiscoveryError extends CfzdError {
  readonly problem: DiscoveryProblem
  readonly apiUrl: string

  constructor(apiUrl: string, problem: DiscoveryProblem, message: string, suggestions: string[], cause?: unknown) {
    const exitCode = problem === 'unreachable' || problem === 'unavailable' ? ExitCode.API_UNAVAILABLE : ExitCode.USAGE
    super(message, {exitCode, suggestions, cause, details: {apiUrl, problem}})
    this.name = 'DiscoveryError'
    this.problem = problem
    this.apiUrl = apiUrl
  }
}

/** Like `cf api`: add https:// when no scheme is given and drop trailing slashes. */
export function normalizeApiUrl(input: string): string {
  const trimmed = input.trim()
  if (!trimmed) throw new UsageError('The API URL is empty.', ['Pass the Cloud Controller URL, for example: cfzd login -a https://api.sys.example.org'])
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new UsageError(`"${input}" is not a valid API URL.`, ['Pass the Cloud Controller URL, for example: cfzd login -a https://api.sys.example.org'])
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`"${input}" is not an http or https URL.`, ['Pass the Cloud Controller URL, for example: cfzd login -a https://api.sys.example.org'])
  }
  return withScheme.replace(/\/+$/, '')
}

const CHECK_URL = 'Check the API URL: it is the Cloud Controller, usually https://api.<system domain> (`cf api` shows the one the cf CLI uses).'

/** Read the Cloud Controller root and the endpoints it links to. No auth is needed. */
export async function discover(apiUrl: string, opts: UaaHttpOptions = {}): Promise<Discovery> {
  const api = normalizeApiUrl(apiUrl)
  const notCc = (why: string, extra: string[] = []) =>
    new DiscoveryError(api, 'not-cloud-controller', `${api} does not answer like a Cloud Controller: ${why}.`, [CHECK_URL, ...extra])

  let res: RawResponse
  try {
    res = await send({method: 'GET', url: `${api}/`}, {timeoutMs: 30_000, ...opts})
  } catch (error) {
    const code = errorCode(error)
    if (TLS_CODES.test(code)) {
      throw new DiscoveryError(
        api,
        'tls',
        `Could not verify the TLS certificate of ${api} (${code}: ${(error as Error).message}).`,
        ['If the foundation uses a self-signed certificate, run again with --skip-ssl-validation.', CHECK_URL],
        error,
      )
    }
    throw new DiscoveryError(
      api,
      'unreachable',
      `Could not reach ${api}: ${(error as Error).message}.`,
      [CHECK_URL, 'Check your network, VPN or proxy settings (https_proxy).'],
      error,
    )
  }

  if (res.status >= 300 && res.status < 400) {
    const location = String(res.headers.location ?? '')
    throw notCc(
      `GET / redirects${location ? ` to ${location}` : ''}`,
      location ? [`If that is the API, use it: cfzd login -a ${location.replace(/\/+$/, '')}`] : [],
    )
  }
  if (res.status >= 500) {
    throw new DiscoveryError(api, 'unavailable', `${api} answered HTTP ${res.status} to GET /: the Cloud Controller may be down.`, [
      'Try again in a moment.',
      CHECK_URL,
    ])
  }
  if (res.status !== 200) throw notCc(`GET / answered HTTP ${res.status}`)

  let json: unknown
  try {
    json = JSON.parse(res.body)
  } catch {
    const looksHtml = /^\s*</.test(res.body)
    throw notCc(looksHtml ? 'GET / returned an HTML page, not JSON' : 'GET / did not return JSON')
  }
  const parsed = Root.safeParse(json)
  if (!parsed.success) throw notCc('GET / has no "links" object')
  const links = parsed.data.links
  const login = links.login?.href
  const uaa = links.uaa?.href
  if (!login && !uaa) throw notCc('GET / links to neither a login nor a UAA server (links.login, links.uaa)')

  const version = links.cloud_controller_v3?.meta?.version
  const sshClient = links.app_ssh?.meta?.oauth_client
  return {
    apiUrl: api,
    apiVersion: typeof version === 'string' ? version : '',
    authorizationEndpoint: trimSlash(login || uaa || ''),
    uaaEndpoint: trimSlash(uaa || login || ''),
    doppler: links.logging?.href ?? '',
    logCache: links.log_cache?.href ?? '',
    routing: links.routing?.href ?? '',
    networkPolicyV1: links.network_policy_v1?.href ?? '',
    sshOAuthClient: typeof sshClient === 'string' && sshClient ? sshClient : 'ssh-proxy',
  }
}

const trimSlash = (s: string) => s.replace(/\/+$/, '')

/* ----- grants ----- */

/** A successful `POST /oauth/token`. */
export interface TokenResponse {
  [field: string]: unknown
  /** The raw token, without the `bearer ` scheme word. */
  access_token: string
  /** Always `bearer` in UAA. */
  token_type: string
  /** Absent for client_credentials. */
  refresh_token?: string
  /** Seconds the access token stays valid. */
  expires_in?: number
  scope?: string
  jti?: string
}

export interface UaaClientOptions extends UaaHttpOptions {
  /** links.login of the API root: where token requests go (AuthorizationEndpoint in the config). */
  authorizationEndpoint: string
  /** links.uaa (UaaEndpoint in the config); not used for grants. */
  uaaEndpoint?: string
  /** Retries of a token request after a network error or 502/503/504 (default 2). */
  retries?: number
}

export class UaaClient {
  readonly authorizationEndpoint: string
  readonly uaaEndpoint: string
  private readonly clock: Clock

  constructor(private readonly opts: UaaClientOptions) {
    this.authorizationEndpoint = trimSlash(opts.authorizationEndpoint)
    this.uaaEndpoint = trimSlash(opts.uaaEndpoint ?? opts.authorizationEndpoint)
    this.clock = opts.clock ?? systemClock
  }

  /** The password grant as the cf CLI sends it: client `cf` with an empty secret, in a Basic header. */
  passwordGrant(username: string, password: string, opts: {origin?: string} = {}): Promise<TokenResponse> {
    const form = new URLSearchParams({grant_type: 'password', username, password})
    const query = opts.origin ? `?${new URLSearchParams({login_hint: JSON.stringify({origin: opts.origin})})}` : ''
    return this.token(form, {authorization: basic('cf', '')}, query, [password])
  }

  /** client_credentials, with the id and secret as form fields (no Basic header), as the cf CLI does. */
  clientCredentialsGrant(clientId: string, clientSecret: string): Promise<TokenResponse> {
    const form = new URLSearchParams({grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret})
    return this.token(form, {}, '', [clientSecret])
  }

  /** refresh_token, authenticated with Basic as the configured client (`cf:` by default). */
  refreshTokenGrant(refreshToken: string, client = 'cf', secret = ''): Promise<TokenResponse> {
    const form = new URLSearchParams({grant_type: 'refresh_token', refresh_token: refreshToken})
    return this.token(form, {authorization: basic(client || 'cf', secret)}, '', [refreshToken, secret])
  }

  /**
   * Best-effort revocation, as `cf logout` does: `DELETE /oauth/token/revoke/<jti>`, authenticated
   * with the token being revoked. Opaque tokens (no readable jti) are skipped, so a token never
   * ends up in a URL. Never throws; returns whether UAA confirmed.
   */
  async revoke(token: string): Promise<boolean> {
    const raw = stripBearer(token)
    const jti = decodeJwt(raw)?.jti
    if (!raw || typeof jti !== 'string' || !jti) return false
    try {
      const res = await send(
        {
          method: 'DELETE',
          url: `${this.authorizationEndpoint}/oauth/token/revoke/${encodeURIComponent(jti)}`,
          headers: {authorization: `bearer ${raw}`},
          secrets: [raw],
        },
        {timeoutMs: 10_000, ...this.opts},
      )
      return res.status >= 200 && res.status < 300
    } catch {
      return false
    }
  }

  private async token(form: URLSearchParams, headers: Record<string, string>, query: string, secrets: string[]): Promise<TokenResponse> {
    const url = `${this.authorizationEndpoint}/oauth/token${query}`
    // A token grant can be asked for again: retry.ts decides when, as for Cloud Controller.
    const policy = {...uaaRetryPolicy, limit: this.opts.retries ?? uaaRetryPolicy.limit}
    for (let attempt = 0; ; attempt++) {
      let res: RawResponse
      try {
        res = await send({method: 'POST', url, headers, form, secrets}, this.opts)
      } catch (error) {
        const code = errorCode(error)
        if (retryAfterNetworkError(code, {idempotent: true, attempt}, policy)) {
          await this.clock.sleep(backoffMs(attempt, policy))
          continue
        }
        throw new NetworkError(`POST ${url} failed: ${scrub((error as Error).message, secrets)}`, {
          code,
          request: {method: 'POST', url},
          ambiguous: isAmbiguousCode(code),
          cause: error,
        })
      }
      if (retryAfterStatus(res.status, {idempotent: true, attempt}, policy)) {
        await this.clock.sleep(backoffMs(attempt, policy))
        continue
      }
      // UAA may echo a refresh token in error_description ("Invalid refresh token: ...").
      if (res.status < 200 || res.status >= 300) throw UaaError.from(res.status, scrub(res.body, secrets))
      return parseTokenResponse(res)
    }
  }
}

function parseTokenResponse(res: RawResponse): TokenResponse {
  let body: unknown
  try {
    body = JSON.parse(res.body)
  } catch {
    throw new UaaError(res.status, 'invalid_response', 'UAA answered the token request with something other than JSON')
  }
  const o = (body ?? {}) as Record<string, unknown>
  if (typeof o.access_token !== 'string' || !o.access_token) {
    throw new UaaError(res.status, 'invalid_response', 'UAA answered the token request without an access_token')
  }
  return {
    ...o,
    access_token: o.access_token,
    token_type: typeof o.token_type === 'string' && o.token_type ? o.token_type : 'bearer',
    refresh_token: typeof o.refresh_token === 'string' && o.refresh_token ? o.refresh_token : undefined,
    expires_in: typeof o.expires_in === 'number' ? o.expires_in : undefined,
  }
}

/** HTTP Basic as Go's SetBasicAuth builds it (no URL-encoding): `cf:` → `Basic Y2Y6`. */
export function basic(client: string, secret: string): string {
  return `Basic ${Buffer.from(`${client}:${secret}`).toString('base64')}`
}
