/**
 * `local start --run-apps` end to end: the built CLI pushes the real example app
 * (examples/node-app), whose own code runs as child processes; a rolling restart and a rolling
 * push of a changed version run under live traffic through the router with zero failed requests;
 * the app's own answers (its greeting, PORT, VCAP_APPLICATION) come through; and stopping the
 * foundation leaves no app process behind.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {ROOT, startE2E, type CliResult, type E2E} from '../../helpers/e2e.js'

interface Answer {
  greeting: string
  version: string | null
  port: number
  pid: number
  instance_index: string | null
  instance_guid: string | null
  application_name: string | null
  application_id: string | null
  process_type: string | null
  vcap_application_port: number | null
}

let e: E2E | undefined
let dir: string
const pids = new Set<number>()

beforeAll(async () => {
  e = await startE2E({runApps: {gracefulStopMs: 3000}})
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-run-apps-'))
  fs.cpSync(path.join(ROOT, 'examples', 'node-app'), dir, {recursive: true})
}, 60_000)

afterAll(async () => {
  await e?.stop()
  fs.rmSync(dir, {recursive: true, force: true})
})

function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
  return r
}

/** One GET through the router with the app's Host header. */
function get(pathname = '/'): Promise<{status: number; body: string}> {
  const router = new URL(e!.foundation.routerUrl)
  return new Promise((resolve) => {
    const req = http.get(
      {host: '127.0.0.1', port: Number(router.port), path: pathname, agent: false, timeout: 5000, headers: {host: `node-app.${e!.foundation.sharedDomain}`}},
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
        res.on('error', (err) => resolve({status: 0, body: String(err)}))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err) => resolve({status: 0, body: String(err)}))
  })
}

/** Live traffic: `workers` loops of GETs until stopped (bounded by a deadline), every answer kept. */
function traffic(workers = 4) {
  const answers: {at: number; status: number; body: string}[] = []
  let running = true
  const deadline = Date.now() + 3 * 60_000
  const loops = Array.from({length: workers}, async () => {
    while (running && Date.now() < deadline) {
      const r = await get()
      answers.push({at: Date.now(), ...r})
      await new Promise((res) => setTimeout(res, 20))
    }
  })
  return {
    answers,
    async stop() {
      running = false
      await Promise.all(loops)
      return answers
    },
  }
}

function parse(body: string): Answer {
  return JSON.parse(body) as Answer
}

describe('local start --run-apps: the pushed app runs its own code', () => {
  it('pushes examples/node-app; its answers carry its greeting, PORT and VCAP_APPLICATION', async () => {
    ok(await e!.cli(['push'], {cwd: dir}))
    const space = (await e!.capi.spaces.list({names: ['dev']}))[0].guid
    const app = (await e!.capi.apps.findByName(space, 'node-app'))!
    const seen = new Set<string>()
    for (let i = 0; i < 12; i++) {
      const r = await get()
      expect(r.status).toBe(200)
      const a = parse(r.body)
      expect(a.greeting).toBe('Hello from node-app v1')
      expect(a.application_name).toBe('node-app')
      expect(a.application_id).toBe(app.guid)
      expect(a.process_type).toBe('web')
      expect(a.vcap_application_port).toBe(a.port)
      expect(a.port).toBeGreaterThan(0)
      expect(a.instance_guid).toMatch(/^[0-9a-f-]{36}$/)
      seen.add(String(a.instance_index))
      pids.add(a.pid)
    }
    expect([...seen].sort()).toEqual(['0', '1', '2'])
    // The health endpoint of the manifest is the process's http health check.
    const web = await e!.capi.processes.getForApp(app.guid, 'web')
    expect(web.health_check).toMatchObject({type: 'http', data: {endpoint: '/health'}})
  }, 120_000)

  it('rolling restart, then a rolling push of a changed version, under traffic: 0 failed requests, the new code answers', async () => {
    const t = traffic()
    const restart = ok(await e!.cli(['restart', 'node-app', '--strategy', 'rolling']))
    expect(restart.code).toBe(0)
    const server = path.join(dir, 'server.js')
    fs.writeFileSync(server, fs.readFileSync(server, 'utf8').replace("'Hello from node-app v1'", "'Hello from node-app v2'"))
    ok(await e!.cli(['push', '--strategy', 'rolling'], {cwd: dir}))
    // A little more traffic after the push returns, then stop.
    const before = t.answers.length
    while (t.answers.length < before + 20) await new Promise((res) => setTimeout(res, 20))
    const answers = await t.stop()
    const failed = answers.filter((a) => a.status !== 200)
    process.stderr.write(`run-apps rolling restart + push: ${answers.length} requests, ${failed.length} failed\n`)
    expect(answers.length).toBeGreaterThan(100)
    expect(failed).toEqual([])
    const greetings = answers.map((a) => parse(a.body).greeting)
    expect(greetings).toContain('Hello from node-app v1')
    expect(greetings).toContain('Hello from node-app v2')
    expect(greetings.slice(-8)).toEqual(Array(8).fill('Hello from node-app v2'))
    for (const a of answers) pids.add(parse(a.body).pid)
    // The old processes (SIGTERM on stop) are gone.
    const now = new Set(answers.slice(-8).map((a) => parse(a.body).pid))
    const old = [...pids].filter((p) => !now.has(p))
    expect(old.length).toBeGreaterThan(0)
    await waitFor(() => old.every((p) => !alive(p)), 15_000)
    expect(old.filter(alive)).toEqual([])
  }, 240_000)

  it('stopping the foundation ends every app process', async () => {
    const running = e!.foundation.internals.runtime.runner!.pids
    expect(running.length).toBeGreaterThanOrEqual(3)
    const appPids = [...pids].filter(alive)
    expect(appPids.length).toBeGreaterThanOrEqual(3)
    const dataDir = e!.foundation.internals.runtime.runner!.dataDir
    await e!.stop()
    e = undefined
    expect([...running, ...appPids].filter(alive)).toEqual([])
    // The temporary data dir is removed.
    expect(fs.existsSync(dataDir)).toBe(false)
  }, 60_000)
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
}
