/**
 * Reading a UAA token's claims without verifying it, as the cf CLI does: the Cloud Controller
 * verifies tokens; a client only needs `exp` to refresh in time and `user_name`/`client_id` to say
 * who is logged in.
 */

/** The claims cfzd reads. UAA sends more; they are kept in the object. */
export interface JwtClaims {
  [claim: string]: unknown
  /** Expiry, in epoch seconds. */
  exp?: number
  /** Issued at, in epoch seconds. */
  iat?: number
  jti?: string
  /** Present in user tokens only. */
  user_name?: string
  user_id?: string
  email?: string
  origin?: string
  client_id?: string
  cid?: string
  grant_type?: string
  scope?: string[]
  /** When true, `cf logout` revokes the token at UAA. */
  revocable?: boolean
}

/** The token without its `bearer ` scheme word (any case), as stored in AccessToken. */
export function stripBearer(token: string): string {
  return token.trim().replace(/^bearer\s+/i, '')
}

/** Decode a JWT's payload, tolerating a `bearer ` prefix. Undefined for opaque or garbled tokens. */
export function decodeJwt(token: string | undefined): JwtClaims | undefined {
  if (!token) return undefined
  const parts = stripBearer(token).split('.')
  if (parts.length !== 3 || !parts[1]) return undefined
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined
    return payload as JwtClaims
  } catch {
    return undefined
  }
}

/** Expiry in epoch milliseconds, or undefined when the token has no readable `exp`. */
export function expiresAt(token: string | undefined): number | undefined {
  const exp = decodeJwt(token)?.exp
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined
}
