/**
 * The one retry policy, for every request cfzd sends to Cloud Controller (capi/http.ts) and to UAA
 * (auth/uaa.ts). What happens when a request fails is decided here:
 *
 * - **Refused connection, unknown host** (ECONNREFUSED, ENOTFOUND, ...): the request never reached
 *   the server, so it is sent again whatever its method. A Cloud Controller that answered before
 *   and now refuses connections is restarting: requests wait for it for up to `unreachableMs`.
 * - **Reset, timeout, any other network error**: the server may have acted. Idempotent requests
 *   (everything but POST) are sent again; a POST fails as *ambiguous* (NetworkError.ambiguous), and
 *   its caller re-reads live state before it creates anything again (see reconcile.ts).
 * - **503**: Cloud Controller (or the router in front of it) turned the request away unprocessed,
 *   so any method is sent again. **500, 502, 504**: only idempotent requests are.
 * - **429**: throttled requests did not take effect: any method waits for Retry-After or
 *   X-RateLimit-Reset and is sent again, up to `rateLimitRetries` times.
 * - **401 CF-InvalidAuthToken**: the token is refreshed once and the request sent again.
 * - **TLS errors** are never retried: they will not go away by themselves.
 *
 * Waits between attempts grow exponentially, are capped, and carry jitter (see backoffMs). So a 503
 * while staging: the build read (a GET) is retried `limit` times with backoff, and if Cloud
 * Controller still answers 503 the wait for the build (strategies/wait.ts) keeps reading until its
 * own deadline, so a short outage costs time, not the operation.
 *
 * Polling (how often to read while waiting for something) is not retrying: see src/poll.ts.
 */

export interface Backoff {
  /** The first wait. */
  baseMs: number
  /** The longest wait. */
  capMs: number
}

export interface RetryPolicy extends Backoff {
  /** Retries after network errors and retryable statuses. */
  limit: number
  /** Retries after a 429, for any method (a throttled request did not take effect). */
  rateLimitRetries: number
  /** Longest single wait for a rate-limit reset before giving up. */
  rateLimitMaxWaitMs: number
  /**
   * How long to keep trying, any method, while an API that has answered before refuses connections
   * (a Cloud Controller restarting): nothing was sent, so nothing can happen twice. An API that
   * never answered (a wrong URL) fails at once.
   */
  unreachableMs: number
  /** Statuses worth sending an idempotent request again for. */
  retryStatuses: ReadonlySet<number>
}

/** Cloud Controller. */
export const defaultRetryPolicy: RetryPolicy = {
  limit: 4,
  baseMs: 250,
  capMs: 8000,
  rateLimitRetries: 8,
  rateLimitMaxWaitMs: 15 * 60_000,
  unreachableMs: 60_000,
  retryStatuses: new Set([500, 502, 503, 504]),
}

/** UAA's token endpoint: a few quick tries; a 500 there is an answer (a bad client, say), not an outage. */
export const uaaRetryPolicy: RetryPolicy = {
  ...defaultRetryPolicy,
  limit: 2,
  baseMs: 500,
  capMs: 2000,
  rateLimitRetries: 0,
  unreachableMs: 0,
  retryStatuses: new Set([502, 503, 504]),
}

/** Network errors where the request never reached the server, so even a POST may be repeated. */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
/** Connection errors that mean the API is not there right now (as opposed to a bad name). */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH'])
/** TLS failures: never retried. */
export const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO/

/** Whether the server may have acted on a request that failed with this network error code. */
export function isAmbiguousCode(code: string | undefined): boolean {
  return !NOT_SENT_CODES.has(code ?? '')
}

/** Send again after a network error? `attempt` counts the retries so far. */
export function retryAfterNetworkError(code: string | undefined, o: {idempotent: boolean; attempt: number}, policy: RetryPolicy): boolean {
  if (TLS_CODES.test(code ?? '')) return false
  return (o.idempotent || !isAmbiguousCode(code)) && o.attempt < policy.limit
}

/** Send again after this status? 503 means unprocessed, so any method; the others only when idempotent. */
export function retryAfterStatus(status: number, o: {idempotent: boolean; attempt: number}, policy: RetryPolicy): boolean {
  if (!policy.retryStatuses.has(status) || o.attempt >= policy.limit) return false
  return o.idempotent || status === 503
}

/**
 * Capped exponential backoff with jitter: base·2^attempt, capped, times a factor in [1 − jitter, 1),
 * so callers that failed together do not come back together. `attempt` starts at 0.
 */
export function backoffMs(attempt: number, b: Backoff, random: () => number = Math.random, jitter = 0.5): number {
  const exp = Math.min(b.capMs, b.baseMs * 2 ** attempt)
  return Math.round(exp * (1 - jitter + random() * jitter))
}
