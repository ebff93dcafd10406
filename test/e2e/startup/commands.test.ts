/**
 * bin/run.js runs apps, app, restart, restage, push, cancel-deployment and restage-all from a
 * bundle in dist/startup/commands/ without loading oclif's Config (for start-up time, see bench/).
 * What the user sees must be what oclif gives, byte for byte: stdout, stderr and the exit code,
 * for flag parsing and its errors (unknown flag, missing argument, bad value, usage help on
 * stderr), for the commands' own errors, and for real runs against the local foundation.
 * CFZD_FAST_PATH=0 forces the oclif path for the comparison.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {ROOT, runCli, startE2E, type CliResult, type E2E} from '../../helpers/e2e.js'

const TRACE = 'cfzd: fast path\n'
const meta = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'startup', 'meta.json'), 'utf8')) as {commands?: string[]}
const COMMANDS = ['apps', 'app', 'restart', 'restage', 'push', 'cancel-deployment', 'restage-all']

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-startup-cmd-'))
/** Not logged in: an empty CF_HOME. */
const loggedOut: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: home, CF_HOME: home, OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}
/** push's own checks before any request: a manifest that is not YAML, an archive that is not a zip. */
const badManifest = path.join(home, 'bad-manifest.yml')
fs.writeFileSync(badManifest, 'applications:\n- name: a\n  memory: [oops\n')
const badZip = path.join(home, 'bad.zip')
fs.writeFileSync(badZip, 'PK\u0003\u0004 not a zip')

async function both(
  run: (env: NodeJS.ProcessEnv) => Promise<CliResult>,
  env: NodeJS.ProcessEnv,
): Promise<{fast: CliResult; oclif: CliResult; tookFastPath: boolean}> {
  const [fast, oclif] = await Promise.all([run({...env, CFZD_FAST_PATH: 'trace'}), run({...env, CFZD_FAST_PATH: '0'})])
  const tookFastPath = fast.stderr.startsWith(TRACE)
  return {fast: {...fast, stderr: tookFastPath ? fast.stderr.slice(TRACE.length) : fast.stderr}, oclif, tookFastPath}
}

function same({fast, oclif}: {fast: CliResult; oclif: CliResult}): void {
  expect(fast.stderr).toBe(oclif.stderr)
  expect(fast.stdout).toBe(oclif.stdout)
  expect(fast.code).toBe(oclif.code)
}

afterAll(() => fs.rmSync(home, {recursive: true, force: true}))

describe('command fast path', () => {
  it('bundles every day-to-day command', () => {
    expect(meta.commands?.sort()).toEqual([...COMMANDS].sort())
    for (const id of COMMANDS) expect(fs.existsSync(path.join(ROOT, 'dist', 'startup', 'commands', `${id}.cache`))).toBe(true)
  })

  it.each([
    ['a missing argument', ['restart'], {}],
    ['a missing argument, --json', ['app', '--json'], {}],
    ['an unknown flag', ['restart', 'my-app', '--no-such-flag'], {}],
    ['an unknown flag in colour', ['restage', 'my-app', '--bogus'], {FORCE_COLOR: '1'}],
    ['an unexpected argument', ['app', 'my-app', 'extra'], {}],
    ['too many arguments', ['cancel-deployment', 'a', 'b'], {}],
    ['a flag without its value', ['push', '--path'], {}],
    ['push without an app or a manifest', ['push', '--no-manifest'], {}],
    ['push with a bad --memory', ['push', 'my-app', '--no-manifest', '-m', 'lots'], {}],
    ['push with a bad --var', ['push', 'my-app', '--no-manifest', '--var', 'novalue'], {}],
    ['push with --instances below 0', ['push', 'my-app', '-i', '-1'], {}],
    ['push with a strategy flag of another strategy', ['push', 'my-app', '--no-manifest', '--instance-steps', '20,40'], {}],
    ['push with no such manifest', ['push', '-f', path.join(home, 'none.yml')], {}],
    ['push with a manifest that is not YAML', ['push', '-f', badManifest], {}],
    ['push with no such path', ['push', 'my-app', '--no-manifest', '--path', path.join(home, 'none')], {}],
    ['push with an archive that is not a zip', ['push', 'my-app', '--no-manifest', '--path', badZip], {}],
    ['a bad strategy', ['restart', 'my-app', '--strategy', 'sideways'], {}],
    ['a bad strategy from the environment', ['restart', 'my-app'], {CFZD_STRATEGY: 'sideways'}],
    ['a bad number', ['restart', 'my-app', '--max-in-flight', 'lots'], {}],
    ['a bad duration', ['restage', 'my-app', '--startup-timeout', 'soon'], {}],
    ['canary steps without canary', ['restart', 'my-app', '--instance-steps', '20,40'], {}],
    ['a bad percentage', ['restart', 'my-app', '--probe', '--abort-on-error-rate', 'many'], {}],
    ['restage-all without a selection', ['restage-all'], {}],
    ['restage-all with a bad value', ['restage-all', '--buildpack', 'x', '--concurrency', '0'], {}],
    ['not logged in', ['apps'], {}],
    ['not logged in, --json', ['apps', '--json'], {}],
    ['not logged in, CFZD_CONTENT_TYPE=json', ['app', 'my-app'], {CFZD_CONTENT_TYPE: 'json'}],
    ['--help after --', ['restart', '--', '--help'], {}],
    ['a flag before the argument', ['restart', '--no-wait', 'my-app'], {}],
  ])(
    '%s: same output and exit code as oclif',
    async (_name, args, env) => {
      const r = await both((e) => runCli(args as string[], {env: e}), {...loggedOut, ...(env as NodeJS.ProcessEnv)})
      same(r)
      expect(r.tookFastPath).toBe(true)
      expect(r.fast.code).not.toBe(0)
    },
    60_000,
  )

  it.each([
    ['DEBUG', ['apps'], {DEBUG: 'nothing-matches'}],
    ['CFZD_DEBUG', ['apps'], {CFZD_DEBUG: '1'}],
    ['a command without a bundle', ['logout'], {}],
    ['a word oclif reads as part of the command (apps:extra)', ['apps', 'extra'], {}],
    ['--verbose (stack traces name the files)', ['cancel-deployment', 'my-app', '--verbose'], {}],
    ['an unknown command', ['aps'], {}],
  ])(
    '%s goes to oclif',
    async (_name, args, env) => {
      const r = await both((e) => runCli(args as string[], {env: e}), {...loggedOut, ...(env as NodeJS.ProcessEnv)})
      expect(r.tookFastPath).toBe(false)
      if (!('DEBUG' in (env as object)) && !('CFZD_DEBUG' in (env as object))) same(r)
    },
    60_000,
  )

  describe('against the local foundation', () => {
    let e: E2E
    beforeAll(async () => {
      e = await startE2E({
        seed: {orgs: [{name: 'local', spaces: [{name: 'dev', apps: [{name: 'web', buildpacks: ['nodejs_buildpack'], instances: 1, memory: '64M'}]}]}]},
      })
    }, 60_000)
    afterAll(async () => e?.stop())

    it.each([
      ['apps', ['apps']],
      ['apps --json', ['apps', '--json']],
      ['an unknown app', ['app', 'no-such-app']],
      ['restart of an unknown app, --json', ['restart', 'no-such-app', '--json']],
      ['cancel-deployment with none active', ['cancel-deployment', 'web']],
      ['restage-all --dry-run', ['restage-all', '--buildpack', 'nodejs_buildpack', '--dry-run']],
    ])(
      '%s: same output and exit code as oclif',
      async (_name, args) => {
        const r = await both((env) => e.cli(args, {env}), e.env)
        same(r)
        expect(r.tookFastPath).toBe(true)
      },
      60_000,
    )
  })
})
