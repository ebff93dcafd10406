/** Run the built CLI (and other commands) as subprocesses, timed from spawn to exit. */
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(ROOT, 'bin', 'run.js')
const RSS_HOOK = path.join(ROOT, 'bench', 'lib', 'rss-hook.cjs')

export interface Run {
  code: number
  stdout: string
  stderr: string
  /** Epoch ms at spawn and at exit (the clock of the local foundation's logs). */
  startedAt: number
  endedAt: number
  /** Spawn to exit, from the high-resolution clock. */
  wallMs: number
  /** Peak RSS in KB (getrusage ru_maxrss of the process), when asked for. */
  maxRssKb?: number
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** Measure the process's peak RSS (a --require hook writes ru_maxrss at exit). */
  rss?: boolean
  /** Called with the child's stderr as it grows. */
  onStderr?: (all: string) => void
}

export function run(command: string, args: string[], opts: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    let rssFile: string | undefined
    let argv = args
    if (opts.rss) {
      rssFile = path.join(os.tmpdir(), `cfzd-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`)
      argv = ['--require', RSS_HOOK, ...args]
    }
    const env = {...(opts.env ?? process.env), ...(rssFile ? {CFZD_BENCH_RSS_FILE: rssFile} : {})}
    const startedAt = Date.now()
    const t0 = process.hrtime.bigint()
    const child = spawn(command, argv, {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      opts.onStderr?.(stderr)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 10 * 60_000)
    child.on('error', reject)
    // 'exit' (not 'close') is the moment the process ended; the pipes may drain a little later.
    let exited: {code: number; endedAt: number; wallMs: number} | undefined
    child.on('exit', (code) => {
      exited = {code: code ?? -1, endedAt: Date.now(), wallMs: Number(process.hrtime.bigint() - t0) / 1e6}
    })
    child.on('close', () => {
      clearTimeout(timer)
      let maxRssKb: number | undefined
      if (rssFile) {
        try {
          maxRssKb = Number(fs.readFileSync(rssFile, 'utf8'))
          fs.rmSync(rssFile, {force: true})
        } catch {}
      }
      resolve({...exited!, stdout, stderr, startedAt, maxRssKb})
    })
  })
}

/** `node bin/run.js ...args`. */
export function cfzd(args: string[], opts: RunOptions = {}): Promise<Run> {
  return run(process.execPath, [BIN, ...args], opts)
}

export function describeFailure(what: string, r: Run): Error {
  return new Error(`${what} exited ${r.code}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`)
}
