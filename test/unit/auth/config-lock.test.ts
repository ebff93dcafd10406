/**
 * The config lock: writers in different processes take turns, a lock left by a dead process is
 * taken over once stale, and the file is whole JSON whenever anyone reads it.
 */
import {afterEach, describe, expect, it, jest} from '@jest/globals'
import {type ChildProcess, spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {ConfigError, ConfigLockError, LOCK_STALE_MS, configLockPath, updateConfig, withConfigLock} from '../../../src/auth/cf-config.js'
import {FakeClock} from '../../../src/clock.js'
import {readJson, tempHome, writeRaw} from './fixtures.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const WORKER = path.join(ROOT, 'test', 'unit', 'auth', 'lock-worker.ts')
const EXAMPLE = fs.readFileSync(new URL('./cf_config.example.json', import.meta.url), 'utf8')

/* ----- other processes sharing the CF_HOME ----- */

interface Worker {
  child: ChildProcess
  /** Resolves with the first line matching, rejects if the worker exits first. */
  says(line: string): Promise<void>
  exited: Promise<number | null>
}

const workers: ChildProcess[] = []
afterEach(() => {
  for (const w of workers.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL')
})

function worker(env: Record<string, string>, ...args: string[]): Worker {
  const childEnv = {PATH: process.env.PATH ?? '', HOME: env.CF_HOME, ...env}
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe']})
  workers.push(child)
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    exited,
    says: (line) =>
      new Promise((resolve, reject) => {
        const check = () => out.split('\n').includes(line) && resolve()
        child.stdout!.on('data', check)
        check()
        void exited.then((code) => reject(new Error(`worker ${args.join(' ')} exited (${code}) before saying ${line}:\n${out}\n${err}`)))
      }),
  }
}

/** Reads and parses config.json on every change in its folder; collects what could not be parsed. */
function watchValidity(dir: string, file: string) {
  const bad: string[] = []
  let reads = 0
  const check = () => {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      return // not there yet
    }
    reads++
    try {
      JSON.parse(text)
    } catch (error) {
      bad.push(`${(error as Error).message}: ${text.slice(0, 200)}`)
    }
  }
  const watcher = fs.watch(dir, check)
  return {
    bad,
    get reads() {
      return reads
    },
    stop: () => watcher.close(),
  }
}

const signalOnce = () => {
  let fire!: () => void
  const happened = new Promise<void>((resolve) => (fire = resolve))
  return {fire: () => fire(), happened}
}

describe('config lock', () => {
  it('makes a writer wait while another process holds the lock, then write after it lets go', async () => {
    const {env, file} = tempHome()
    writeRaw(file, EXAMPLE)
    const holder = worker(env, 'hold')
    await holder.says('locked')
    const lockPath = await configLockPath(env)
    expect(fs.existsSync(lockPath)).toBe(true)

    const waiting = signalOnce()
    const update = updateConfig((c) => void (c.Locale = 'fr-FR'), env, {onWait: waiting.fire})
    await waiting.happened
    expect(readJson(file).Locale).toBe('') // nothing written while the other process holds it

    holder.child.kill('SIGTERM') // exits the way a finished command does: its lock goes with it
    await holder.exited
    await update
    expect(readJson(file).Locale).toBe('fr-FR')
    expect(fs.existsSync(lockPath)).toBe(false)
  })

  it('loses no update when processes write at once, and the file is whole JSON at every change', async () => {
    const {env, file, dir} = tempHome()
    writeRaw(file, JSON.stringify({...JSON.parse(EXAMPLE), Counter: 0, Unknown: {keep: true}}))
    const watch = watchValidity(dir, file)
    try {
      const perWorker = 15
      const others = [1, 2, 3, 4].map(() => worker(env, 'increment', String(perWorker)))
      // This process writes too, from several async callers at once.
      const ours = Array.from({length: 10}, () => updateConfig((c) => void (c.Counter = (c.Counter as number) + 1), env))
      await Promise.all([...others.map((w) => w.says('done')), ...ours])
      await Promise.all(others.map((w) => w.exited))

      const final = readJson(file)
      expect(final.Counter).toBe(4 * perWorker + 10)
      expect(Object.values(final.Writers as Record<string, number>)).toEqual([perWorker, perWorker, perWorker, perWorker])
      expect(final.Unknown).toEqual({keep: true})
      expect(final.Target).toBe(JSON.parse(EXAMPLE).Target)
      expect(watch.bad).toEqual([])
      expect(watch.reads).toBeGreaterThan(0)
      expect(fs.readdirSync(dir).filter((f) => f !== 'config.json')).toEqual([]) // no temp files or lock left
    } finally {
      watch.stop()
    }
  })

  it('respects a fresh lock left by a process that died, and takes it over once it is stale', async () => {
    const {env, file} = tempHome()
    writeRaw(file, EXAMPLE)
    const holder = worker(env, 'hold')
    await holder.says('locked')
    holder.child.kill('SIGKILL') // no chance to clean up
    await holder.exited
    const lockPath = await configLockPath(env)
    expect(fs.existsSync(lockPath)).toBe(true)

    // Still fresh: it could be a live holder, so a writer waits (virtual time) and gives up.
    const clock = new FakeClock()
    const start = clock.now()
    const error = await updateConfig((c) => void (c.Locale = 'x'), env, {clock, waitMs: 5000}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigLockError)
    expect((error as ConfigLockError).message).toMatch(/another process has held it for over 5 s/)
    expect(clock.now() - start).toBeGreaterThanOrEqual(5000)
    expect(readJson(file).Locale).toBe('')

    // Nobody touched it for longer than the stale limit: the holder is gone, the lock is taken over.
    const past = new Date(Date.now() - LOCK_STALE_MS - 1000)
    fs.utimesSync(lockPath, past, past)
    const waited = jest.fn()
    await updateConfig((c) => void (c.Locale = 'de-DE'), env, {onWait: waited})
    expect(readJson(file).Locale).toBe('de-DE')
    expect(waited).not.toHaveBeenCalled()
    expect(fs.existsSync(lockPath)).toBe(false)
  })

  it('takes over a lock older than the stale limit at once, whoever made it', async () => {
    const {env, file} = tempHome()
    writeRaw(file, EXAMPLE)
    const lockPath = await configLockPath(env)
    fs.mkdirSync(lockPath)
    const past = new Date(Date.now() - 60_000)
    fs.utimesSync(lockPath, past, past)
    await updateConfig((c) => void (c.Locale = 'fr-FR'), env, {clock: new FakeClock(), waitMs: 0})
    expect(readJson(file).Locale).toBe('fr-FR')
  })

  it('puts the lock next to the file a symlinked config.json points at', async () => {
    const {env, file, home} = tempHome()
    const real = path.join(home, 'dotfiles', 'cf-config.json')
    writeRaw(real, EXAMPLE)
    fs.mkdirSync(path.dirname(file), {recursive: true})
    fs.symlinkSync(real, file)
    expect(await configLockPath(env)).toBe(`${fs.realpathSync(real)}.lock`)
    await withConfigLock(async () => expect(fs.existsSync(`${fs.realpathSync(real)}.lock`)).toBe(true), env)
  })

  it('refuses a nested lock in the same call chain instead of waiting for itself', async () => {
    const {env} = tempHome()
    await expect(withConfigLock(() => updateConfig(() => undefined, env), env)).rejects.toThrow(/already held by this call/)
    // and the lock was released
    await updateConfig((c) => void (c.Locale = 'ok'), env)
  })

  it('never overwrites a malformed file, and lets go of the lock', async () => {
    const {env, file} = tempHome()
    writeRaw(file, '{"ConfigVersion": 4,')
    await expect(updateConfig((c) => void (c.Locale = 'x'), env)).rejects.toBeInstanceOf(ConfigError)
    expect(fs.readFileSync(file, 'utf8')).toBe('{"ConfigVersion": 4,')
    expect(fs.existsSync(await configLockPath(env))).toBe(false)
  })
})
