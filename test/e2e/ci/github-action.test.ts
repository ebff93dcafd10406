/**
 * The GitHub Action (action.yml, ci/github/run.mjs): its steps run as a runner runs them
 * (test/helpers/actions.ts) against the local foundation, with the locally built CLI standing in
 * for `npx cfzd@VERSION` (CFZD_BIN), credentials in the env as a workflow passes secrets, and the
 * outputs and the job summary read back as a workflow sees them.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {Ajv2020} from 'ajv/dist/2020.js'
import {ROOT, startE2E, type E2E} from '../../helpers/e2e.js'
import {parseOutputFile, readAction, runAction} from '../../helpers/actions.js'
// @ts-expect-error: a plain ES module without types (the action's step script)
import {cfzdArgs, cfzdEnv, cfzdExecutable, formatOutputs, outputsOf, splitArgs} from '../../../ci/github/run.mjs'

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}
const BIN = path.join(ROOT, 'bin', 'run.js')

const ajv = new Ajv2020({allErrors: true, strict: true, allowUnionTypes: true})
for (const f of fs.readdirSync(path.join(ROOT, 'docs', 'json')))
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'json', f), 'utf8')) as object)
function expectSchema(name: string, doc: unknown) {
  const v = ajv.getSchema(`${name}.schema.json`)!
  expect(v(doc) ? [] : v.errors).toEqual([])
}

describe('action.yml', () => {
  const action = readAction()

  it('is a composite action with the documented inputs, and every output comes from the cfzd step', () => {
    expect(action.runs.using).toBe('composite')
    for (const input of ['command', 'app', 'strategy', 'api', 'org', 'space', 'args', 'version']) expect(action.inputs[input]?.description).toBeTruthy()
    expect(action.inputs.command.required).toBe(true)
    for (const [name, o] of Object.entries(action.outputs)) expect({name, value: o.value}).toEqual({name, value: `\${{ steps.cfzd.outputs.${name} }}`})
    const step = action.runs.steps.find((s) => s.id === 'cfzd')!
    // Every input reaches the step (composite actions get no INPUT_* variables of their own).
    for (const input of ['command', 'app', 'strategy', 'api', 'org', 'space', 'args', 'version'])
      expect(step.env?.[`INPUT_${input.toUpperCase()}`]).toBe(`\${{ inputs.${input} }}`)
    // Node is set up only when asked for, with the one action the runner can't run here.
    const setup = action.runs.steps.filter((s) => s.uses)
    expect(setup.map((s) => [s.uses, s.if])).toEqual([['actions/setup-node@v4', "inputs.node-version != ''"]])
  })

  it('runs the published package at the version in package.json, or the version input', () => {
    expect(cfzdExecutable({})).toEqual(['npx', '--yes', `cfzd@${pkg.version}`])
    expect(cfzdExecutable({INPUT_VERSION: '1.2.3'})).toEqual(['npx', '--yes', 'cfzd@1.2.3'])
    expect(cfzdExecutable({CFZD_BIN: '/x/cfzd'})).toEqual(['/x/cfzd'])
  })

  it('builds the command line from the inputs, splitting args as a shell would without expanding anything', () => {
    expect(
      cfzdArgs({command: 'restart', app: 'web', strategy: 'canary', args: `--instance-steps 20,50 --smoke-test "./smoke.sh --fast" --var 'a=$HOME b' x\\ y`}),
    ).toEqual([
      'restart',
      'web',
      '--strategy',
      'canary',
      '--instance-steps',
      '20,50',
      '--smoke-test',
      './smoke.sh --fast',
      '--var',
      'a=$HOME b',
      'x y',
      '--json',
    ])
    expect(cfzdArgs({command: 'local release-buildpack', app: 'ruby_buildpack', args: '--json'})).toEqual([
      'local',
      'release-buildpack',
      'ruby_buildpack',
      '--json',
    ])
    expect(splitArgs('  ')).toEqual([])
    expect(splitArgs(`"" ''`)).toEqual(['', ''])
    expect(() => splitArgs(`--var "a`)).toThrow(/unterminated " quote/)
    expect(() => cfzdArgs({command: ' '})).toThrow(/command input is required/)
    expect(cfzdEnv({INPUT_API: 'http://api', INPUT_ORG: '', CF_ORG: 'kept'})).toMatchObject({CF_API: 'http://api', CF_ORG: 'kept', CI: 'true'})
  })

  it('writes multi-line outputs with a delimiter, which reads back', () => {
    const text = formatOutputs({a: 'one', b: 'two\nlines'})
    expect(text).toMatch(/^a=one\nb<<ghadelimiter_[0-9a-f-]+\ntwo\nlines\nghadelimiter_[0-9a-f-]+\n$/)
    expect(parseOutputFile(text)).toEqual({a: 'one', b: 'two\nlines'})
    expect(outputsOf(undefined, 1)).toEqual({'exit-code': '1', outcome: 'failed', error: 'cfzd printed no JSON (exit 1)'})
  })
})

describe('the action against a local foundation', () => {
  let e: E2E
  let home: string
  const env = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: home,
    NO_COLOR: '1',
    CFZD_ROUTE_SETTLE: '0',
    CF_STARTUP_TIMEOUT: '1',
    CF_STAGING_TIMEOUT: '1',
    CFZD_BIN: BIN,
    ...over,
  })

  beforeAll(async () => {
    e = await startE2E({
      seed: {
        orgs: [
          {
            name: 'local',
            spaces: [
              {
                name: 'dev',
                apps: [
                  {name: 'web', buildpacks: ['nodejs_buildpack'], instances: 2, memory: '64M'},
                  {name: 'shop', buildpacks: ['ruby_buildpack'], memory: '64M'},
                  {name: 'cart', buildpacks: ['ruby_buildpack'], memory: '64M'},
                ],
              },
            ],
          },
        ],
      },
    })
    // No cf config: the action logs in from the env, as on a runner.
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-action-home-'))
  }, 60_000)
  afterAll(async () => {
    await e?.stop()
    if (home) fs.rmSync(home, {recursive: true, force: true})
  })

  it('restarts an app with the api, org and space inputs and a user from the env; the outputs and the job summary say how it went', async () => {
    const r = await runAction(
      {command: 'restart', app: 'web', strategy: 'rolling', api: e.foundation.apiUrl, org: 'local', space: 'dev', args: '--max-in-flight 2 --probe'},
      env({CF_USERNAME: e.foundation.admin.username, CF_PASSWORD: e.foundation.admin.password}),
    )
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`)
    expect(r.stderr).toContain('cfzd restart web --strategy rolling --max-in-flight 2 --probe --json')
    expect(r.outputs).toMatchObject({'exit-code': '0', outcome: 'deployed', app: 'web', strategy: 'rolling', 'probe-failed': '0', 'probe-availability': '100'})
    expect(r.outputs.droplet).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.outputs.deployment).toMatch(/^[0-9a-f-]{36}$/)
    const result = JSON.parse(r.outputs.result) as {app: {guid: string}}
    expectSchema('restart', result)
    expect(r.outputs['app-guid']).toBe(result.app.guid)
    expect(r.stdout).toContain('::group::cfzd --json')
    expect(r.summary).toMatch(/^### ✅ cfzd restart web: deployed\n/)
    expect(r.summary).toContain('#### Steps')
    expect(r.summary).toMatch(/\| deploy \| [\d.]+m?s \|/)
    expect(r.summary).toContain('#### Probe')
  }, 120_000)

  it('runs restage-all with client credentials: counts and restaged apps as outputs, the apps in the summary', async () => {
    e.foundation.releaseBuildpack('ruby_buildpack')
    const r = await runAction(
      {command: 'restage-all', args: '--buildpack ruby_buildpack --concurrency 2'},
      env({CF_API: e.foundation.apiUrl, CF_CLIENT_ID: e.foundation.ciClient.id, CF_CLIENT_SECRET: e.foundation.ciClient.secret}),
    )
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`)
    expect(r.outputs).toMatchObject({'exit-code': '0', outcome: 'finished', selected: '2', restaged: '2', failed: '0'})
    expect((JSON.parse(r.outputs.apps) as string[]).sort()).toEqual(['cart', 'shop'])
    expectSchema('restage-all', JSON.parse(r.outputs.result))
    expect(r.summary).toMatch(/^### ✅ cfzd restage-all --buildpack ruby_buildpack: 2 restaged, 0 failed, 0 skipped/)
    expect(r.summary).toMatch(/\| cart \| local \/ dev \| ✅ restaged \|/)
    expect(r.summary).toMatch(/\| shop \| local \/ dev \| ✅ restaged \|/)
  }, 120_000)

  it('fails the step with cfzd’s exit code, and still sets the outputs and the summary', async () => {
    const r = await runAction(
      {command: 'restart', app: 'nope', api: e.foundation.apiUrl, org: 'local', space: 'dev'},
      env({CF_USERNAME: e.foundation.admin.username, CF_PASSWORD: e.foundation.admin.password}),
    )
    expect(r.code).toBe(4)
    expect(r.outputs['exit-code']).toBe('4')
    expect(r.outputs.outcome).toBe('failed')
    expect(r.outputs.error).toMatch(/App 'nope' not found/)
    expectSchema('error', JSON.parse(r.outputs.result))
    expect(r.stderr).toContain("::error::App 'nope' not found")
    expect(r.summary).toMatch(/^### ❌ cfzd restart nope: failed \(exit 4\)/)
  }, 60_000)

  it('says what is missing when no credentials are in the env', async () => {
    const r = await runAction({command: 'apps', api: e.foundation.apiUrl}, env())
    expect(r.code).toBe(2)
    expect(r.outputs.error).toMatch(/CF_API is set, but no credentials are/)
  }, 60_000)
})
