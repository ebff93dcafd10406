/**
 * Persistence for --state: the whole store (and UAA's users, signing key and spent refresh tokens)
 * as one JSON file, written atomically (a temp file, then rename) a moment after changes and on
 * stop. On load every started process gets its instances back.
 */
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {dirname} from 'node:path'
import type {Foundation} from './kernel.js'
import type {Base} from './state.js'
import type {UaaState} from './uaa.js'

export interface Snapshot {
  format: 'cfzd-local-state'
  version: 1
  savedAt: string
  sharedDomain: string
  seq: number
  tables: Record<string, Base[]>
  uaa: UaaState
}

export function snapshot(f: Foundation): Snapshot {
  const tables: Record<string, Base[]> = {}
  for (const t of f.store.tables()) tables[t.name] = t.all()
  return {
    format: 'cfzd-local-state',
    version: 1,
    savedAt: new Date().toISOString(),
    sharedDomain: f.settings.sharedDomain,
    seq: f.store.seq,
    tables,
    uaa: f.uaa.snapshot(),
  }
}

export async function readSnapshot(path: string): Promise<Snapshot | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const snap = JSON.parse(text) as Snapshot
  if (snap.format !== 'cfzd-local-state' || snap.version !== 1)
    throw new Error(`${path} is not a cfzd local state file (format ${String(snap.format)}, version ${String(snap.version)})`)
  return snap
}

/** Load rows into the (empty) store. */
export function restore(f: Foundation, snap: Snapshot): void {
  for (const t of f.store.tables()) {
    t.clear()
    for (const row of snap.tables[t.name] ?? []) t.insert(row)
  }
  f.store.seq = snap.seq
  f.routesChanged()
}

export async function writeAtomic(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), {recursive: true})
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`
  await writeFile(tmp, data, {mode: 0o600})
  await rename(tmp, path)
}

/** Saves a moment after changes (debounced), never two writes at once. */
export class Persister {
  private timer?: NodeJS.Timeout
  private writing: Promise<void> = Promise.resolve()
  private dirty = false

  constructor(
    private readonly f: Foundation,
    private readonly path: string,
    private delayMs = 500,
  ) {
    f.bus.on('change', () => this.schedule())
  }

  schedule(): void {
    this.dirty = true
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, this.delayMs)
    this.timer.unref?.()
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return
      this.dirty = false
      try {
        const started = Date.now()
        await writeAtomic(this.path, JSON.stringify(snapshot(this.f)))
        // A big foundation (10,000 apps) takes a while to write: save less often then.
        this.delayMs = Math.max(500, 5 * (Date.now() - started))
      } catch (error) {
        this.f.log(`could not save state to ${this.path}: ${(error as Error).message}`)
      }
    })
    await this.writing
  }
}
