/**
 * The local foundation's generated admin password is given to `cfzd login -p` (README, e2e
 * helpers, bench sites). A value starting with '-' is taken for a flag there ("Flag --password
 * expects a value"), and one base64url password in 64 started so: the cause of rare failed
 * bench runs. Generated passwords are hex.
 */
import {describe, expect, it} from '@jest/globals'
import {newPassword} from '../../../src/local/index.js'

describe('local foundation: generated admin password', () => {
  it('is 24 hex digits, so it never starts with - (2,000 drawn)', () => {
    const drawn = Array.from({length: 2000}, () => newPassword())
    expect(drawn.filter((p) => !/^[0-9a-f]{24}$/.test(p))).toEqual([])
    expect(new Set(drawn).size).toBe(drawn.length)
  })
})
