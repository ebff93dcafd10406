import {afterEach, describe, expect, it} from '@jest/globals'
import {runSmokeTest, SmokeTestFailed} from '../../../src/strategies/smoke.js'

describe('runSmokeTest', () => {
  afterEach(() => {
    delete process.env.CFZD_TEST_NOT_GIVEN
  })

  it('runs the command in the environment it is given, plus CFZD_SMOKE_URL, never reading process.env', async () => {
    process.env.CFZD_TEST_NOT_GIVEN = 'leaked'
    const env = {PATH: process.env.PATH, CFZD_TEST_GIVEN: 'given'}
    const check =
      '[ "$CFZD_TEST_GIVEN" = given ] && [ -z "$CFZD_TEST_NOT_GIVEN" ] && [ "$CFZD_SMOKE_URL" = http://app.example ] && [ "$0" = http://app.example ] && env | grep -q "^PATH=" && echo ok'
    const lines: string[] = []
    await runSmokeTest({command: `sh -c '${check}'`, timeoutMs: 10_000, env}, 'http://app.example', (l) => lines.push(l))
    expect(lines).toEqual(['ok'])
  })

  it('fails when the command does not find what only the given environment has', async () => {
    const run = runSmokeTest({command: '[ "$CFZD_TEST_GIVEN" = given ]', timeoutMs: 10_000, env: {PATH: process.env.PATH}}, 'http://app.example', () => {})
    await expect(run).rejects.toBeInstanceOf(SmokeTestFailed)
  })
})
