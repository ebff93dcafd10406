import {describe, expect, it} from '@jest/globals'
import {UsageError} from '../../../src/errors.js'
import {parsePercent, probeArgv} from '../../../src/flags.js'
import {AbortWatch, probeSettings} from '../../../src/probe/settings.js'

describe('probeArgv: a bare --probe means the first route', () => {
  it.each([
    {name: 'at the end', argv: ['app', '--probe'], want: ['app', '--probe=']},
    {name: 'before the app name', argv: ['--probe', 'app'], want: ['--probe=', 'app']},
    {name: 'before another flag', argv: ['app', '--probe', '--json'], want: ['app', '--probe=', '--json']},
    {name: 'with a URL', argv: ['app', '--probe', 'https://x.example.com/health'], want: ['app', '--probe', 'https://x.example.com/health']},
    {name: 'with a path', argv: ['--probe', '/health', 'app'], want: ['--probe', '/health', 'app']},
    {name: 'with another scheme (refused later, with a clear message)', argv: ['app', '--probe', 'ftp://x'], want: ['app', '--probe', 'ftp://x']},
    {name: 'with =', argv: ['app', '--probe=http://a/'], want: ['app', '--probe=http://a/']},
    {name: 'after --', argv: ['app', '--', '--probe'], want: ['app', '--', '--probe']},
  ])('$name', ({argv, want}) => expect(probeArgv(argv)).toEqual(want))
})

describe('parsePercent', () => {
  it.each([
    ['5%', 5],
    ['5', 5],
    [' 0.5 % ', 0.5],
    ['100%', 100],
  ])('%j', (input, want) => expect(parsePercent(input)).toBe(want))
  it.each(['0', '0%', '101%', 'five', '-1%', ''])('rejects %j', (input) => expect(() => parsePercent(input)).toThrow(/percentage/))
})

describe('probeSettings', () => {
  it('is off unless a probe flag is given; any probe flag implies --probe', () => {
    expect(probeSettings({})).toBeUndefined()
    expect(probeSettings({probe: ''})).toEqual({
      target: undefined,
      ratePerSec: 10,
      timeoutMs: 5000,
      abort: {errors: undefined, errorRate: undefined, sample: 20},
    })
    expect(probeSettings({'abort-on-errors': 3})).toMatchObject({target: undefined, abort: {errors: 3}})
    expect(probeSettings({'abort-on-error-rate': 5, 'abort-sample': 50, 'probe-rate': 40})).toMatchObject({ratePerSec: 40, abort: {errorRate: 5, sample: 50}})
  })

  it('takes a URL or a /path', () => {
    expect(probeSettings({probe: 'https://shop.example.com/health'})?.target).toBe('https://shop.example.com/health')
    expect(probeSettings({probe: '/health'})?.target).toBe('/health')
  })

  it.each([
    {name: 'a bare word', flags: {probe: 'shop'}, msg: /URL .* or a \/path/},
    {name: 'a broken URL', flags: {probe: 'http://'}, msg: /not a valid URL/},
    {name: '--abort-sample alone', flags: {'abort-sample': 10}, msg: /needs --abort-on-error-rate/},
  ])('refuses $name', ({flags, msg}) => {
    expect(() => probeSettings(flags)).toThrow(UsageError)
    expect(() => probeSettings(flags)).toThrow(msg)
  })
})

/** Feed a string of outcomes ("." ok, "x" failed); the index of the request that aborts, or -1. */
function abortsAt(watch: AbortWatch, outcomes: string): number {
  for (let i = 0; i < outcomes.length; i++) if (watch.record(outcomes[i] === '.')) return i
  return -1
}

describe('AbortWatch', () => {
  it.each([
    {name: 'errors 3: the third failure, wherever it falls', t: {errors: 3, sample: 20}, outcomes: '..x....x.....x...', at: 13},
    {name: 'errors 1: the first failure', t: {errors: 1, sample: 20}, outcomes: '....x', at: 4},
    {name: 'errors 3 never reached', t: {errors: 3, sample: 20}, outcomes: 'x.........x.........', at: -1},
    {name: 'rate 5% of 20: one failure is 5%, not over', t: {errorRate: 5, sample: 20}, outcomes: 'x'.padEnd(40, '.'), at: -1},
    {name: 'rate 5% of 20: two failures in the window abort', t: {errorRate: 5, sample: 20}, outcomes: '....x.........x.....', at: 19},
    {name: 'rate waits for a full sample', t: {errorRate: 5, sample: 20}, outcomes: 'xx', at: -1},
    {name: 'rate: old failures slide out of the window', t: {errorRate: 10, sample: 10}, outcomes: 'x..........x..........x', at: -1},
    {name: 'rate 50% of 4: three of the last four', t: {errorRate: 50, sample: 4}, outcomes: '....x.x.xx', at: 9},
    {name: 'both: whichever comes first', t: {errors: 2, errorRate: 50, sample: 10}, outcomes: '.x.x', at: 3},
  ])('$name', ({t, outcomes, at}) => expect(abortsAt(new AbortWatch(t), outcomes)).toBe(at))

  it('says why, naming the flag', () => {
    const w = new AbortWatch({errors: 2, sample: 20})
    w.record(false)
    expect(w.record(false)).toBe('the probe saw 2 failed requests (--abort-on-errors 2)')
    const r = new AbortWatch({errorRate: 10, sample: 10})
    expect(abortsAt(r, '........xx')).toBe(9)
    const why = new AbortWatch({errorRate: 10, sample: 10})
    for (const c of '........x') why.record(c === '.')
    expect(why.record(false)).toBe('2 of the last 10 probe requests failed (20%, over --abort-on-error-rate 10%)')
  })

  it('is not armed without a threshold', () => {
    expect(new AbortWatch({sample: 20}).armed).toBe(false)
    expect(new AbortWatch({errors: 1, sample: 20}).armed).toBe(true)
  })
})
