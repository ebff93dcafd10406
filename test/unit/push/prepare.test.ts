import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {CfzdError} from '../../../src/errors.js'
import {pushOptions, validatePushFlags} from '../../../src/push/flags.js'
import {preparePush, type PushInput} from '../../../src/push/prepare.js'
import {PushInputError} from '../../../src/push/problems.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-prepare-'))
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

function project(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name)
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), {recursive: true})
    fs.writeFileSync(path.join(dir, rel), content)
  }
  return dir
}

function problems(input: PushInput): string[] {
  try {
    preparePush(input)
  } catch (error) {
    if (error instanceof PushInputError) return error.problems.map((p) => `${p.file ?? '-'}:${p.line ?? '-'}: ${p.message}`)
    throw error
  }
  throw new Error('no problems')
}

const TWO_APPS = 'applications:\n- name: web\n  path: web\n- name: worker\n  path: worker\n'

describe('preparePush', () => {
  let two: string
  beforeAll(() => {
    two = project('two', {'manifest.yml': TWO_APPS, 'web/index.js': 'w', 'worker/index.js': 'k'})
  })

  it('reads ./manifest.yml; paths are relative to the manifest; every app is pushed', () => {
    const p = preparePush({cwd: two})
    expect(p.manifestFile).toBe('manifest.yml')
    expect(p.apps.map((a) => [a.name, a.bits!.root, a.origin])).toEqual([
      ['web', path.join(two, 'web'), 'manifest.yml:2'],
      ['worker', path.join(two, 'worker'), 'manifest.yml:4'],
    ])
  })

  it('with an app name and several apps, pushes only that one', () => {
    expect(preparePush({cwd: two, appName: 'worker'}).apps.map((a) => a.name)).toEqual(['worker'])
    expect(problems({cwd: two, appName: 'nope'})).toEqual(["manifest.yml:-: no app named 'nope' in the manifest (it lists 'web', 'worker')"])
  })

  it("flags that set one app's path, buildpacks, stack or scale need one app", () => {
    expect(problems({cwd: two, overrides: {instances: 2}})[0]).toMatch(
      /^manifest\.yml:-: Incorrect Usage: command-line flags .* can't be applied when pushing several apps/,
    )
    expect(preparePush({cwd: two, appName: 'web', overrides: {instances: 2, memory: '1G'}}).apps[0].manifest).toMatchObject({
      name: 'web',
      instances: 2,
      memory: '1G',
    })
  })

  it('a single-app manifest takes the app name from the argument (as cf push does)', () => {
    const dir = project('single', {'manifest.yml': 'applications:\n- name: web\n  memory: 1G\n', 'index.js': 'x'})
    const p = preparePush({cwd: dir, appName: 'web-staging'})
    expect(p.apps[0].manifest).toEqual({name: 'web-staging', memory: '1G'})
    // No path: the current folder.
    expect(p.apps[0].bits!.root).toBe(dir)
  })

  it('-p wins over the manifest path and is relative to the working folder', () => {
    const dir = project('p-flag', {'manifest.yml': 'applications:\n- name: web\n  path: nope\n', 'build/index.js': 'x'})
    expect(preparePush({cwd: dir, overrides: {path: 'build'}}).apps[0].bits!.root).toBe(path.join(dir, 'build'))
  })

  it('-f takes a file or a folder holding manifest.yml; --no-manifest ignores ./manifest.yml', () => {
    const dir = project('f-flag', {
      'deploy/manifest.yml': 'applications:\n- name: api\n  path: ../src\n',
      'src/a.js': 'a',
      'manifest.yml': 'applications:\n- name: other\n',
    })
    expect(preparePush({cwd: dir, manifest: 'deploy'}).apps.map((a) => [a.name, a.bits!.root])).toEqual([['api', path.join(dir, 'src')]])
    expect(preparePush({cwd: dir, manifest: 'deploy/manifest.yml'}).manifestFile).toBe('deploy/manifest.yml')
    expect(preparePush({cwd: dir, noManifest: true, appName: 'bare', overrides: {path: 'src'}}).apps.map((a) => a.manifest)).toEqual([{name: 'bare'}])
    expect(problems({cwd: dir, manifest: 'missing.yml'})).toEqual(['missing.yml:-: no such manifest file'])
  })

  it('without a manifest, the app name is required; vars need a manifest', () => {
    const dir = project('bare', {'index.js': 'x'})
    expect(problems({cwd: dir})[0]).toMatch(/name the app \(cfzd push APP\)/)
    expect(problems({cwd: dir, appName: 'a', vars: ['x=1']})[0]).toMatch(/fill \(\(vars\)\) in a manifest, and there is no manifest\.yml here/)
    expect(preparePush({cwd: dir, appName: 'a'}).apps[0]).toMatchObject({name: 'a', manifest: {name: 'a'}})
  })

  it('checks every app before anything: all missing paths at once, each with its line', () => {
    const dir = project('missing', {'manifest.yml': 'applications:\n- name: a\n  path: gone\n- name: b\n  path: also-gone\n'})
    expect(problems({cwd: dir})).toEqual([
      `manifest.yml:3: path 'gone' of app 'a' does not exist (${path.join(dir, 'gone')})`,
      `manifest.yml:5: path 'also-gone' of app 'b' does not exist (${path.join(dir, 'also-gone')})`,
    ])
  })

  it('an app folder with nothing to push after the ignores', () => {
    const dir = project('ignored', {'manifest.yml': 'applications:\n- name: a\n  path: app\n', 'app/.cfignore': '*\n', 'app/x.js': 'x'})
    expect(problems({cwd: dir})[0]).toMatch(/^manifest\.yml:3: path 'app' of app 'a': there is nothing to push/)
  })

  it('bad -m/-k values', () => {
    const dir = project('sizes', {'index.js': 'x'})
    expect(problems({cwd: dir, appName: 'a', overrides: {memory: '1024', disk: 'big'}})).toEqual([
      '-:-: -m: -m needs a unit: write 1024M or 1024G (got "1024")',
      '-:-: -k: -k must be a size with a unit such as 256M or 1G (got "big")',
    ])
  })

  it('a docker app has no bits; a docker username needs CF_DOCKER_PASSWORD', () => {
    const dir = project('docker', {'manifest.yml': 'applications:\n- name: d\n  docker:\n    image: reg/app:1\n    username: bot\n'})
    expect(problems({cwd: dir, env: {}})).toEqual(["manifest.yml:3: app 'd' has a docker username: set CF_DOCKER_PASSWORD to its password"])
    expect(preparePush({cwd: dir, env: {CF_DOCKER_PASSWORD: 'pw'}}).apps[0]).toMatchObject({docker: {image: 'reg/app:1', username: 'bot', password: 'pw'}})
  })

  it('((vars)) from --var and --vars-file', () => {
    const dir = project('vars', {
      'manifest.yml': 'applications:\n- name: ((name))\n  instances: ((n))\n',
      'vars.yml': 'name: from-file\nn: 2\n',
      'index.js': 'x',
    })
    expect(preparePush({cwd: dir, varsFiles: ['vars.yml'], vars: ['name=from-flag']}).apps[0].manifest).toEqual({name: 'from-flag', instances: 2})
  })
})

describe('push flags', () => {
  it.each([
    {flags: {'no-start': true, strategy: 'rolling' as const}, want: /cannot be used together: --no-start, --strategy$/m},
    {flags: {'no-start': true, 'no-wait': true}, want: /--no-start, --no-wait/},
    {flags: {'no-start': true, 'max-in-flight': 2, 'instance-steps': [20]}, want: /--no-start, --max-in-flight, --instance-steps/},
    {flags: {'no-start': true, 'no-delete': true}, want: /--no-start, --no-delete/},
    {flags: {manifest: 'm.yml', 'no-manifest': true}, want: /'-f' and '--no-manifest'/},
  ])('refuses $flags (exit 2)', ({flags, want}) => {
    expect(() => validatePushFlags(flags)).toThrow(want)
    try {
      validatePushFlags(flags)
    } catch (error) {
      expect((error as CfzdError).exitCode).toBe(2)
    }
  })

  it('--no-start alone, and the strategy flags without it, are fine; rolling is the default', () => {
    expect(pushOptions(undefined, {'no-start': true}, '/x', {}).noStart).toBe(true)
    const {opts, input} = pushOptions('web', {strategy: 'canary', 'instance-steps': [20, 50], var: ['a=b'], buildpack: ['x'], memory: '1G'}, '/x', {})
    expect(opts).toMatchObject({strategy: 'canary', instanceSteps: [20, 50]})
    expect(input).toMatchObject({cwd: '/x', appName: 'web', vars: ['a=b'], overrides: {buildpacks: ['x'], memory: '1G'}})
    expect(pushOptions(undefined, {}, '/x', {}).opts.strategy).toBe('rolling')
  })

  it('strategy rules are the shared ones', () => {
    expect(() => pushOptions(undefined, {strategy: 'blue-green', 'max-in-flight': 2}, '/x', {})).toThrow(/max-in-flight/)
    expect(() => pushOptions(undefined, {'instance-steps': [20]}, '/x', {})).toThrow(/instance-steps/)
  })
})
