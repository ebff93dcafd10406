import {describe, expect, it} from '@jest/globals'
import {parseDuration} from '../../../src/clock.js'

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5', 5000],
    ['2m', 120_000],
    ['1.5h', 5_400_000],
    ['3d', 259_200_000],
  ])('%s is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  it('refuses what is not a duration, naming the units', () => {
    expect(() => parseDuration('3 weeks')).toThrow(/500ms, 5s, 2m, 1h or 3d/)
  })
})
