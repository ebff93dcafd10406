/**
 * Shell completion: bash and zsh from @oclif/plugin-autocomplete (`cfzd autocomplete bash|zsh`
 * builds their functions in the cache folder), fish from `cfzd autocomplete fish`. The bash
 * function is run as bash runs it on <TAB>; zsh's is syntax-checked and fish's exercised with
 * `complete -C` where those shells are installed.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from '@jest/globals'
import {fishCompletion} from '../../../src/completion/fish.js'
import {runCli} from '../../helpers/e2e.js'

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-completion-'))
const env = {PATH: process.env.PATH, HOME: home, OCLIF_SKIP_NEW_VERSION_CHECK: 'true', NO_COLOR: '1'}
const functions = path.join(home, '.cache', 'cfzd', 'autocomplete', 'functions')
afterAll(() => fs.rmSync(home, {recursive: true, force: true}))

function has(shell: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0
}

function run(shell: string, args: string[]): string {
  const r = spawnSync(shell, args, {encoding: 'utf8', env: {PATH: process.env.PATH, HOME: home}})
  if (r.status !== 0) throw new Error(`${shell} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

describe('shell completion', () => {
  it('bash: cfzd autocomplete bash sets it up, and <TAB> completes commands, topic commands and flags', async () => {
    const r = await runCli(['autocomplete', 'bash'], {env})
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('cfzd autocomplete script bash')
    const file = path.join(functions, 'bash', 'cfzd.bash')
    const complete = (words: string[]) =>
      run('bash', [
        '-c',
        `source "$0"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cfzd_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`,
        file,
      ])
        .split('\n')
        .filter(Boolean)
    expect(complete(['cfzd', 'restage'])).toEqual(['restage', 'restage-all'])
    expect(complete(['cfzd', 'restage-all', '--bu'])).toEqual(['--buildpack'])
    expect(complete(['cfzd', 'restart', '--sum'])).toEqual(['--summary'])
    expect(complete(['cfzd', 'local', 'st'])).toEqual(['start'])
  })

  it('zsh: cfzd autocomplete zsh writes a completion function with every command and its flags', async () => {
    const r = await runCli(['autocomplete', 'zsh'], {env})
    expect(r.code).toBe(0)
    const file = path.join(functions, 'zsh', '_cfzd')
    const text = fs.readFileSync(file, 'utf8')
    expect(text).toMatch(/^#compdef cfzd/)
    for (const s of ['"restage-all[', '{-b,--buildpack}"[', '"start[', '--summary"[']) expect(text).toContain(s)
    if (has('zsh')) run('zsh', ['-n', file])
  })

  it('fish: cfzd autocomplete fish prints a script that completes commands, topic commands, flags and their values', async () => {
    const r = await runCli(['autocomplete', 'fish'], {env})
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("complete -c cfzd -f -n '__cfzd_at \\'\\'' -a 'restage-all'")
    expect(r.stdout).toContain("-l strategy -x -a 'rolling canary blue-green'")
    if (!has('fish')) return
    const file = path.join(home, 'cfzd.fish')
    fs.writeFileSync(file, r.stdout)
    const complete = (line: string) =>
      run('fish', ['--no-config', '-c', `source $argv[1]; complete -C $argv[2]`, file, line])
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0])
    expect(complete('cfzd restage')).toEqual(['restage', 'restage-all'])
    expect(complete('cfzd local ')).toEqual(['demo', 'release-buildpack', 'start'])
    expect(complete('cfzd restart web --strategy ')).toEqual(['blue-green', 'canary', 'rolling'])
    expect(complete('cfzd restage-all --bu')).toEqual(['--buildpack'])
    expect(complete('cfzd autocomplete ')).toContain('fish')
  })

  it('fish: quotes descriptions and skips hidden commands and flags', () => {
    const script = fishCompletion(
      'cfzd',
      [
        {
          id: 'say',
          summary: "It's a \\ test. More text",
          flags: {
            loud: {name: 'loud', type: 'boolean', char: 'l', allowNo: true, description: 'Loud.'},
            secret: {name: 'secret', type: 'option', hidden: true},
          },
        },
        {id: 'hidden:thing', hidden: true, flags: {}},
        {id: 'grp:sub', summary: 'Sub', flags: {level: {name: 'level', type: 'option', options: ['a', 'b']}}},
      ],
      [{name: 'grp', description: 'A group'}],
    )
    expect(script).toContain("-a 'say' -d 'It\\'s a \\\\ test'")
    expect(script).toContain("-n '__cfzd_at \\'say\\'' -l loud -s l -d 'Loud'")
    expect(script).toContain("-l no-loud -d 'Loud'")
    expect(script).not.toContain('secret')
    expect(script).not.toContain('hidden')
    expect(script).toContain("-n '__cfzd_at \\'grp\\'' -a 'sub' -d 'Sub'")
    expect(script).toContain("-l level -x -a 'a b'")
  })
})
