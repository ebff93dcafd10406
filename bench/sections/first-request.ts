/**
 * First request: for every command users run day to day, the time from spawn to the first HTTP
 * request the API receives, next to `node -e 0` measured in the same rounds (interleaved).
 *
 * The commands run in the caller's own environment (process.env, not a trimmed one) with only
 * CF_HOME pointing at a private copy of a logged-in config whose API endpoints name a tiny
 * loopback server. That server notes the high-resolution time of the first request it gets and
 * the child is then killed: what happens after the first request is not measured here.
 */
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {BIN, ROOT, run} from '../lib/proc.js'
import {seedApps, startSite} from '../lib/site.js'
import {median, ratio} from '../lib/stats.js'
import type {Figure, SectionContext} from '../types.js'

/** The goal from the issue: every command reaches its first request in ≤ 2.5× `node -e 0`. */
const GOAL = 2.5

/** A one-file app for `push` (so packaging the upload costs nothing before the first request). */
const APP_DIR = path.join(os.tmpdir(), `cfzd-bench-push-app-${process.pid}`)

export const COMMANDS: {id: string; args: string[]}[] = [
  {id: 'apps', args: ['apps']},
  {id: 'app', args: ['app', 'app-a']},
  {id: 'restart', args: ['restart', 'app-a']},
  {id: 'restage', args: ['restage', 'app-a']},
  {id: 'push', args: ['push', 'app-a', '--no-manifest', '--path', APP_DIR]},
  {id: 'cancel-deployment', args: ['cancel-deployment', 'app-a']},
  {id: 'restage-all', args: ['restage-all', '--buildpack', 'nodejs_buildpack']},
]

interface Probe {
  url: string
  /** Spawn `node bin/run.js ...args`; resolves with ms from spawn to the first request (or rejects). */
  time(args: string[], env: NodeJS.ProcessEnv): Promise<number>
  close(): Promise<void>
}

async function startProbe(): Promise<Probe> {
  let waiting: ((t: bigint) => void) | undefined
  const server = http.createServer((req, res) => {
    const t = process.hrtime.bigint()
    waiting?.(t)
    waiting = undefined
    req.resume()
    res.writeHead(503, {'content-type': 'application/json', connection: 'close'}).end('{"errors":[]}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    time(args, env) {
      return new Promise((resolve, reject) => {
        const t0 = process.hrtime.bigint()
        const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']})
        let out = ''
        child.stdout.on('data', (d) => (out += d))
        child.stderr.on('data', (d) => (out += d))
        let got: number | undefined
        waiting = (t) => {
          got = Number(t - t0) / 1e6
          child.kill('SIGKILL')
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
        child.on('error', reject)
        child.on('close', (code) => {
          clearTimeout(timer)
          waiting = undefined
          if (got === undefined) reject(new Error(`cfzd ${args.join(' ')} made no request (exit ${code})\n${out.slice(-2000)}`))
          else resolve(got)
        })
      })
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

export async function firstRequest(ctx: SectionContext): Promise<Figure[]> {
  const rounds = ctx.quick ? 7 : 21
  // A real login (against the local foundation) writes a config.json as users have it; the copy
  // then names the probe for every endpoint.
  const site = await startSite({seed: seedApps('bench', 'dev', [{name: 'app-a', instances: 1}]), org: 'bench', space: 'dev', tickMs: 5000})
  const probe = await startProbe()
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-bench-first-'))
  fs.mkdirSync(APP_DIR, {recursive: true})
  fs.writeFileSync(path.join(APP_DIR, 'package.json'), '{"name":"app-a","version":"1.0.0"}\n')
  const t: Record<string, {fast: number[]; oclif: number[]}> = Object.fromEntries(COMMANDS.map((c) => [c.id, {fast: [], oclif: []}]))
  const node: number[] = []
  try {
    const text = fs.readFileSync(path.join(site.home, '.cf', 'config.json'), 'utf8')
    const origin = new URL(site.foundation.apiUrl).origin
    const rewritten = text.replace(/"(https?:\/\/(?:127\.0\.0\.1|localhost)(?::\d+)?)([^"]*)"/g, (_m, _o, rest) => `"${probe.url}${rest}"`)
    if (!rewritten.includes(probe.url) || rewritten.includes(origin)) throw new Error('could not point the copied config.json at the probe')
    fs.mkdirSync(path.join(home, '.cf'), {recursive: true})
    fs.writeFileSync(path.join(home, '.cf', 'config.json'), rewritten)
    const env = {...process.env, CF_HOME: home}
    const noFast = {...env, CFZD_FAST_PATH: '0'}
    for (let i = -1; i < rounds; i++) {
      ctx.progress(`first request round ${i + 1}/${rounds}`)
      const n = await run(process.execPath, ['-e', '0'], {env})
      const row: Record<string, {fast: number; oclif: number}> = {}
      for (const c of COMMANDS) row[c.id] = {fast: await probe.time(c.args, env), oclif: await probe.time(c.args, noFast)}
      if (i < 0) continue
      node.push(n.wallMs)
      for (const c of COMMANDS) {
        t[c.id].fast.push(row[c.id].fast)
        t[c.id].oclif.push(row[c.id].oclif)
      }
    }
  } finally {
    await probe.close()
    await site.stop()
    fs.rmSync(home, {recursive: true, force: true})
    fs.rmSync(APP_DIR, {recursive: true, force: true})
  }
  const base = median(node)
  const fig = (id: string, label: string, xs: number[], goal?: number): Figure => ({
    section: 'first-request',
    id,
    label,
    unit: 'ms',
    value: median(xs),
    baselineLabel: 'node -e 0',
    baseline: base,
    ratio: ratio(median(xs), base),
    ...(goal !== undefined ? {goal: `≤ ${goal}× node -e 0`, met: ratio(median(xs), base) <= goal} : {}),
    samples: xs.length,
    raw: xs,
  })
  return [
    ...COMMANDS.map((c) => fig(c.id, `cfzd ${c.args[0]}: spawn → first API request`, t[c.id].fast, GOAL)),
    ...COMMANDS.map((c) => fig(`${c.id}-oclif`, `cfzd ${c.args[0]} through oclif (CFZD_FAST_PATH=0)`, t[c.id].oclif)),
    {section: 'first-request', id: 'node', label: 'node -e 0 (baseline)', unit: 'ms', value: base, samples: node.length, raw: node},
  ]
}
