/**
 * The Concourse task (ci/concourse/cfzd-task.yml and cfzd-task.sh) and the example pipeline:
 * the YAML is read and checked for what Concourse needs, and the task script runs as Concourse
 * runs it (a build folder with the `cfzd` input and an empty `cfzd-result` output, every param as
 * an environment variable, the unset ones empty) against the local foundation, with the locally
 * built CLI standing in for `npx cfzd@VERSION` (CFZD_BIN).
 */
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {load} from 'js-yaml'
import {ROOT, startE2E, type E2E} from '../../helpers/e2e.js'

interface TaskConfig {
  platform: string
  image_resource: {type: string; source: {repository: string; tag?: string}}
  inputs: {name: string; optional?: boolean}[]
  outputs: {name: string}[]
  params: Record<string, string | null>
  run: {path: string; args?: string[]}
}

interface Step {
  get?: string
  trigger?: boolean
  passed?: string[]
  task?: string
  file?: string
  params?: Record<string, string>
  in_parallel?: Step[]
  on_failure?: Step
  attempts?: number
}

interface Pipeline {
  resources: {name: string; type: string; source: Record<string, unknown>}[]
  jobs: {name: string; plan: Step[]}[]
}

const dir = path.join(ROOT, 'ci', 'concourse')
const task = load(fs.readFileSync(path.join(dir, 'cfzd-task.yml'), 'utf8')) as TaskConfig
const pipeline = load(fs.readFileSync(path.join(dir, 'pipeline-restage-on-buildpack.yml'), 'utf8')) as Pipeline
const script = fs.readFileSync(path.join(dir, 'cfzd-task.sh'), 'utf8')

function steps(plan: Step[]): Step[] {
  return plan.flatMap((s) => [s, ...(s.in_parallel ? steps(s.in_parallel) : []), ...(s.on_failure ? steps([s.on_failure]) : [])])
}

describe('the Concourse task and pipeline', () => {
  it('the task runs its script from the cfzd input, in a Node 20 image, with an output for the result', () => {
    expect(task.platform).toBe('linux')
    expect(task.image_resource).toEqual({type: 'registry-image', source: {repository: 'node', tag: '20-slim'}})
    expect(task.run.path).toBe('cfzd/ci/concourse/cfzd-task.sh')
    expect(task.inputs.find((i) => i.name === 'cfzd')?.optional).toBeFalsy()
    expect(task.outputs).toEqual([{name: 'cfzd-result'}])
    expect(fs.statSync(path.join(dir, 'cfzd-task.sh')).mode & 0o111).not.toBe(0)
  })

  it('declares every param its script reads', () => {
    const read = new Set([...script.matchAll(/\b(CFZD_[A-Z_]+|CF_[A-Z_]+)\b/g)].map((m) => m[1]))
    read.delete('CFZD_BIN') // the tests' stand-in for npx
    expect([...read].filter((p) => !(p in task.params))).toEqual([])
    for (const p of [
      'CF_API',
      'CF_USERNAME',
      'CF_PASSWORD',
      'CF_CLIENT_ID',
      'CF_CLIENT_SECRET',
      'CF_ORG',
      'CF_SPACE',
      'CFZD_COMMAND',
      'CFZD_APP',
      'CFZD_STRATEGY',
      'CFZD_ARGS',
      'CFZD_VERSION',
    ]) {
      expect(Object.keys(task.params)).toContain(p)
    }
  })

  it('the pipeline restages all apps of the buildpack when the buildpack resource changes', () => {
    const job = pipeline.jobs.find((j) => j.name === 'restage-all')!
    const all = steps(job.plan)
    const trigger = all.find((s) => s.get && s.trigger)!
    expect(pipeline.resources.find((r) => r.name === trigger.get)?.type).toBe('github-release')
    const cfzd = pipeline.resources.find((r) => r.type === 'git')!
    expect(all.some((s) => s.get === cfzd.name)).toBe(true)
    const run = all.find((s) => s.task === 'restage-all')!
    expect(run.file).toBe(`${cfzd.name}/ci/concourse/cfzd-task.yml`)
    expect(run.params?.CFZD_COMMAND).toBe('restage-all')
    expect(run.params?.CFZD_ARGS).toMatch(/^--buildpack \(\(buildpack-name\)\)/)
    for (const p of Object.keys(run.params ?? {})) expect(Object.keys(task.params)).toContain(p)
  })
})

interface TaskRun {
  code: number
  stdout: string
  stderr: string
  result?: unknown
  summary?: string
  exitCode?: string
}

describe('the task script against a local foundation', () => {
  let e: E2E
  const builds: string[] = []

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
                  {name: 'web', buildpacks: ['nodejs_buildpack'], memory: '64M'},
                  {name: 'shop', buildpacks: ['ruby_buildpack'], memory: '64M'},
                  {name: 'api', buildpacks: ['ruby_buildpack'], memory: '64M'},
                ],
              },
            ],
          },
        ],
      },
    })
  }, 60_000)
  afterAll(async () => {
    await e?.stop()
    for (const b of builds) fs.rmSync(b, {recursive: true, force: true})
  })

  /** A fresh build folder, as Concourse lays one out, and the task run in it with these params. */
  function runTask(params: Record<string, string>): Promise<TaskRun> {
    const build = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-concourse-'))
    builds.push(build)
    fs.symlinkSync(ROOT, path.join(build, 'cfzd'))
    fs.mkdirSync(path.join(build, 'cfzd-result'))
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: path.join(build, 'home'),
      NO_COLOR: '1',
      CFZD_ROUTE_SETTLE: '0',
      CF_STARTUP_TIMEOUT: '1',
      CF_STAGING_TIMEOUT: '1',
      CFZD_BIN: path.join(ROOT, 'bin', 'run.js'),
      // Every param of the task, the unset ones empty, as Concourse passes them.
      ...Object.fromEntries(Object.entries(task.params).map(([k, v]) => [k, v ?? ''])),
      ...params,
    }
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(build, task.run.path), task.run.args ?? [], {cwd: build, env, stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`the task did not finish in 2 minutes\n${stdout}\n${stderr}`))
      }, 120_000)
      child.on('error', reject)
      child.on('close', (code) => {
        clearTimeout(timer)
        const file = (f: string) =>
          fs.existsSync(path.join(build, 'cfzd-result', f)) ? fs.readFileSync(path.join(build, 'cfzd-result', f), 'utf8') : undefined
        const json = file('result.json')
        resolve({
          code: code ?? -1,
          stdout,
          stderr,
          result: json ? (JSON.parse(json) as unknown) : undefined,
          summary: file('summary.md'),
          exitCode: file('exit-code')?.trim(),
        })
      })
    })
  }

  it('restage-all with client credentials, as the pipeline runs it: the report in result.json, the apps in summary.md', async () => {
    e.foundation.releaseBuildpack('ruby_buildpack')
    const r = await runTask({
      CF_API: e.foundation.apiUrl,
      CF_CLIENT_ID: e.foundation.ciClient.id,
      CF_CLIENT_SECRET: e.foundation.ciClient.secret,
      CFZD_COMMAND: 'restage-all',
      CFZD_ARGS: `--buildpack "ruby_buildpack" --concurrency 4`,
    })
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`)
    expect(r.stderr).toContain('cfzd restage-all --buildpack ruby_buildpack --concurrency 4 --json --summary cfzd-result/summary.md')
    expect(r.exitCode).toBe('0')
    const report = r.result as {counts: {restaged: number; failed: number}; apps: {name: string; status: string}[]}
    expect(report.counts).toMatchObject({restaged: 2, failed: 0})
    expect(report.apps.map((a) => [a.name, a.status]).sort()).toEqual([
      ['api', 'restaged'],
      ['shop', 'restaged'],
    ])
    expect(r.summary).toMatch(/^### ✅ cfzd restage-all --buildpack ruby_buildpack: 2 restaged, 0 failed, 0 skipped/)
    expect(r.summary).toMatch(/\| api \| local \/ dev \| ✅ restaged \|/)
  }, 120_000)

  it('an operation with a user, org and space: restart with a strategy', async () => {
    const r = await runTask({
      CF_API: e.foundation.apiUrl,
      CF_USERNAME: e.foundation.admin.username,
      CF_PASSWORD: e.foundation.admin.password,
      CF_ORG: 'local',
      CF_SPACE: 'dev',
      CFZD_COMMAND: 'restart',
      CFZD_APP: 'web',
      CFZD_STRATEGY: 'rolling',
    })
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`)
    expect((r.result as {outcome: string}).outcome).toBe('deployed')
    expect(r.summary).toContain('### ✅ cfzd restart web: deployed')
    expect(r.summary).toContain('#### Steps')
  }, 120_000)

  it('a command without --summary still runs, and leaves no summary', async () => {
    const r = await runTask({
      CF_API: e.foundation.apiUrl,
      CF_CLIENT_ID: e.foundation.ciClient.id,
      CF_CLIENT_SECRET: e.foundation.ciClient.secret,
      CF_ORG: 'local',
      CF_SPACE: 'dev',
      CFZD_COMMAND: 'apps',
    })
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`)
    expect((r.result as {apps: unknown[]}).apps).toHaveLength(3)
    expect(r.summary).toBeUndefined()
  }, 60_000)

  it('a failure fails the task with cfzd’s exit code, and still leaves the error and the summary', async () => {
    const r = await runTask({
      CF_API: e.foundation.apiUrl,
      CF_CLIENT_ID: e.foundation.ciClient.id,
      CF_CLIENT_SECRET: e.foundation.ciClient.secret,
      CF_ORG: 'local',
      CF_SPACE: 'dev',
      CFZD_COMMAND: 'restart',
      CFZD_APP: 'nope',
    })
    expect(r.code).toBe(4)
    expect(r.exitCode).toBe('4')
    expect((r.result as {error: {message: string}}).error.message).toMatch(/App 'nope' not found/)
    expect(r.summary).toMatch(/^### ❌ cfzd restart nope: failed \(exit 4\)/)
  }, 60_000)

  it('refuses a missing command and an unbalanced quote before running anything', async () => {
    const none = await runTask({})
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('set CFZD_COMMAND')
    const quote = await runTask({CFZD_COMMAND: 'restage-all', CFZD_ARGS: `--buildpack "ruby`})
    expect(quote.code).toBe(2)
    expect(quote.stderr).toContain('unbalanced quote')
  }, 60_000)
})
