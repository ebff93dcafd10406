/**
 * The access token behind every CAPI request, kept fresh the way the cf CLI does it:
 *
 * - refresh before a request when the token expires in under 60 s (or cannot be decoded);
 * - refresh once after a 401 CF-InvalidAuthToken (CapiHttp calls `refresh`);
 * - one refresh at a time: concurrent callers share it, and a caller holding a header older than
 *   the current one just gets the current one;
 * - client_credentials sessions re-run that grant (with the secret kept in memory), others use
 *   the refresh_token grant as the configured client;
 * - new tokens go to `onRotate`, so a session from the config file can save them;
 * - with a `store` (the config file, shared with other cfzd processes), a refresh runs under the
 *   store's lock and looks at the stored tokens first: when another process already rotated them
 *   (UAA spends a refresh token when it is used), their access token is taken if it is still good,
 *   else their refresh token is used; the new pair is written back before the lock is released.
 */
import {type Clock, systemClock} from '../clock.js'
import {UaaError} from '../capi/errors.js'
import type {TokenProvider} from '../capi/http.js'
import {NotLoggedInError} from '../errors.js'
import {decodeJwt, stripBearer} from './jwt.js'
import type {TokenResponse, UaaClient} from './uaa.js'

export const CLIENT_CREDENTIALS = 'client_credentials'
/** Refresh when the access token expires within this many milliseconds. */
export const REFRESH_MARGIN_MS = 60_000
export const SESSION_EXPIRED = 'Your session has expired. Log in again: cfzd login'

export interface Tokens {
  /** `bearer <jwt>`, as stored in the config's AccessToken. */
  accessToken: string
  /** The raw refresh token; '' when there is none (client_credentials). */
  refreshToken: string
}

export interface Identity {
  /** user_name for users, client_id for clients; '' when the token is opaque and no client is known. */
  name: string
  kind: 'user' | 'client'
}

export interface TokenManagerOptions {
  uaa: UaaClient
  /** `bearer <jwt>` (a bare token is accepted too). */
  accessToken?: string
  refreshToken?: string
  /** The config's UAAGrantType: '' or 'password' for users, 'client_credentials', or the jwt-bearer URN. */
  grantType?: string
  /** UAAOAuthClient: `cf` unless logged in with client credentials. */
  clientId?: string
  /** Kept in memory only: the cf CLI never saves it. */
  clientSecret?: string
  clock?: Clock
  /** Seconds the current access token was issued for (expires_in), for tokens that are not JWTs. */
  expiresIn?: number
  /** Receives every new token pair, with the one it replaces. Errors are reported to onWarning, not thrown. Not used with a store. */
  onRotate?: (tokens: Tokens, previous: Tokens) => void | Promise<void>
  /** Shares refreshes with other processes (see TokenStore); its writes replace onRotate. */
  store?: TokenStore
  onWarning?: (message: string) => void
}

/**
 * Where a session's tokens are kept and shared with other processes: the config file. A refresh
 * runs inside `exclusive`, so no two processes spend the same refresh token.
 */
export interface TokenStore {
  /** Run `fn` holding the store's lock. Throws TokenStoreUnavailable when the lock cannot be had. */
  exclusive<T>(fn: (stored: StoredTokens) => Promise<T>): Promise<T>
}

export interface StoredTokens {
  /**
   * The tokens the store holds for this session's target, grant type and client, or undefined
   * when it holds none (logged out, another API or client, unreadable file).
   */
  read(): Promise<Tokens | undefined>
  /** Save `next`, unless the store no longer holds `base` (someone logged in meanwhile). Returns whether it saved. */
  write(next: Tokens, base: Tokens): Promise<boolean>
}

/** The store's lock could not be had: the refresh goes ahead without it (as before there was one). */
export class TokenStoreUnavailable extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'TokenStoreUnavailable'
  }
}

export class TokenManager implements TokenProvider {
  readonly grantType: string
  readonly clientId: string
  private readonly clientSecret: string
  private readonly uaa: UaaClient
  private readonly clock: Clock
  private access: string
  private refreshTok: string
  /** Expiry of an opaque access token, known from expires_in. */
  private opaqueExpiry?: number
  private inflight?: Promise<string>

  constructor(private readonly opts: TokenManagerOptions) {
    this.uaa = opts.uaa
    this.clock = opts.clock ?? systemClock
    this.grantType = opts.grantType ?? ''
    this.clientId = opts.clientId || 'cf'
    this.clientSecret = opts.clientSecret ?? ''
    this.access = opts.accessToken ? asHeader(opts.accessToken) : ''
    this.refreshTok = opts.refreshToken ?? ''
    if (opts.expiresIn !== undefined) this.opaqueExpiry = this.clock.now() + opts.expiresIn * 1000
  }

  /** The current token pair, as the config stores it. */
  get tokens(): Tokens {
    return {accessToken: this.access, refreshToken: this.refreshTok}
  }

  get isClientCredentials(): boolean {
    return this.grantType === CLIENT_CREDENTIALS
  }

  /** The Authorization header value, refreshed first when it is about to expire. */
  async authorization(): Promise<string> {
    if (this.inflight) return this.inflight
    if (this.needsRefresh()) return this.refresh(this.access)
    return this.access
  }

  /**
   * Get a new access token. With `failedAuthorization` (the header a request was rejected with),
   * a caller that is behind gets the current token instead of causing another refresh.
   */
  refresh(failedAuthorization?: string): Promise<string> {
    if (this.inflight) return this.inflight
    if (failedAuthorization !== undefined && this.access && stripBearer(failedAuthorization) !== stripBearer(this.access)) {
      return Promise.resolve(this.access)
    }
    const run = this.runRefresh().finally(() => {
      if (this.inflight === run) this.inflight = undefined
    })
    this.inflight = run
    return run
  }

  /** Whether the access token is missing, or due for a refresh (see expiresSoon). */
  needsRefresh(): boolean {
    return !this.access || expiresSoon(this.access, this.clock.now(), this.opaqueExpiry)
  }

  /** Who the token belongs to: user_name for users, else client_id (as the cf CLI decides). */
  identity(): Identity {
    return identityOf(this.access, this.grantType, this.clientId)
  }

  /** Take a token response from a grant (also used right after login). */
  accept(res: TokenResponse): Tokens {
    // The cf CLI stores `bearer <jwt>`; UAA's token_type is always bearer, in some case.
    const scheme = !res.token_type || /^bearer$/i.test(res.token_type) ? 'bearer' : res.token_type
    this.access = `${scheme} ${res.access_token}`
    if (res.refresh_token) this.refreshTok = res.refresh_token
    this.opaqueExpiry = res.expires_in === undefined ? undefined : this.clock.now() + res.expires_in * 1000
    return this.tokens
  }

  private async runRefresh(): Promise<string> {
    const store = this.opts.store
    if (store) {
      try {
        return await store.exclusive((stored) => this.refreshShared(stored))
      } catch (error) {
        if (!(error instanceof TokenStoreUnavailable)) throw error
        this.opts.onWarning?.(`${error.message}; refreshing the token without coordinating with other processes.`)
      }
    }
    const previous = this.tokens
    const tokens = await this.grant(previous)
    if (this.opts.onRotate && !store) {
      try {
        await this.opts.onRotate(tokens, previous)
      } catch (error) {
        this.opts.onWarning?.(`Could not save the refreshed token: ${(error as Error).message}`)
      }
    }
    return this.access
  }

  /** A refresh holding the store's lock: adopt what another process stored, or refresh and store. */
  private async refreshShared(stored: StoredTokens): Promise<string> {
    const held = this.tokens
    let theirs: Tokens | undefined
    try {
      theirs = await stored.read()
    } catch (error) {
      this.opts.onWarning?.(`Could not read the saved token: ${(error as Error).message}`)
    }
    const rotatedElsewhere = theirs !== undefined && !sameTokens(theirs, held) && this.sameOwner(theirs.accessToken)
    if (rotatedElsewhere && theirs!.accessToken && !expiresSoon(theirs!.accessToken, this.clock.now())) {
      // Another process refreshed since we loaded: its token is good, and ours may be spent.
      this.adopt(theirs!)
      return this.access
    }
    // The stored refresh token is the newest one (ours may have been spent by that process).
    let base = rotatedElsewhere && theirs!.refreshToken ? theirs! : held
    let tokens: Tokens
    try {
      tokens = await this.grant(base)
    } catch (error) {
      // The stored one was refused (a save of ours went missing?): ours may still be good.
      if (!(error instanceof NotLoggedInError) || base === held || !held.refreshToken || held.refreshToken === base.refreshToken) throw error
      base = held
      tokens = await this.grant(held)
    }
    try {
      await stored.write(tokens, base)
    } catch (error) {
      this.opts.onWarning?.(`Could not save the refreshed token: ${(error as Error).message}`)
    }
    return this.access
  }

  /** Take a pair another process stored. */
  private adopt(tokens: Tokens): void {
    this.access = asHeader(tokens.accessToken)
    this.refreshTok = tokens.refreshToken
    this.opaqueExpiry = undefined
  }

  /** Whether a token is for the same user or client as ours (when both say). */
  private sameOwner(accessToken: string): boolean {
    const ours = this.identity()
    const theirs = identityOf(accessToken, this.grantType, this.clientId)
    return !ours.name || !theirs.name || (ours.name === theirs.name && ours.kind === theirs.kind)
  }

  /** Run the grant (client_credentials, or refresh_token with `from`'s refresh token) and take its tokens. */
  private async grant(from: Tokens): Promise<Tokens> {
    let res: TokenResponse
    try {
      if (this.isClientCredentials) {
        if (!this.clientSecret) {
          throw new NotLoggedInError(SESSION_EXPIRED, [
            'The cf CLI does not save client secrets, so cfzd cannot renew a client_credentials token by itself.',
            `Log in again with 'cfzd login --client-id ${this.clientId} --client-secret ...', or set CF_CLIENT_ID and CF_CLIENT_SECRET.`,
          ])
        }
        res = await this.uaa.clientCredentialsGrant(this.clientId, this.clientSecret)
      } else {
        if (!from.refreshToken) throw new NotLoggedInError(SESSION_EXPIRED, [`Run 'cfzd login' (or 'cf login') to get a new session.`])
        res = await this.uaa.refreshTokenGrant(from.refreshToken, this.clientId, this.clientSecret)
      }
    } catch (error) {
      if (error instanceof UaaError && (error.status === 400 || error.status === 401)) {
        const why = error.description || error.error
        throw Object.assign(new NotLoggedInError(SESSION_EXPIRED, [`UAA said: ${why}`, `Run 'cfzd login' (or 'cf login') to get a new session.`]), {
          cause: error,
        })
      }
      throw error
    }
    // A refresh response without a refresh token keeps the one it was made with.
    if (!this.isClientCredentials) this.refreshTok = from.refreshToken
    return this.accept(res)
  }
}

/**
 * Whether an access token is unreadable or expires within 60 s. For tokens issued for less than
 * two minutes the margin is half their lifetime, so a short-lived token is not refreshed before
 * every single request. `opaqueExpiry` is the expiry of a token that is not a JWT, when known.
 */
export function expiresSoon(accessToken: string, now: number, opaqueExpiry?: number): boolean {
  const claims = decodeJwt(accessToken)
  const expiry = typeof claims?.exp === 'number' ? claims.exp * 1000 : opaqueExpiry
  if (expiry === undefined || !Number.isFinite(expiry)) return true
  const lifetime = typeof claims?.exp === 'number' && typeof claims.iat === 'number' ? (claims.exp - claims.iat) * 1000 : undefined
  const margin = lifetime !== undefined && lifetime > 0 ? Math.min(REFRESH_MARGIN_MS, lifetime / 2) : REFRESH_MARGIN_MS
  return expiry - now < margin
}

/** The same pair, whether or not the access token carries its `bearer ` scheme word. */
export function sameTokens(a: Tokens, b: Tokens): boolean {
  return stripBearer(a.accessToken) === stripBearer(b.accessToken) && a.refreshToken === b.refreshToken
}

/**
 * Who a token belongs to, as the cf CLI decides: user_name means a user, else client_id. An
 * opaque token falls back to the configured client for client_credentials, else a nameless user.
 */
export function identityOf(accessToken: string | undefined, grantType = '', clientId = 'cf'): Identity {
  const claims = decodeJwt(accessToken)
  if (typeof claims?.user_name === 'string' && claims.user_name) return {name: claims.user_name, kind: 'user'}
  if (typeof claims?.client_id === 'string' && claims.client_id) return {name: claims.client_id, kind: 'client'}
  if (grantType === CLIENT_CREDENTIALS) return {name: clientId, kind: 'client'}
  return {name: '', kind: 'user'}
}

/** Stored access tokens carry their scheme word; a bare token gets `bearer `. */
function asHeader(token: string): string {
  const t = token.trim()
  return /^bearer\s/i.test(t) ? t : `bearer ${t}`
}
