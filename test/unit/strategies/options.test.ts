import {describe, expect, it} from '@jest/globals'
import {UsageError} from '../../../src/errors.js'
import {parseInstanceSteps, resolveTimeouts} from '../../../src/flags.js'
import {deployOptions} from '../../../src/deploy-options.js'

describe('deployOptions', () => {
  it('defaults to rolling with cf CLI timeouts', () => {
    const o = deployOptions({}, {})
    expect(o.strategy).toBe('rolling')
    expect(o.stagingTimeoutMs).toBe(15 * 60_000)
    expect(o.startupTimeoutMs).toBe(5 * 60_000)
    expect(o.venerableSuffix).toBe('-venerable')
  })

  it('reads CF_STAGING_TIMEOUT / CF_STARTUP_TIMEOUT in minutes, and flags win', () => {
    expect(deployOptions({}, {CF_STAGING_TIMEOUT: '2', CF_STARTUP_TIMEOUT: '0.5'}).startupTimeoutMs).toBe(30_000)
    expect(deployOptions({'startup-timeout': 1000}, {CF_STARTUP_TIMEOUT: '3'}).startupTimeoutMs).toBe(1000)
    expect(() => resolveTimeouts({}, {CF_STARTUP_TIMEOUT: 'soon'})).toThrow(/minutes/)
  })

  it('--no-stop implies --no-delete', () => {
    const o = deployOptions({'no-stop': true}, {}, 'blue-green')
    expect(o.noStop).toBe(true)
    expect(o.noDelete).toBe(true)
  })

  it.each([
    {name: 'steps without canary', flags: {'instance-steps': [20]}, forced: undefined, msg: /instance-steps/},
    {name: 'max-in-flight with blue-green', flags: {strategy: 'blue-green' as const, 'max-in-flight': 2}, forced: undefined, msg: /max-in-flight/},
    {name: 'no-wait with blue-green', flags: {'no-wait': true}, forced: 'blue-green' as const, msg: /no-wait/},
    {name: 'no-delete with rolling', flags: {'no-delete': true}, forced: undefined, msg: /blue-green only/},
    {name: 'a strategy that contradicts the command', flags: {strategy: 'rolling' as const}, forced: 'blue-green' as const, msg: /always uses/},
    {name: 'a bad suffix', flags: {'venerable-suffix': 'a b'}, forced: 'blue-green' as const, msg: /venerable-suffix/},
  ])('refuses $name', ({flags, forced, msg}) => {
    expect(() => deployOptions(flags, {}, forced)).toThrow(UsageError)
    expect(() => deployOptions(flags, {}, forced)).toThrow(msg)
  })

  it('--smoke-test: blue-green and canary, with a timeout (default 5m)', () => {
    expect(deployOptions({'smoke-test': ' ./smoke.sh '}, {}, 'blue-green').smokeTest).toEqual({command: './smoke.sh', timeoutMs: 300_000, env: {}})
    expect(deployOptions({strategy: 'canary', 'smoke-test': 'true', 'smoke-test-timeout': 1000}, {}).smokeTest).toEqual({
      command: 'true',
      timeoutMs: 1000,
      env: {},
    })
    expect(deployOptions({}, {}).smokeTest).toBeUndefined()
  })

  it.each([
    {name: 'rolling', flags: {'smoke-test': 'true'}, msg: /needs --strategy canary or blue-green/},
    {name: 'an empty command', flags: {strategy: 'canary' as const, 'smoke-test': ' '}, msg: /needs a command/},
    {name: 'a timeout alone', flags: {strategy: 'canary' as const, 'smoke-test-timeout': 5}, msg: /needs --smoke-test/},
    {name: 'canary with --no-wait', flags: {strategy: 'canary' as const, 'no-wait': true, 'smoke-test': 'true'}, msg: /--no-wait/},
  ])('refuses --smoke-test with $name', ({flags, msg}) => {
    expect(() => deployOptions(flags, {})).toThrow(UsageError)
    expect(() => deployOptions(flags, {})).toThrow(msg)
  })

  it('reads CFZD_ROUTE_SETTLE as a duration', () => {
    expect(deployOptions({}, {CFZD_ROUTE_SETTLE: '250ms'}).routeSettleMs).toBe(250)
    expect(() => deployOptions({}, {CFZD_ROUTE_SETTLE: 'x'})).toThrow(UsageError)
  })
})

describe('parseInstanceSteps', () => {
  it.each([
    ['20,40,60', [20, 40, 60]],
    [' 10 , 10 ', [10, 10]],
    ['100', [100]],
  ])('%s', (input, want) => expect(parseInstanceSteps(input)).toEqual(want))

  it.each(['', 'a,b', '0,10', '40,20', '101', '1.5'])('rejects %j', (input) => {
    expect(() => parseInstanceSteps(input)).toThrow()
  })
})
