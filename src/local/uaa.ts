/**
 * A small UAA: `POST /oauth/token` with the password, refresh_token and client_credentials
 * grants, HS256 JWT access tokens whose claims look like UAA's (uaa_access_token_claims.json),
 * rotating refresh tokens, revocation, and OAuth2 error bodies. Served under `<api>/uaa`.
 *
 * Refresh tokens rotate: each refresh returns a new one and the old one stops working, so a
 * client that forgets to save the new token finds out at once.
 */
import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import {newGuid} from './util.js'

export interface UaaUser {
  id: string
  username: string
  password: string
  email: string
}

export interface UaaClient {
  id: string
  secret: string
  grants: string[]
  /** Scopes of user tokens issued through this client. */
  scopes: string[]
  /** Scopes of client_credentials tokens. */
  authorities: string[]
}

export interface TokenClaims {
  jti: string
  sub: string
  scope: string[]
  client_id: string
  cid: string
  azp: string
  grant_type: string
  user_id?: string
  origin?: string
  user_name?: string
  email?: string
  auth_time?: number
  rev_sig: string
  iat: number
  exp: number
  iss: string
  zid: string
  aud: string[]
  revocable: boolean
}

/** What survives a restart with --state. */
export interface UaaState {
  secret: string
  users: UaaUser[]
  clients: UaaClient[]
  /** Refresh-token jtis that were rotated away or revoked. */
  spentRefreshTokens: string[]
  revokedAccessTokens: string[]
}

export interface UaaReply {
  status: number
  body: unknown
  headers?: Record<string, string>
}

const USER_SCOPES = [
  'openid',
  'routing.router_groups.write',
  'scim.read',
  'cloud_controller.admin',
  'uaa.user',
  'routing.router_groups.read',
  'cloud_controller.read',
  'password.write',
  'cloud_controller.write',
  'network.admin',
  'doppler.firehose',
  'scim.write',
]
const CLIENT_AUTHORITIES = ['cloud_controller.admin', 'cloud_controller.read', 'cloud_controller.write', 'uaa.resource']

export function defaultUaaState(admin: {username: string; password: string}, ci: {id: string; secret: string}): UaaState {
  return {
    secret: randomBytes(32).toString('base64'),
    users: [{id: newGuid(), username: admin.username, password: admin.password, email: `${admin.username}@cfzd.local`}],
    clients: [
      {id: 'cf', secret: '', grants: ['password', 'refresh_token'], scopes: USER_SCOPES, authorities: ['uaa.none']},
      {id: ci.id, secret: ci.secret, grants: ['client_credentials'], scopes: [], authorities: CLIENT_AUTHORITIES},
    ],
    spentRefreshTokens: [],
    revokedAccessTokens: [],
  }
}

const oauthError = (status: number, error: string, description: string): UaaReply => ({status, body: {error, error_description: description}})

export class Uaa {
  private readonly secret: Buffer
  private readonly spent: Set<string>
  private readonly revoked: Set<string>

  constructor(
    private readonly state: UaaState,
    private readonly opts: {issuer: string; now: () => number; tokenLifetimeSec: () => number; refreshTokenLifetimeSec: () => number},
  ) {
    this.secret = Buffer.from(state.secret, 'base64')
    this.spent = new Set(state.spentRefreshTokens)
    this.revoked = new Set(state.revokedAccessTokens)
  }

  snapshot(): UaaState {
    return {...this.state, spentRefreshTokens: [...this.spent], revokedAccessTokens: [...this.revoked]}
  }

  addUser(username: string, password: string): void {
    const existing = this.state.users.find((u) => u.username === username)
    if (existing) existing.password = password
    else this.state.users.push({id: newGuid(), username, password, email: `${username}@cfzd.local`})
  }

  /** Verify an access token from an `Authorization: bearer ...` header. Undefined when bad or expired. */
  verify(authorization: string | undefined): TokenClaims | undefined {
    if (!authorization) return undefined
    const token = authorization.replace(/^bearer\s+/i, '').trim()
    const claims = this.decode(token)
    if (!claims || claims.jti.endsWith('-r')) return undefined
    if (claims.exp * 1000 <= this.opts.now() || this.revoked.has(claims.jti)) return undefined
    return claims
  }

  /** Handle a request under the UAA prefix. `path` is relative to it, e.g. /oauth/token. */
  handle(method: string, path: string, req: IncomingMessage, body: string): UaaReply {
    if (method === 'POST' && path === '/oauth/token') return this.token(req, body)
    if (method === 'GET' && (path === '/login' || path === '/info')) {
      return {
        status: 200,
        body: {
          app: {version: '78.0.0'},
          links: {
            uaa: this.opts.issuer.replace(/\/oauth\/token$/, ''),
            login: this.opts.issuer.replace(/\/oauth\/token$/, ''),
            passwd: '/forgot_password',
            register: '/create_account',
          },
          zone_name: 'uaa',
          entityID: 'cfzd.local',
          commit_id: 'cfzd',
          idpDefinitions: {},
          prompts: {username: ['text', 'Email'], password: ['password', 'Password']},
          timestamp: new Date(this.opts.now()).toISOString(),
        },
      }
    }
    if (method === 'GET' && path === '/token_keys') return {status: 200, body: {keys: [{kid: 'cfzd-local', alg: 'HS256', kty: 'MAC', use: 'sig'}]}}
    const revoke = /^\/oauth\/token\/revoke\/([^/]+)$/.exec(path)
    if (method === 'DELETE' && revoke) {
      const claims = this.decode((req.headers.authorization ?? '').replace(/^bearer\s+/i, ''))
      if (!claims) return oauthError(401, 'invalid_token', 'The token expired, was revoked, or the token ID is incorrect.')
      const jti = decodeURIComponent(revoke[1])
      if (jti.endsWith('-r')) this.spent.add(jti)
      else this.revoked.add(jti)
      return {status: 200, body: {}}
    }
    return {status: 404, body: {error: 'not_found', error_description: `No endpoint ${method} ${path}`}}
  }

  private token(req: IncomingMessage, body: string): UaaReply {
    const form = new URLSearchParams(body)
    const url = new URL(req.url ?? '/', 'http://x')
    const param = (name: string) => form.get(name) ?? url.searchParams.get(name) ?? undefined
    let clientId = param('client_id')
    let clientSecret = param('client_secret')
    const basic = /^basic\s+(.+)$/i.exec(req.headers.authorization ?? '')
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
      const i = decoded.indexOf(':')
      clientId = decodeURIComponent(i < 0 ? decoded : decoded.slice(0, i))
      clientSecret = decodeURIComponent(i < 0 ? '' : decoded.slice(i + 1))
    }
    if (!clientId) return oauthError(401, 'unauthorized', 'Full authentication is required to access this resource')
    const client = this.state.clients.find((c) => c.id === clientId)
    if (!client || (client.secret !== '' && !safeEqual(client.secret, clientSecret ?? '')) || (client.secret === '' && clientSecret)) {
      return oauthError(401, 'invalid_client', 'Bad credentials')
    }
    const grant = param('grant_type')
    if (!grant) return oauthError(400, 'invalid_request', 'Missing grant type')
    if (!client.grants.includes(grant)) return oauthError(400, 'unauthorized_client', `Unauthorized grant type: ${grant}`)

    switch (grant) {
      case 'password': {
        const user = this.state.users.find((u) => u.username === param('username'))
        if (!user || !safeEqual(user.password, param('password') ?? '')) return oauthError(401, 'unauthorized', 'Bad credentials')
        return this.issue(client, 'password', user)
      }
      case 'refresh_token': {
        const raw = param('refresh_token')
        if (!raw) return oauthError(400, 'invalid_request', 'A refresh token must be supplied.')
        const claims = this.decode(raw)
        if (!claims || !claims.jti.endsWith('-r')) return oauthError(401, 'invalid_token', 'Invalid refresh token.')
        if (claims.exp * 1000 <= this.opts.now())
          return oauthError(401, 'invalid_token', `Invalid refresh token expired at ${new Date(claims.exp * 1000).toUTCString()}`)
        if (this.spent.has(claims.jti)) return oauthError(401, 'invalid_token', 'The token expired, was revoked, or the token ID is incorrect.')
        if (claims.cid !== client.id) return oauthError(401, 'invalid_token', 'Wrong client for this refresh token')
        const user = this.state.users.find((u) => u.id === claims.user_id)
        if (!user) return oauthError(401, 'invalid_token', 'The token expired, was revoked, or the token ID is incorrect.')
        this.spent.add(claims.jti)
        return this.issue(client, 'refresh_token', user)
      }
      case 'client_credentials':
        return this.issue(client, 'client_credentials')
      default:
        return oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grant}`)
    }
  }

  private issue(client: UaaClient, grant: string, user?: UaaUser): UaaReply {
    const now = Math.floor(this.opts.now() / 1000)
    const scope = user ? client.scopes : client.authorities
    const jti = newGuid().replace(/-/g, '')
    const base = {
      sub: user ? user.id : client.id,
      scope,
      client_id: client.id,
      cid: client.id,
      azp: client.id,
      grant_type: grant === 'refresh_token' ? 'password' : grant,
      ...(user ? {user_id: user.id, origin: 'uaa', user_name: user.username, email: user.email, auth_time: now} : {}),
      rev_sig: 'cfzdlocal',
      iat: now,
      iss: this.opts.issuer,
      zid: 'uaa',
      aud: [...new Set(scope.map((s) => s.split('.')[0]))].concat(client.id),
      revocable: true,
    }
    const lifetime = Math.max(1, Math.round(this.opts.tokenLifetimeSec()))
    const access: TokenClaims = {...base, jti, exp: now + lifetime}
    const body: Record<string, unknown> = {
      access_token: this.sign(access),
      token_type: 'bearer',
      expires_in: lifetime - 1,
      scope: scope.join(' '),
      jti,
    }
    if (user && client.grants.includes('refresh_token')) {
      const refresh: TokenClaims = {...base, jti: `${jti}-r`, exp: now + Math.round(this.opts.refreshTokenLifetimeSec())}
      body.refresh_token = this.sign(refresh)
    }
    return {status: 200, body, headers: {'cache-control': 'no-store', pragma: 'no-cache'}}
  }

  private sign(claims: TokenClaims): string {
    const header = b64url(JSON.stringify({alg: 'HS256', jku: `${this.opts.issuer.replace(/\/oauth\/token$/, '')}/token_keys`, kid: 'cfzd-local', typ: 'JWT'}))
    const payload = b64url(JSON.stringify(claims))
    const sig = createHmac('sha256', this.secret).update(`${header}.${payload}`).digest('base64url')
    return `${header}.${payload}.${sig}`
  }

  private decode(token: string): TokenClaims | undefined {
    const parts = token.split('.')
    if (parts.length !== 3) return undefined
    const expected = createHmac('sha256', this.secret).update(`${parts[0]}.${parts[1]}`).digest('base64url')
    if (!safeEqual(expected, parts[2])) return undefined
    try {
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims
      return typeof claims.jti === 'string' && typeof claims.exp === 'number' ? claims : undefined
    } catch {
      return undefined
    }
  }
}

const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url')

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
