/**
 * Bad input to cfzd push (the built CLI, against the local foundation): each case exits 2 with the
 * file and line, before anything changes: not one write request reaches the API, and the space
 * looks the same afterwards. (Its own foundation: the request log must hold only this file's requests.)
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {ROOT, startE2E, type CliResult, type E2E} from '../../helpers/e2e.js'

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'apps')

let e: E2E
let space: string
const dirs: string[] = []

beforeAll(async () => {
  e = await startE2E()
  space = (await e.capi.spaces.list({names: ['dev']}))[0].guid
}, 60_000)

afterAll(async () => {
  await e?.stop()
  for (const d of dirs) fs.rmSync(d, {recursive: true, force: true})
})

function workdir(manifest: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-push-bad-'))
  dirs.push(dir)
  fs.cpSync(path.join(FIXTURES, 'hello'), path.join(dir, 'hello'), {recursive: true})
  fs.rmSync(path.join(dir, 'hello', 'manifest.yml'), {force: true})
  fs.writeFileSync(path.join(dir, 'manifest.yml'), manifest)
  return dir
}

function json<T>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

describe('bad input changes nothing on the foundation', () => {
  /** What a push could change: apps, droplets, env, processes, routes, packages. */
  async function foundationState() {
    const out: unknown[] = []
    for await (const a of e.capi.apps.list({space_guids: [space]})) {
      const processes = (await e.capi.processes.forApp(a.guid)).map((p) => [p.type, p.instances, p.memory_in_mb, p.health_check.type])
      out.push({name: a.name, guid: a.guid, state: a.state, droplet: a.relationships.current_droplet?.data?.guid, env: await e.capi.env.get(a.guid), processes})
    }
    const routes = (await e.capi.routes.listAll({space_guids: [space]})).map((r) => [r.url, r.destinations.map((d) => d.app.guid).sort()])
    let packages = 0
    for await (const _ of e.capi.packages.list({space_guids: [space]})) packages++
    return {apps: out, routes, packages}
  }

  const base = (extra: string, name = 'sample') => `---
applications:
- name: ${name}
  path: hello
  memory: 64M
${extra}`

  it.each([
    {name: 'bad YAML', manifest: base('  env: {A: [1\n'), args: [], want: /manifest\.yml:\d+(:\d+)?: invalid YAML/},
    {
      name: 'an unknown field',
      manifest: base('  disk-quota: 1G\n'),
      args: [],
      want: /manifest\.yml:6: unknown field 'disk-quota' \(app 'sample'\) \(did you mean 'disk_quota'\?\)/,
    },
    {
      name: 'a missing path',
      manifest: base('').replace('path: hello', 'path: ./not-there'),
      args: [],
      want: /manifest\.yml:4: path '\.\/not-there' of app 'sample' does not exist/,
    },
    {name: 'an unresolved ((var))', manifest: base('  env:\n    DB: ((db_url))\n'), args: [], want: /manifest\.yml:7: unresolved variable \(\(db_url\)\)/},
    {
      name: 'a strategy with --no-start',
      manifest: base(''),
      args: ['--strategy', 'rolling', '--no-start'],
      want: /cannot be used together: --no-start, --strategy/,
    },
    {
      name: 'a problem in the second app only (the first is not pushed either)',
      manifest: `${base('')}- name: other\n  path: ./missing\n`,
      args: [],
      want: /manifest\.yml:7: path '\.\/missing' of app 'other' does not exist/,
    },
  ])('$name: exit 2, file and line, no write request', async ({manifest, args, want}) => {
    const dir = workdir(manifest)
    const before = await foundationState()
    e.foundation.clearRequestLog()
    const r = await e.cli(['push', ...args], {cwd: dir})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(want)
    expect(r.stderr).toMatch(/Nothing was changed|cannot be used together/)
    const writes = e.foundation.requestLog.filter((x) => x.kind === 'api' && x.method !== 'GET')
    expect(writes).toEqual([])
    expect(await foundationState()).toEqual(before)
  })

  it('--json reports the problems as one document', async () => {
    const dir = workdir(base('  instances: three\n  colour: blue\n'))
    const r = await e.cli(['push', '--json'], {cwd: dir})
    expect(r.code).toBe(2)
    const doc = json<{error: {exitCode: number; problems: {file: string; line: number; message: string}[]}}>(r)
    expect(doc.error.exitCode).toBe(2)
    expect(doc.error.problems).toEqual([
      {file: 'manifest.yml', line: 6, message: "'instances' must be a whole number (app 'sample')"},
      {file: 'manifest.yml', line: 7, message: "unknown field 'colour' (app 'sample')"},
    ])
  })
})
