/**
 * Bad input through the real CLI, one row each of the README's "Bad input" table that had no test
 * of its own: every one gets a clear message saying what to do, its exit code, and changes nothing
 * (no write request reaches the API).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {startE2E, type E2E} from '../../helpers/e2e.js'

let e: E2E
const homes: string[] = []

beforeAll(async () => {
  e = await startE2E()
}, 60_000)

afterAll(async () => {
  await e?.stop()
  for (const h of homes) fs.rmSync(h, {recursive: true, force: true})
})

function home(config?: (h: string) => string | undefined): NodeJS.ProcessEnv {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-bad-input-'))
  homes.push(h)
  const text = config?.(h)
  if (text !== undefined) {
    fs.mkdirSync(path.join(h, '.cf'))
    fs.writeFileSync(path.join(h, '.cf', 'config.json'), text)
  }
  return {HOME: h, CF_HOME: h}
}

const loggedIn = () => JSON.parse(fs.readFileSync(path.join(e.home, '.cf', 'config.json'), 'utf8')) as Record<string, unknown>

describe('bad input: a clear message, its exit code, and nothing changed', () => {
  it.each([
    {name: 'an unknown flag', args: ['restart', 'sample', '--bogus'], code: 2, want: /Nonexistent flag: --bogus/},
    {name: 'a missing argument', args: ['restart'], code: 2, want: /Missing 1 required arg:\s+.*app\s+App name/s},
    {
      name: 'a bad duration',
      args: ['restart', 'sample', '--startup-timeout', 'abc'],
      code: 2,
      want: /Invalid duration "abc"\. Use a number with a unit, for example 500ms, 5s/,
    },
    {
      name: 'an unknown strategy',
      args: ['restart', 'sample', '--strategy', 'sideways'],
      code: 2,
      want: /STRATEGY must be "rolling", "canary" or "blue-green" \(got "sideways"\)/,
    },
    {
      name: 'a number out of range',
      args: ['restart', 'sample', '--max-in-flight', '0'],
      code: 2,
      want: /Expected an integer greater than or equal to 1 but received: 0/,
    },
    {
      name: 'a bad timeout in the environment',
      args: ['restart', 'sample'],
      env: {CF_STARTUP_TIMEOUT: 'abc'},
      code: 2,
      want: /CF_STARTUP_TIMEOUT must be a number of minutes \(got "abc"\)/,
    },
    {name: 'an unknown org', args: ['target', '-o', 'nope'], code: 4, want: /Organization 'nope' not found\.\nTIP: Check the name/},
  ])('$name: exit $code', async ({args, env, code, want}) => {
    e.foundation.clearRequestLog()
    const r = await e.cli(args, {env})
    expect(r.code).toBe(code)
    expect(r.stderr).toMatch(want)
    expect(e.foundation.requestLog.filter((x) => x.kind === 'api' && x.method !== 'GET')).toEqual([])
  })

  it('--json: a usage error is one JSON document on stdout', async () => {
    const r = await e.cli(['restart', 'sample', '--json', '--bogus'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout)).toEqual({error: {message: 'Nonexistent flag: --bogus\nSee more help with --help', exitCode: 2}})
  })

  it('not logged in (no config): exit 3, says how to log in', async () => {
    const r = await e.cli(['restart', 'sample'], {env: home()})
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/Not logged in: no API endpoint is set\.\nTIP: Run 'cfzd login -a API' \(or 'cf login'\) first, or set CF_API/)
  })

  it('a config.json that is not JSON: exit 2, never overwritten', async () => {
    const env = home(() => '{bad')
    const r = await e.cli(['apps'], {env})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/Cannot use the cf CLI config file .*config\.json: it is not valid JSON .*Fix or move it; cfzd will not overwrite it\./)
    expect(fs.readFileSync(path.join(env.CF_HOME!, '.cf', 'config.json'), 'utf8')).toBe('{bad')
  })

  it('an API that is not there (a config pointing at a closed port): exit 8 at once, says to check the URL', async () => {
    const env = home(() => JSON.stringify({...loggedIn(), Target: 'http://127.0.0.1:9'}))
    const r = await e.cli(['apps'], {env})
    expect(r.code).toBe(8)
    expect(r.stderr).toMatch(/ECONNREFUSED 127\.0\.0\.1:9\nTIP: Check the API URL and your network/)
  })

  it('an API that keeps answering 500: exit 8 after the retries, with the request id', async () => {
    await e.foundation.setFaults({errorRate: 1, errorKinds: ['500'], errorPathPattern: '^GET /v3/apps$'})
    try {
      const r = await e.cli(['app', 'sample'])
      expect(r.code).toBe(8)
      expect(r.stderr).toMatch(
        /\[UnknownError 10001, HTTP 500\] \(request id [0-9a-f-]+\)\nTIP: The Cloud Controller is overloaded or failing; try again later\./,
      )
    } finally {
      await e.foundation.setFaults({errorRate: 0, errorPathPattern: null})
    }
  })
})
