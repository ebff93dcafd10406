import {describe, expect, it} from '@jest/globals'
import {CapiError, CapiServerError, CapiUnprocessable, NetworkError} from '../../../src/capi/errors.js'
import {AbortError} from '../../../src/clock.js'
import {CfzdError, ExitCode} from '../../../src/errors.js'
import {Pacer, classifyFailure, decideRetry} from '../../../src/restage-all/pacing.js'
import {WaitFailure} from '../../../src/strategies/wait.js'

const NOW = 1_000_000

describe('Pacer', () => {
  it('lets --concurrency apps run and nothing else when all is well', () => {
    const p = new Pacer(4)
    expect(p.onResponse({status: 200, rateLimit: {limit: 2000, remaining: 1800, resetAt: NOW + 60_000}}, NOW)).toBe(false)
    expect(p.limit(NOW)).toBe(4)
  })

  it.each([
    {name: 'remaining at 10 % of the limit', rl: {limit: 2000, remaining: 200, resetAt: NOW + 90_000}, until: NOW + 90_000},
    {name: 'remaining 0 (the estimate can read 0 while requests still pass)', rl: {limit: 2000, remaining: 0, resetAt: NOW + 5_000}, until: NOW + 5_000},
    {name: 'low, without a reset time: the default pause', rl: {limit: 100, remaining: 5}, until: NOW + 30_000},
    {name: 'low, with a reset absurdly far away: the default pause', rl: {limit: 100, remaining: 5, resetAt: NOW + 10 * 3_600_000}, until: NOW + 30_000},
  ])('pauses new starts until the window resets: $name', ({rl, until}) => {
    const p = new Pacer(4)
    expect(p.onResponse({status: 200, rateLimit: rl}, NOW)).toBe(true)
    expect(p.limit(NOW)).toBe(0)
    expect(p.limit(until - 1)).toBe(0)
    expect(p.limit(until)).toBe(4)
    expect(p.pauseReason).toMatch(/rate limit low/)
  })

  it('a 429 pauses and halves the concurrency; successes bring it back one by one', () => {
    const p = new Pacer(8)
    expect(p.onResponse({status: 429, rateLimit: {limit: 100, remaining: 0, resetAt: NOW + 20_000}}, NOW)).toBe(true)
    expect(p.pauseReason).toBe('rate limited (HTTP 429)')
    expect(p.limit(NOW + 19_999)).toBe(0)
    expect(p.limit(NOW + 20_000)).toBe(4)
    p.onSuccess()
    p.onSuccess()
    expect(p.effective).toBe(6)
    for (let i = 0; i < 10; i++) p.onSuccess()
    expect(p.effective).toBe(8)
  })

  it('a 429 without headers pauses for the default time', () => {
    const p = new Pacer(2)
    p.onResponse({status: 429}, NOW)
    expect(p.pausedUntil).toBe(NOW + 30_000)
  })

  it('staging capacity trouble halves, never below one', () => {
    const p = new Pacer(5)
    p.slowDown()
    expect(p.effective).toBe(2)
    p.slowDown()
    p.slowDown()
    expect(p.effective).toBe(1)
  })

  it('a later, shorter pause does not cut an earlier one short', () => {
    const p = new Pacer(2)
    p.onResponse({status: 200, rateLimit: {limit: 100, remaining: 0, resetAt: NOW + 60_000}}, NOW)
    expect(p.onResponse({status: 200, rateLimit: {limit: 100, remaining: 0, resetAt: NOW + 10_000}}, NOW)).toBe(false)
    expect(p.pausedUntil).toBe(NOW + 60_000)
  })
})

const capi = (Ctor: typeof CapiError, status: number, title: string, detail = 'x') => new Ctor(status, [{code: 1, title, detail}])

describe('classifyFailure', () => {
  it.each([
    {
      name: 'staging failed for lack of cells',
      error: new CfzdError('Staging failed', {
        cause: new WaitFailure('staging-failed', 'Staging failed for app a: InsufficientResources - insufficient resources: memory'),
      }),
      want: 'capacity',
    },
    {
      name: 'no compatible cell',
      error: new CfzdError('x', {cause: new WaitFailure('staging-failed', 'Staging failed for app a: NoCompatibleCell - found no compatible cell')}),
      want: 'capacity',
    },
    {
      name: 'staging failed in the buildpack',
      error: new CfzdError('x', {cause: new WaitFailure('staging-failed', 'Staging failed for app a: BuildpackCompileFailed - exit 1')}),
      want: 'failed',
    },
    {
      name: 'a build already staging (422, through the strategy)',
      error: new CfzdError("App 'a' is already staging (someone else started a build).", {
        exitCode: ExitCode.CONFLICT,
        cause: capi(CapiUnprocessable, 422, 'CF-StagingInProgress'),
      }),
      want: 'staging-in-progress',
    },
    {
      name: 'already staging, message only',
      error: new CfzdError("App 'a' is already staging (someone else started a build).", {exitCode: ExitCode.CONFLICT}),
      want: 'staging-in-progress',
    },
    {name: 'a deployment in flight', error: new CfzdError("App 'a' already has a deployment in flight", {exitCode: ExitCode.CONFLICT}), want: 'conflict'},
    {name: 'quota', error: new CfzdError('Not enough quota', {exitCode: ExitCode.QUOTA}), want: 'quota'},
    {name: '429 past the transport retries', error: capi(CapiError, 429, 'CF-RateLimitExceeded'), want: 'rate-limited'},
    {name: '503 past the transport retries', error: capi(CapiServerError, 503, 'CF-ServiceUnavailable'), want: 'api'},
    {name: 'network', error: new NetworkError('reset', {code: 'ECONNRESET', ambiguous: true}), want: 'api'},
    {name: 'interrupted (strategy cancelled)', error: new CfzdError('Interrupted.', {exitCode: ExitCode.INTERRUPTED}), want: 'interrupted'},
    {name: 'abort', error: new AbortError(), want: 'interrupted'},
    {name: 'anything else', error: new Error('boom'), want: 'failed'},
  ])('$name → $want', ({error, want}) => {
    expect(classifyFailure(error).kind).toBe(want)
  })

  it('an error while the signal is aborted is an interruption', () => {
    expect(classifyFailure(new Error('boom'), true).kind).toBe('interrupted')
  })
})

describe('decideRetry', () => {
  const half = () => 0 // jitter factor 0.75
  it.each([
    {name: 'capacity, 1st failure', kind: 'capacity' as const, attempt: 1, want: 11_250},
    {name: 'capacity, 2nd failure doubles', kind: 'capacity' as const, attempt: 2, want: 22_500},
    {name: 'capacity, 5th failure: 4 min', kind: 'capacity' as const, attempt: 5, want: 180_000},
    {name: 'capacity, gives up after 6 attempts', kind: 'capacity' as const, attempt: 6, want: undefined},
    {name: 'staging in progress', kind: 'staging-in-progress' as const, attempt: 1, want: 11_250},
    {name: 'rate limited', kind: 'rate-limited' as const, attempt: 3, want: 45_000},
    {name: 'rate limited, gives up after 4', kind: 'rate-limited' as const, attempt: 4, want: undefined},
    {name: 'api', kind: 'api' as const, attempt: 2, want: 22_500},
    {name: 'api gives up after 3', kind: 'api' as const, attempt: 3, want: undefined},
    {name: 'plain failure: never', kind: 'failed' as const, attempt: 1, want: undefined},
    {name: 'conflict: never', kind: 'conflict' as const, attempt: 1, want: undefined},
  ])('$name', ({kind, attempt, want}) => {
    const d = decideRetry({kind, message: 'm'}, attempt, {othersInFlight: 1, random: half})
    expect(d.retry ? d.delayMs : undefined).toBe(want)
  })

  it('caps the backoff', () => {
    const d = decideRetry(
      {kind: 'capacity', message: 'm'},
      5,
      {othersInFlight: 0, random: () => 0.9999999},
      {maxAttempts: {capacity: 10}, baseMs: 60_000, capMs: 300_000},
    )
    expect(d).toMatchObject({retry: true, delayMs: 300_000})
  })

  it('retries a quota shortfall only while other apps hold quota', () => {
    expect(decideRetry({kind: 'quota', message: 'm'}, 1, {othersInFlight: 2, random: half})).toMatchObject({
      retry: true,
      why: 'the quota is taken by other apps restaging now',
    })
    expect(decideRetry({kind: 'quota', message: 'm'}, 1, {othersInFlight: 0, random: half})).toEqual({retry: false})
  })

  it('jitters between 75 % and 100 % of the backoff', () => {
    const d1 = decideRetry({kind: 'capacity', message: 'm'}, 1, {othersInFlight: 0, random: () => 0.999})
    expect(d1.retry && d1.delayMs).toBeGreaterThan(14_900)
    expect(d1.retry && d1.delayMs).toBeLessThanOrEqual(15_000)
  })
})
