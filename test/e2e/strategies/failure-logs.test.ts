/**
 * Logs on failure (issue 14 part 4), through the real CLI against the local foundation's
 * log-cache: a failed build prints the last lines of the staging log, crashed instances print the
 * app's recent lines, --json carries them, and a log-cache that can't be reached is reported
 * without hiding the original error.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {expectExit, ROOT, startE2E, type E2E} from '../../helpers/e2e.js'

let e: E2E
let space: string
const find = async (name: string) => (await e.capi.apps.findByName(space, name))!
const setEnv = async (name: string, vars: Record<string, string | null>) => e.capi.env.update((await find(name)).guid, vars)
const app = (name: string) => ({name, buildpacks: ['nodejs_buildpack'], instances: 2, memory: '64M'})

beforeAll(async () => {
  e = await startE2E({seed: {orgs: [{name: 'local', spaces: [{name: 'dev', apps: ['badbuild', 'jsonbuild', 'crashy', 'bgcrash', 'nologs'].map(app)}]}]}})
  space = (await e.capi.spaces.list({names: ['dev']}))[0].guid
}, 60_000)

const dirs: string[] = []
afterAll(async () => {
  await e?.stop()
  for (const d of dirs) fs.rmSync(d, {recursive: true, force: true})
})

describe('a failed build prints the staging log', () => {
  it('restage: the error first, then the last lines of the staging log (STG), the app unchanged', async () => {
    await setEnv('badbuild', {CFZD_LOCAL_STAGING_FAIL: 'true', CFZD_LOCAL_STAGING_OUTPUT: '-----> Installing node 20.11.1\nnpm ERR! Missing script: "build"'})
    const t = e.traffic('badbuild')
    const r = await e.cli(['restage', 'badbuild'])
    const report = await t.stop()
    expectExit(r, 1)
    const err = r.stderr
    expect(err).toMatch(/Staging failed for app badbuild: StagingError/)
    expect(err).toMatch(/Last \d+ lines of the staging log of app badbuild:/)
    expect(err).toMatch(/^ {3}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d[+-]\d{4} \[STG\/0\] OUT -----> Installing node 20\.11\.1$/m)
    expect(err).toMatch(/\[STG\/0\] OUT npm ERR! Missing script: "build"/)
    expect(err).toMatch(/\[STG\/0\] ERR Failed to compile droplet: StagingError/)
    // The original error comes before the logs, and only staging lines are shown.
    expect(err.indexOf('Staging failed for app badbuild')).toBeLessThan(err.indexOf('[STG/0]'))
    expect(err).not.toMatch(/\[(RTR|CELL|APP\/PROC\/WEB)\//)
    expect(report.failed).toBe(0)
  })

  it('--json carries the staging lines in error.logs', async () => {
    await setEnv('jsonbuild', {CFZD_LOCAL_STAGING_FAIL: 'true', CFZD_LOCAL_STAGING_OUTPUT: 'compile step 7 broke'})
    const r = await e.cli(['restage', 'jsonbuild', '--json'])
    expectExit(r, 1)
    const out = JSON.parse(r.stdout) as {
      error: {
        message: string
        logs: {kind: string; appGuid: string; lines: {sourceType: string; instanceId: string; type: string; message: string; timestamp: string}[]}
      }
    }
    expect(out.error.logs.kind).toBe('staging')
    expect(out.error.logs.appGuid).toBe((await find('jsonbuild')).guid)
    expect(out.error.logs.lines).toContainEqual(expect.objectContaining({sourceType: 'STG', instanceId: '0', type: 'OUT', message: 'compile step 7 broke'}))
    expect(out.error.logs.lines.at(-1)).toMatchObject({sourceType: 'STG', message: 'Exit status 223'})
    expect(out.error.logs.lines.every((l) => l.sourceType === 'STG' && !Number.isNaN(Date.parse(l.timestamp)))).toBe(true)
  })
})

describe('crashed instances print the recent app logs', () => {
  it('rolling: all new instances crash, the deployment is canceled, and the crash output is shown', async () => {
    await setEnv('crashy', {CFZD_LOCAL_CRASH: 'true'})
    const t = e.traffic('crashy')
    const r = await e.cli(['restart', 'crashy'])
    const report = await t.stop()
    expectExit(r, 1)
    expect(r.stderr).toMatch(/all new instances crashed/)
    expect(r.stderr).toMatch(/Canceled deployment/)
    expect(r.stderr).toMatch(/Last \d+ lines of the recent logs of app crashy \(cf logs crashy --recent\):/)
    expect(r.stderr).toMatch(/\[APP\/PROC\/WEB\/\d\] ERR APP\/PROC\/WEB\/\d: Exited with status 1/)
    expect(r.stderr).toMatch(/\[API\/0\] OUT Process has crashed with type: "web"/)
    // The router's access log is left out; staging lines too.
    expect(r.stderr).not.toMatch(/\[(RTR|STG)\//)
    expect(r.stderr.indexOf('all new instances crashed')).toBeLessThan(r.stderr.indexOf('[APP/PROC/WEB/'))
    expect(report.failed).toBe(0)
    await setEnv('crashy', {CFZD_LOCAL_CRASH: null})
  })

  it('blue-green: the new app crashes and is rolled back; its logs are still read from log-cache', async () => {
    await setEnv('bgcrash', {CFZD_LOCAL_CRASH: 'true'})
    const r = await e.cli(['restart', 'bgcrash', '--strategy', 'blue-green', '--json'])
    expectExit(r, 1)
    const out = JSON.parse(r.stdout) as {
      error: {message: string; logs: {kind: string; appGuid: string; lines: {sourceType: string; type: string; message: string}[]}}
    }
    expect(out.error.message).toMatch(/Rolled back/)
    expect(out.error.logs.kind).toBe('app')
    // The logs are the new (deleted) copy's, not the old app's.
    expect(out.error.logs.appGuid).not.toBe((await find('bgcrash')).guid)
    expect(out.error.logs.lines).toContainEqual(
      expect.objectContaining({sourceType: 'APP/PROC/WEB', type: 'ERR', message: expect.stringMatching(/Exited with status 1/)}),
    )
    await setEnv('bgcrash', {CFZD_LOCAL_CRASH: null})
  })
})

describe('push', () => {
  it('a first push whose instances crash prints their recent logs; the app is left as it is', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-logs-'))
    dirs.push(dir)
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'apps', 'hello'), path.join(dir, 'hello'), {recursive: true})
    fs.rmSync(path.join(dir, 'hello', 'manifest.yml'), {force: true})
    fs.writeFileSync(
      path.join(dir, 'manifest.yml'),
      '---\napplications:\n- name: newcrash\n  path: hello\n  memory: 64M\n  instances: 1\n  env:\n    CFZD_LOCAL_CRASH: "true"\n',
    )
    const r = await e.cli(['push'], {cwd: dir})
    expectExit(r, 1)
    expect(r.stderr).toMatch(/Start unsuccessful: all instances of process web crashed/)
    expect(r.stderr).toMatch(/App 'newcrash' \([0-9a-f-]+\) was created and is left (started|stopped)/)
    expect(r.stderr).toMatch(
      /Last \d+ lines of the recent logs of app newcrash \(cf logs newcrash --recent\):\n(.*\n)*.*\[APP\/PROC\/WEB\/0\] ERR .*Exited with status 1/,
    )
  })
})

describe('log-cache down', () => {
  it('says it could not read the logs, and the original error and exit code stay', async () => {
    await setEnv('nologs', {CFZD_LOCAL_CRASH: 'true'})
    await e.foundation.setFaults({errorRate: 1, errorPathPattern: '^GET /log-cache/', errorKinds: ['reset']})
    try {
      const r = await e.cli(['restart', 'nologs'])
      expectExit(r, 1)
      expect(r.stderr).toMatch(/Start unsuccessful: all new instances crashed/)
      expect(r.stderr).toMatch(/Canceled deployment/)
      expect(r.stderr).toMatch(/Could not read recent logs: GET http:\/\/127\.0\.0\.1:\d+\/log-cache\/api\/v1\/read\/[0-9a-f-]+\?.* failed/)
      expect(r.stderr).not.toMatch(/\[APP\/PROC\/WEB\//)
      expect(r.stderr.indexOf('all new instances crashed')).toBeLessThan(r.stderr.indexOf('Could not read recent logs'))
    } finally {
      await e.foundation.setFaults({errorRate: 0, errorPathPattern: null})
      await setEnv('nologs', {CFZD_LOCAL_CRASH: null})
    }
  })
})
