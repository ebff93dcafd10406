import {describe, expect, it} from '@jest/globals'
import {NetworkError} from '../../../src/capi/errors.js'
import {FakeClock} from '../../../src/clock.js'
import {doubling, tolerant, until} from '../../../src/poll.js'

describe('until: the one poll loop', () => {
  it('reads until final, sleeping the schedule on the injected clock', async () => {
    const clock = new FakeClock()
    const values = [1, 2, 3, 4]
    const got = await until(
      async () => values.shift()!,
      (v) => v === 4,
      {clock, interval: doubling(100, 250), onTimeout: () => new Error('late')},
    )
    expect(got).toBe(4)
    expect(clock.sleeps).toEqual([100, 200, 250])
  })

  it('judges the last read before giving up, and never sleeps past the deadline', async () => {
    const clock = new FakeClock()
    let reads = 0
    const error = await until(
      async () => ++reads,
      () => false,
      {clock, timeoutMs: 250, interval: 100, onTimeout: (last) => new Error(`still ${last}`)},
    ).catch((e: Error) => e)
    expect((error as Error).message).toBe('still 4')
    expect(clock.sleeps).toEqual([100, 100, 50])
  })

  it('a throwing final ends the wait with that failure', async () => {
    const clock = new FakeClock()
    await expect(
      until(
        async () => 'FAILED',
        () => {
          throw new Error('it failed')
        },
        {clock, interval: 10, onTimeout: () => new Error('late')},
      ),
    ).rejects.toThrow('it failed')
  })
})

describe('tolerant', () => {
  it('outlasts transient trouble until the deadline, and rethrows the rest', async () => {
    const clock = new FakeClock()
    let n = 0
    const v = await tolerant(async () => (++n < 3 ? Promise.reject(new NetworkError('reset', {code: 'ECONNRESET', ambiguous: true})) : 'ok'), {
      clock,
      deadline: clock.now() + 10_000,
    })
    expect(v).toBe('ok')
    expect(clock.sleeps).toEqual([1000, 1000])
    await expect(tolerant(async () => Promise.reject(new Error('bad')), {clock, deadline: clock.now() + 10_000})).rejects.toThrow('bad')
    await expect(
      tolerant(async () => Promise.reject(new NetworkError('reset', {code: 'ECONNRESET', ambiguous: true})), {clock, deadline: clock.now()}),
    ).rejects.toThrow('reset')
  })
})
