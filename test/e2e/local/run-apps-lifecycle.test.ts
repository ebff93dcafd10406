/**
 * `local start --run-apps`, the instance's life: the start command (manifest `command`, else the
 * Procfile's web line), the env it gets (PORT, VCAP_APPLICATION, VCAP_SERVICES from its bindings,
 * CF_INSTANCE_*, the app's env vars, its own folder), stop (SIGTERM, then SIGKILL once the
 * graceful window passes), a process that exits (the crash path: CRASHED, a crash event, a
 * restart) and a health check that never passes.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {startE2E, type CliResult, type E2E} from '../../helpers/e2e.js'

const GRACE_MS = 1500
let e: E2E
let space: string
const dirs: string[] = []

/** An app that answers with what it was given, ignores SIGTERM when told to, and exits when told to. */
const SERVER = `
const http = require('node:http')
if (process.env.IGNORE_SIGTERM) process.on('SIGTERM', () => console.log('ignoring SIGTERM'))
if (process.env.EXIT_AFTER_MS) setTimeout(() => process.exit(3), Number(process.env.EXIT_AFTER_MS))
const port = Number(process.env.PORT)
http.createServer((req, res) => {
  const pick = (k) => process.env[k] ?? null
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({
    started_by: pick('STARTED_BY'), pid: process.pid, cwd: process.cwd(),
    env: Object.fromEntries(['PORT', 'HOME', 'CF_INSTANCE_INDEX', 'CF_INSTANCE_GUID', 'CF_INSTANCE_ADDR', 'MEMORY_LIMIT', 'MY_SETTING'].map((k) => [k, pick(k)])),
    vcap_application: JSON.parse(process.env.VCAP_APPLICATION || 'null'),
    vcap_services: JSON.parse(process.env.VCAP_SERVICES || 'null'),
  }))
}).listen(port, '127.0.0.1', () => console.log('listening on ' + port))
`

beforeAll(async () => {
  e = await startE2E({
    runApps: {gracefulStopMs: GRACE_MS},
    seed: {orgs: [{name: 'local', spaces: [{name: 'dev', service_instances: [{name: 'db', credentials: {uri: 'postgres://db.local/x'}}]}]}]},
  })
  space = (await e.capi.spaces.list({names: ['dev']}))[0].guid
}, 60_000)

afterAll(async () => {
  await e?.stop()
  for (const d of dirs) fs.rmSync(d, {recursive: true, force: true})
})

function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
  return r
}

function appDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-run-apps-life-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text)
  return dir
}

function get(host: string): Promise<{status: number; body: string}> {
  const router = new URL(e.foundation.routerUrl)
  return new Promise((resolve) => {
    const req = http.get(
      {host: '127.0.0.1', port: Number(router.port), path: '/', agent: false, timeout: 5000, headers: {host: `${host}.${e.foundation.sharedDomain}`}},
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err) => resolve({status: 0, body: String(err)}))
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('local start --run-apps: the life of an app process', () => {
  it('runs the manifest command over the Procfile, with the env Cloud Foundry gives; stop sends SIGTERM, then SIGKILL after the graceful window', async () => {
    const dir = appDir({
      'server.js': SERVER,
      Procfile: 'web: STARTED_BY=procfile node server.js\n',
      'manifest.yml': `---
applications:
- name: stubborn
  memory: 64M
  instances: 2
  command: STARTED_BY=manifest node server.js
  services: [db]
  env:
    MY_SETTING: from-manifest
    IGNORE_SIGTERM: "1"
`,
    })
    ok(await e.cli(['push'], {cwd: dir}))
    const app = (await e.capi.apps.findByName(space, 'stubborn'))!
    const web = await e.capi.processes.getForApp(app.guid, 'web')
    const r = await get('stubborn')
    expect(r.status).toBe(200)
    const a = JSON.parse(r.body)
    expect(a.started_by).toBe('manifest')
    expect(a.env).toMatchObject({MY_SETTING: 'from-manifest', MEMORY_LIMIT: '64m'})
    expect(a.env.CF_INSTANCE_ADDR).toBe(`127.0.0.1:${a.env.PORT}`)
    expect(['0', '1']).toContain(a.env.CF_INSTANCE_INDEX)
    // Its own folder, under the data dir, is its HOME and working directory.
    const dataDir = e.foundation.internals.runtime.runner!.dataDir
    expect(fs.realpathSync(a.cwd)).toBe(fs.realpathSync(path.join(dataDir, 'instances', a.env.CF_INSTANCE_GUID, 'app')))
    expect(a.env.HOME).toBe(a.cwd)
    expect(a.vcap_application).toMatchObject({
      application_id: app.guid,
      application_name: 'stubborn',
      application_uris: [`stubborn.${e.foundation.sharedDomain}`],
      space_id: space,
      space_name: 'dev',
      organization_name: 'local',
      process_id: web.guid,
      process_type: 'web',
      instance_id: a.env.CF_INSTANCE_GUID,
      instance_index: Number(a.env.CF_INSTANCE_INDEX),
      port: Number(a.env.PORT),
      limits: {mem: 64},
    })
    expect(a.vcap_services['user-provided']).toEqual([expect.objectContaining({name: 'db', credentials: {uri: 'postgres://db.local/x'}})])

    // Stop: the app ignores SIGTERM, so it is killed once the graceful window has passed.
    const pid = a.pid as number
    const stoppedAt = Date.now()
    await e.capi.apps.stop(app.guid)
    await waitFor('the stubborn process to be killed', () => !alive(pid), GRACE_MS + 10_000)
    const tookMs = Date.now() - stoppedAt
    process.stderr.write(`run-apps: SIGTERM ignored, killed after ${tookMs} ms (window ${GRACE_MS} ms)\n`)
    expect(tookMs).toBeGreaterThanOrEqual(GRACE_MS - 100)
    // Its folder goes once the whole process group has gone.
    await waitFor("the instance's folder to be removed", () => !fs.existsSync(path.join(dataDir, 'instances', a.env.CF_INSTANCE_GUID)), 10_000)
  }, 120_000)

  it("runs the Procfile's web line when there is no command; a process that exits is a crash (event, restart)", async () => {
    const dir = appDir({
      'server.js': SERVER,
      Procfile: 'web: STARTED_BY=procfile node server.js\n',
      'manifest.yml': `---
applications:
- name: exits
  memory: 64M
  instances: 1
  env:
    EXIT_AFTER_MS: "1500"
`,
    })
    ok(await e.cli(['push'], {cwd: dir}))
    const app = (await e.capi.apps.findByName(space, 'exits'))!
    const r = await get('exits')
    expect(JSON.parse(r.body).started_by).toBe('procfile')
    const crash = await waitFor('a crash event', () =>
      e.foundation.internals.store.auditEvents.all().find((ev) => ev.type === 'audit.app.process.crash' && ev.target.guid === app.guid),
    )
    expect(JSON.stringify(crash.data)).toContain('Exited with status 3')
    // Diego restarts it: it answers again.
    await waitFor('the restarted instance to answer', async () => (await get('exits')).status === 200)
  }, 120_000)

  it('an instance whose port health check never passes crashes after the health check timeout', async () => {
    const dir = appDir({
      'manifest.yml': `---\napplications:\n- name: deaf\n  memory: 64M\n  instances: 1\n  timeout: 1\n  command: node -e "setInterval(() => {}, 1000)"\n`,
      'x.txt': 'x',
    })
    const r = await e.cli(['push'], {cwd: dir})
    expect(r.code).not.toBe(0)
    const app = (await e.capi.apps.findByName(space, 'deaf'))!
    const crash = await waitFor('a crash event', () =>
      e.foundation.internals.store.auditEvents.all().find((ev) => ev.type === 'audit.app.process.crash' && ev.target.guid === app.guid),
    )
    expect(JSON.stringify(crash.data)).toContain('never healthy')
    await e.capi.apps.stop(app.guid)
  }, 120_000)
})
