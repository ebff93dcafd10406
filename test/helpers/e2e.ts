/**
 * End-to-end harness: a local foundation on loopback ports, a private CF_HOME logged in to it,
 * the real CLI (node bin/run.js, built into dist/) run as a subprocess, and live traffic through
 * the foundation's router.
 */
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {CapiClient} from '../../src/capi/client.js'
import {startLocalFoundation, type LocalFoundation, type LocalFoundationOptions} from '../../src/local/index.js'
import {Probe, type ProbeOptions, type ProbeReport} from '../../src/probe/probe.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = path.join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  timeoutMs?: number
  /** Send a signal (SIGINT by default) once stderr matches this, to interrupt at a chosen step. */
  interruptWhen?: RegExp
  interruptSignal?: NodeJS.Signals
  /** Do something (inject a fault, act as someone else) once stderr matches, at a chosen step. */
  trigger?: {when: RegExp; then: () => unknown}
  /** Gets a handle on the running CLI, to signal it from elsewhere (a foundation event, a timer). */
  control?: (cli: {kill(signal?: NodeJS.Signals): void}) => void
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'commands'))) throw new Error('dist/ is missing: run `npm run build` before the e2e tests')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd: opts.cwd ?? ROOT, env: opts.env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    let interrupted = false
    let triggered = false
    opts.control?.({kill: (sig = 'SIGINT') => void (child.exitCode === null && child.kill(sig))})
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      if (opts.interruptWhen && !interrupted && opts.interruptWhen.test(stderr)) {
        interrupted = true
        child.kill(opts.interruptSignal ?? 'SIGINT')
      }
      if (opts.trigger && !triggered && opts.trigger.when.test(stderr)) {
        triggered = true
        Promise.resolve()
          .then(opts.trigger.then)
          .catch((error) => (stderr += `\n[test trigger failed: ${(error as Error).message}]\n`))
      }
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`cfzd ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 120_000}ms\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    }, opts.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, stdout, stderr})
    })
  })
}

/** Assert an exit code, showing the CLI's output when it differs. */
export function expectExit(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`)
}

/**
 * Wait until live traffic shows something (events, not fixed sleeps): the probe's report is read
 * every 20 ms until `test` holds, for at most `timeoutMs`, then the wait fails naming `what`.
 */
export async function untilReport(p: Probe, test: (r: ProbeReport) => boolean, what: string, timeoutMs = 15_000): Promise<ProbeReport> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const r = p.report()
    if (test(r)) return r
    if (Date.now() >= end) throw new Error(`Traffic to ${r.url} never showed ${what} within ${timeoutMs} ms (sent ${r.sent}, ok ${r.ok}, failed ${r.failed})`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Wait until `n` requests have been answered (well or not). */
export const answered = (p: Probe, n = 5) => untilReport(p, (r) => r.ok + r.failed >= n, `${n} answers`)

/** Wait until the router has served `droplet` to `count` requests. */
export const servedBy = (p: Probe, droplet: string, count = 5) =>
  untilReport(p, (r) => (r.droplets.find((d) => d.droplet === droplet)?.count ?? 0) >= count, `droplet ${droplet} served ${count} times`)

export interface E2E {
  foundation: LocalFoundation
  /** Environment for CLI runs: a private CF_HOME logged in to the foundation, plain output, fast route switch. */
  env: NodeJS.ProcessEnv
  home: string
  /** An admin CAPI client, for arranging and checking state directly. */
  capi: CapiClient
  cli(args: string[], opts?: Omit<CliOptions, 'env'> & {env?: NodeJS.ProcessEnv}): Promise<CliResult>
  /** The router URL of an app route: http://<host>.<shared domain>:<router port><path>. */
  routeUrl(host: string, path?: string): string
  /** Start live traffic at a route; stop() returns the report. */
  traffic(host: string, opts?: Partial<ProbeOptions>): Probe
  stop(): Promise<void>
}

export async function startE2E(opts: LocalFoundationOptions = {}): Promise<E2E> {
  const foundation = await startLocalFoundation({port: 0, routerPort: 0, tickMs: 200, stagingMs: 100, startupMs: 100, ...opts})
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-e2e-home-'))
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    CF_HOME: home,
    NO_COLOR: '1',
    CI: 'true',
    CFZD_ROUTE_SETTLE: '0',
    // No route delay and graceful stops on the local foundation: nothing to drain (drain.test.ts sets one).
    CFZD_DRAIN: '0',
    CF_STARTUP_TIMEOUT: '1',
    CF_STAGING_TIMEOUT: '1',
    OCLIF_SKIP_NEW_VERSION_CHECK: 'true',
  }
  const cli: E2E['cli'] = (args, o = {}) => runCli(args, {...o, env: {...env, ...o.env}})
  const login = await cli(['login', '-a', foundation.apiUrl, '-u', foundation.admin.username, '-p', foundation.admin.password, '-o', 'local', '-s', 'dev'])
  if (login.code !== 0) throw new Error(`login failed (${login.code}):\n${login.stdout}\n${login.stderr}`)
  const {loadSession} = await import('../../src/auth/session.js')
  const session = await loadSession({env})
  const capi = new CapiClient({apiUrl: foundation.apiUrl, tokens: session.tokens})
  const router = new URL(foundation.routerUrl)
  const routeUrl = (host: string, p = '/') => `http://${host}.${foundation.sharedDomain}:${router.port}${p}`
  const probes: Probe[] = []
  return {
    foundation,
    env,
    home,
    capi,
    cli,
    routeUrl,
    traffic(host, o = {}) {
      const p = new Probe({url: routeUrl(host), ratePerSec: 50, concurrency: 8, timeoutMs: 5000, maxDurationMs: 5 * 60_000, ...o}).start()
      probes.push(p)
      return p
    },
    async stop() {
      await Promise.all(probes.filter((p) => p.running).map((p) => p.stop()))
      await foundation.stop()
      fs.rmSync(home, {recursive: true, force: true})
    },
  }
}
