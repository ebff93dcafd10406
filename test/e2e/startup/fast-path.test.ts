/**
 * bin/run.js answers `--version` and `--help` from dist/startup/ without loading oclif (for
 * start-up time, see bench/). Its output must be oclif's, byte for byte: every command and topic,
 * at several terminal widths and with colour, and it must hand everything else to oclif.
 */
import {describe, expect, it} from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import {ROOT, runCli, type CliResult} from '../../helpers/e2e.js'

const data = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'startup', 'data.json'), 'utf8')) as {
  ok: boolean
  commands: {id: string; hasDynamicHelp?: boolean}[]
  topics: {name: string}[]
}
/** Commands whose help oclif computes when it runs (a flag default from a function): always oclif. */
const dynamic = new Set(data.commands.filter((c) => c.hasDynamicHelp).map((c) => c.id))
const base: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: fs.mkdtempSync('/tmp/cfzd-startup-'), OCLIF_SKIP_NEW_VERSION_CHECK: 'true'}

const TRACE = 'cfzd: fast path\n'

/** Run with and without the fast path; `tookFastPath` says whether it answered. */
async function both(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{fast: CliResult; oclif: CliResult; tookFastPath: boolean}> {
  const [fast, oclif] = await Promise.all([
    runCli(args, {env: {...base, ...env, CFZD_FAST_PATH: 'trace'}}),
    runCli(args, {env: {...base, ...env, CFZD_FAST_PATH: '0'}}),
  ])
  const tookFastPath = fast.stderr.endsWith(TRACE)
  return {fast: {...fast, stderr: tookFastPath ? fast.stderr.slice(0, -TRACE.length) : fast.stderr}, oclif, tookFastPath}
}

function same({fast, oclif}: {fast: CliResult; oclif: CliResult}): void {
  expect(fast.stdout).toBe(oclif.stdout)
  expect(fast.stderr).toBe(oclif.stderr)
  expect(fast.code).toBe(oclif.code)
}

describe('start-up fast path', () => {
  it('is on for this build', () => {
    expect(data.ok).toBe(true)
  })

  it('--version prints what oclif prints', async () => {
    const r = await both(['--version'])
    same(r)
    expect(r.tookFastPath).toBe(true)
    expect(r.fast.stdout).toMatch(/^cfzd\/\d+\.\d+\.\d+\S* \S+-\S+ node-v\d+/)
  })

  const subjects = [...new Set(['', ...data.commands.map((c) => c.id), ...data.topics.map((t) => t.name)])]
  it.each(subjects.map((s) => [s.replaceAll(':', ' ') || '(root)', s]))(
    '%s --help is oclif’s help, at 80 columns',
    async (_name, s) => {
      const r = await both([...(s ? s.split(':') : []), '--help'])
      same(r)
      expect(r.tookFastPath).toBe(!dynamic.has(s))
      expect(r.fast.code).toBe(0)
      expect(r.fast.stdout.length).toBeGreaterThan(50)
    },
    60_000,
  )

  it.each([
    ['restart --help', ['restart', '--help'], {OCLIF_COLUMNS: '40'}],
    ['push --help', ['push', '--help'], {OCLIF_COLUMNS: '137'}],
    ['restage-all --help', ['restage-all', '--help'], {OCLIF_COLUMNS: '200', FORCE_COLOR: '1'}],
    ['--help', ['--help'], {FORCE_COLOR: '1'}],
    ['(no arguments)', [], {}],
    ['(no arguments) in colour', [], {FORCE_COLOR: '2'}],
    ['--help before the command', ['--help', 'restart'], {}],
    ['a command with arguments and flags', ['restart', 'my-app', '--strategy', 'canary', '--help'], {}],
    ['a topic command with flags', ['local', 'release-buildpack', '--version', '1', '--help'], {OCLIF_COLUMNS: '100'}],
    ['no colour, to a pipe', ['restart', '--help'], {NO_COLOR: '1', CI: 'true'}],
    ['colour in CI, to a pipe', ['restart', '--help'], {CI: 'true'}],
    ['--version wins over --help', ['--version', '--help'], {}],
  ])(
    '%s matches oclif',
    async (_name, args, env) => {
      const r = await both(args as string[], env as NodeJS.ProcessEnv)
      same(r)
      expect(r.tookFastPath).toBe(true)
    },
    60_000,
  )

  it.each([
    ['an unknown command', ['no-such-command', '--help']],
    ['--help after --', ['logout', '--', '--help']],
    ['the help command', ['help', 'restart']],
    ['a command', ['logout']],
  ])(
    '%s goes to oclif and ends the same',
    async (_name, args) => {
      const r = await both(args as string[])
      same(r)
      expect(r.tookFastPath).toBe(false)
    },
    60_000,
  )

  it('leaves a user theme to oclif', async () => {
    const home = fs.mkdtempSync('/tmp/cfzd-startup-theme-')
    fs.mkdirSync(path.join(home, '.config', 'cfzd'), {recursive: true})
    fs.writeFileSync(path.join(home, '.config', 'cfzd', 'theme.json'), JSON.stringify({sectionHeader: 'red'}))
    const r = await both(['restart', '--help'], {HOME: home, FORCE_COLOR: '1'})
    same(r)
    expect(r.tookFastPath).toBe(false)
    fs.rmSync(home, {recursive: true, force: true})
  }, 60_000)
})
