import {describe, expect, it} from '@jest/globals'
import {restartDelayMs} from '../../../src/local/runtime/crash-restart.js'

describe("Diego's restart calculator (bbs models/restart_calculator.go)", () => {
  it.each([
    [1, 0],
    [2, 0],
    [3, 30_000],
    [4, 60_000],
    [5, 120_000],
    [6, 240_000],
    [7, 480_000],
    [8, 960_000],
    [9, 960_000],
    [199, 960_000],
  ])('crash %i is restarted after %i ms', (count, ms) => {
    expect(restartDelayMs(count, 30_000)).toBe(ms)
  })

  it('is not restarted from the 200th crash on', () => {
    expect(restartDelayMs(200, 30_000)).toBeUndefined()
  })

  it('scales with the minimum backoff', () => {
    expect(restartDelayMs(4, 100)).toBe(200)
    expect(restartDelayMs(20, 100)).toBe(3200)
  })
})
