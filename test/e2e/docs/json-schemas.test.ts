/**
 * docs/json/NAME.schema.json documents what `cfzd NAME --json` prints. Every command with --json
 * runs here against the local foundation (the built CLI, as users run it), and its stdout is held
 * to its schema, in the shapes that matter: a probe report, a paused canary, a rollback, a scale
 * in place and by deployment, a blue-green replacement, a multi-step push, a restage-all plan, run and partial failure, and failures.
 * The schemas forbid fields they don't describe, so a new field fails here until it is documented.
 */
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {Ajv2020, type ValidateFunction} from 'ajv/dist/2020.js'
import {ROOT, startE2E, type CliResult, type E2E} from '../../helpers/e2e.js'

const SCHEMAS = path.join(ROOT, 'docs', 'json')
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, {enableJsonFlag?: boolean; hidden?: boolean}>
}
/** Command ids with --json: `local:start` → docs/json/local-start.schema.json. */
const withJson = Object.entries(manifest.commands)
  .filter(([, c]) => c.enableJsonFlag && !c.hidden)
  .map(([id]) => id)
  .sort()

const ajv = new Ajv2020({allErrors: true, strict: true, allowUnionTypes: true})
for (const f of fs.readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json')))
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMAS, f), 'utf8')) as object)

function schemaFor(name: string): ValidateFunction {
  const v = ajv.getSchema(`${name.replaceAll(':', '-')}.schema.json`)
  if (!v) throw new Error(`docs/json/${name.replaceAll(':', '-')}.schema.json is missing`)
  return v
}

const covered = new Set<string>()

/** Parse stdout as the one JSON document it must be, and hold it to the command's schema (or error.schema.json). */
function expectShape(command: string, r: CliResult, opts: {code?: number; error?: boolean} = {}): unknown {
  if (r.code !== (opts.code ?? 0)) throw new Error(`cfzd ${command}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
  let doc: unknown
  try {
    doc = JSON.parse(r.stdout)
  } catch {
    throw new Error(`cfzd ${command} --json printed something that is not one JSON document:\n${r.stdout}`)
  }
  const validate = schemaFor(opts.error ? 'error' : command)
  const ok = validate(doc)
  expect({command, errors: ok ? [] : validate.errors}).toEqual({command, errors: []})
  if (!opts.error) covered.add(command)
  return doc
}

const M = '64M'

describe('--json output matches docs/json', () => {
  let e: E2E

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
                  {name: 'web', buildpacks: ['nodejs_buildpack'], instances: 2, memory: M},
                  {name: 'blue', buildpacks: ['nodejs_buildpack'], memory: M},
                  {name: 'shop', buildpacks: ['ruby_buildpack'], memory: M},
                  {name: 'broken', buildpacks: ['ruby_buildpack'], memory: M, env: {CFZD_LOCAL_STAGING_FAIL: 'true'}},
                ],
              },
            ],
          },
        ],
      },
    })
  }, 60_000)
  afterAll(async () => e?.stop())

  it('has a schema for every command with --json, and one for failures', () => {
    expect(withJson.length).toBeGreaterThanOrEqual(20)
    for (const id of [...withJson, 'error', 'operation-result']) expect(fs.existsSync(path.join(SCHEMAS, `${id.replaceAll(':', '-')}.schema.json`))).toBe(true)
  })

  it('login, target, apps, app, revisions, revision', async () => {
    const {apiUrl, admin} = e.foundation
    expectShape('login', await e.cli(['login', '-a', apiUrl, '-u', admin.username, '-p', admin.password, '-o', 'local', '-s', 'dev', '--json']))
    expectShape('target', await e.cli(['target', '--json']))
    const apps = expectShape('apps', await e.cli(['apps', '--json'])) as {apps: {name: string}[]}
    expect(apps.apps.map((a) => a.name).sort()).toEqual(['blue', 'broken', 'shop', 'web'])
    expectShape('app', await e.cli(['app', 'web', '--json']))
    expectShape('revisions', await e.cli(['revisions', 'web', '--json']))
    expectShape('revision', await e.cli(['revision', 'web', '--version', '1', '--show-env', '--json']))
  })

  it('restart with a probe, restage', async () => {
    const r = expectShape('restart', await e.cli(['restart', 'web', '--probe', '--json'], {timeoutMs: 60_000})) as {probe?: {sent: number}}
    expect(r.probe?.sent).toBeGreaterThan(0)
    expectShape('restage', await e.cli(['restage', 'web', '--json'], {timeoutMs: 60_000}))
  }, 120_000)

  it('a paused canary, continue-deployment, cancel-deployment', async () => {
    const paused = expectShape('restart', await e.cli(['restart', 'web', '--strategy', 'canary', '--json'], {timeoutMs: 60_000})) as {outcome: string}
    expect(paused.outcome).toBe('paused')
    expectShape('continue-deployment', await e.cli(['continue-deployment', 'web', '--json'], {timeoutMs: 60_000}))
    expectShape('restart', await e.cli(['restart', 'web', '--strategy', 'canary', '--json'], {timeoutMs: 60_000}))
    const canceled = expectShape('cancel-deployment', await e.cli(['cancel-deployment', 'web', '--json'], {timeoutMs: 60_000})) as {outcome: string}
    expect(canceled.outcome).toBe('canceled')
  }, 180_000)

  it('rollback to the first revision; scale in place, and with a rolling deployment', async () => {
    const back = expectShape('rollback', await e.cli(['rollback', 'web', '--version', '1', '-f', '--json'], {timeoutMs: 60_000})) as {outcome: string}
    expect(back.outcome).toBe('deployed')
    const inPlace = expectShape('scale', await e.cli(['scale', 'web', '-i', '3', '--json'], {timeoutMs: 60_000})) as {outcome: string}
    expect(inPlace.outcome).toBe('scaled')
    expectShape('scale', await e.cli(['scale', 'web', '-m', '96M', '--json'], {timeoutMs: 60_000}))
  }, 150_000)

  it('bg-restart and bg-restage', async () => {
    const r = expectShape('bg-restart', await e.cli(['bg-restart', 'blue', '--json'], {timeoutMs: 60_000})) as {previousApp?: object}
    expect(r.previousApp).toBeDefined()
    expectShape('bg-restage', await e.cli(['bg-restage', 'blue', '--no-delete', '--json'], {timeoutMs: 60_000}))
  }, 120_000)

  it('push: a first push with its upload, then an update with a strategy; a bad manifest is an error with its problems', async () => {
    const cwd = path.join(ROOT, 'test', 'fixtures', 'apps', 'hello')
    const first = expectShape('push', await e.cli(['push', '--var', 'version=1', '--json'], {cwd, timeoutMs: 60_000})) as {mode: string; upload?: object}
    expect(first.mode).toBe('create')
    expect(first.upload).toBeDefined()
    expectShape('push', await e.cli(['push', '--var', 'version=2', '--strategy', 'rolling', '--json'], {cwd, timeoutMs: 60_000}))
    const bad = expectShape('push', await e.cli(['push', '--json'], {cwd}), {code: 2, error: true}) as {error: {problems?: unknown[]}}
    expect(bad.error.problems?.length).toBeGreaterThan(0)
  }, 150_000)

  it('local release-buildpack, then restage-all: the plan, a run where one app fails (exit 1), and a run with nothing to do', async () => {
    expectShape('local:release-buildpack', await e.cli(['local', 'release-buildpack', 'ruby_buildpack', '--json']))
    const plan = expectShape('restage-all', await e.cli(['restage-all', '-b', 'ruby_buildpack', '--dry-run', '--json'])) as {
      peak?: object
      counts: {selected: number}
    }
    expect(plan.peak).toBeDefined()
    expect(plan.counts.selected).toBe(2)
    const run = expectShape('restage-all', await e.cli(['restage-all', '-b', 'ruby_buildpack', '--json'], {timeoutMs: 90_000}), {code: 1}) as {
      apps: {name: string; status: string}[]
    }
    expect(run.apps.map((a) => [a.name, a.status]).sort()).toEqual([
      ['broken', 'failed'],
      ['shop', 'restaged'],
    ])
    expectShape('restage-all', await e.cli(['restage-all', '-b', 'go_buildpack', '--json']))
  }, 150_000)

  it('failures print the error document', async () => {
    expectShape('app', await e.cli(['app', 'nope', '--json']), {code: 4, error: true})
    expectShape('restart', await e.cli(['restart', 'web', '--strategy', 'sideways', '--json']), {code: 2, error: true})
    // A failed build: the staging log in error.logs.
    const staging = expectShape('restage', await e.cli(['restage', 'broken', '--json']), {code: 1, error: true}) as {
      error: {logs?: {kind: string; lines: unknown[]}}
    }
    expect(staging.error.logs).toMatchObject({kind: 'staging', lines: expect.arrayContaining([expect.objectContaining({sourceType: 'STG'})])})
  })

  it('logout', async () => {
    expectShape('logout', await e.cli(['logout', '--json']))
  })

  it('local start: one line when the foundation is up', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'local', 'start', '--port', '0', '--router-port', '0', '--json'], {
      cwd: ROOT,
      env: {...e.env, CFZD_LOCAL_ADMIN_PASSWORD: 'schema-test'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`local start printed no line in 30s\n${stderr}`)), 30_000)
      child.stdout.on('data', (d) => {
        stdout += d
        if (stdout.includes('\n')) {
          clearTimeout(timer)
          resolve(stdout.slice(0, stdout.indexOf('\n')))
        }
      })
      child.on('exit', (code) => reject(new Error(`local start exited ${code}\n${stderr}`)))
    })
    const exited = new Promise((resolve) => child.on('exit', resolve))
    child.kill('SIGINT')
    await exited
    expectShape('local:start', {code: 0, stdout: line, stderr})
  }, 60_000)

  it('local demo', async () => {
    const demo = expectShape(
      'local:demo',
      await e.cli(['local', 'demo', '--tick', '100ms', '--startup-time', '50ms', '--instances', '2', '--json'], {timeoutMs: 90_000}),
    ) as {traffic: {failed: number}}
    expect(demo.traffic.failed).toBe(0)
  }, 120_000)

  it('covered every command with --json', () => {
    expect([...covered].sort()).toEqual(withJson)
  })
})
