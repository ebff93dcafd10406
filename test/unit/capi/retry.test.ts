import {describe, expect, it} from '@jest/globals'
import {backoffMs, defaultRetryPolicy, retryAfterNetworkError, retryAfterStatus, uaaRetryPolicy} from '../../../src/capi/retry.js'

describe('retry policy: the one place that decides', () => {
  const get = {idempotent: true, attempt: 0}
  const post = {idempotent: false, attempt: 0}

  it('a 503 is retried for any method; 500/502/504 only when idempotent', () => {
    expect(retryAfterStatus(503, post, defaultRetryPolicy)).toBe(true)
    for (const status of [500, 502, 504]) {
      expect(retryAfterStatus(status, get, defaultRetryPolicy)).toBe(true)
      expect(retryAfterStatus(status, post, defaultRetryPolicy)).toBe(false)
    }
    expect(retryAfterStatus(404, get, defaultRetryPolicy)).toBe(false)
    expect(retryAfterStatus(503, {idempotent: true, attempt: defaultRetryPolicy.limit}, defaultRetryPolicy)).toBe(false)
  })

  it("UAA's 500 is an answer, not an outage", () => {
    expect(retryAfterStatus(500, get, uaaRetryPolicy)).toBe(false)
    expect(retryAfterStatus(502, get, uaaRetryPolicy)).toBe(true)
  })

  it('a POST is sent again only when it never reached the server; TLS errors never', () => {
    expect(retryAfterNetworkError('ECONNREFUSED', post, defaultRetryPolicy)).toBe(true)
    expect(retryAfterNetworkError('ECONNRESET', post, defaultRetryPolicy)).toBe(false)
    expect(retryAfterNetworkError('ECONNRESET', get, defaultRetryPolicy)).toBe(true)
    expect(retryAfterNetworkError('DEPTH_ZERO_SELF_SIGNED_CERT', get, defaultRetryPolicy)).toBe(false)
  })

  it('backoff grows, is capped, and carries jitter', () => {
    const b = {baseMs: 100, capMs: 1000}
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffMs(n, b, () => 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000])
    expect([0, 1, 4].map((n) => backoffMs(n, b, () => 0))).toEqual([50, 100, 500])
    expect(backoffMs(2, b, () => 0, 0.25)).toBe(300)
  })
})
