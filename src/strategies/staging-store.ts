/**
 * How long staging took, kept between runs: per API and app (its space and name, which a
 * blue-green run keeps), in a small JSON file beside the cf config (`$CF_HOME/.cf/cfzd-staging.json`,
 * json-file.ts). A build is then read first about when it should be done, instead of every few
 * seconds from the start (a buildpack staging of a minute costs two reads, not twenty). No HTTP here.
 */
import path from 'node:path'
import {apiKey, readJsonObject, writeJsonAtomic} from './json-file.js'

export interface StagingStore {
  /** How long this app's last staging took (ms), else the quickest one recently seen on this API. */
  load(apiUrl: string, appKey: string): number | undefined
  save(apiUrl: string, appKey: string, ms: number): void
}

interface Entry {
  ms: number
  /** Epoch ms when saved. */
  at: number
}

type File = Record<string, Record<string, Entry>>

/** Apps kept per API (the most recently staged), and how long an entry is trusted. */
const MAX_APPS = 500
const MAX_AGE_MS = 30 * 86_400_000

export function stagingFileIn(configDir: string): string {
  return path.join(configDir, 'cfzd-staging.json')
}

const valid = (e: unknown): e is Entry =>
  typeof e === 'object' && e !== null && [(e as Entry).ms, (e as Entry).at].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)

function readAll(file: string): File {
  const out: File = {}
  for (const [api, apps] of Object.entries(readJsonObject(file))) {
    if (typeof apps !== 'object' || apps === null) continue
    out[api] = Object.fromEntries(Object.entries(apps as Record<string, unknown>).filter((e): e is [string, Entry] => valid(e[1])))
  }
  return out
}

export class FileStagingStore implements StagingStore {
  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  load(apiUrl: string, appKey: string): number | undefined {
    const apps = readAll(this.file)[apiKey(apiUrl)] ?? {}
    const fresh = Object.entries(apps).filter(([, e]) => this.now() - e.at <= MAX_AGE_MS)
    const own = fresh.find(([key]) => key === appKey)
    if (own) return own[1].ms
    // An app not staged before: the quickest staging seen lately on this API, so the first read
    // comes no later than for any app seen so far.
    return fresh.length > 0 ? Math.min(...fresh.map(([, e]) => e.ms)) : undefined
  }

  /** Best effort: a read-only or missing home only means the next run reads sooner. */
  save(apiUrl: string, appKey: string, ms: number): void {
    try {
      const all = readAll(this.file)
      const apps = {...all[apiKey(apiUrl)], [appKey]: {ms: Math.round(ms), at: Math.round(this.now())}}
      all[apiKey(apiUrl)] = Object.fromEntries(
        Object.entries(apps)
          .sort((a, b) => b[1].at - a[1].at)
          .slice(0, MAX_APPS),
      )
      writeJsonAtomic(this.file, all)
    } catch {
      // ignored
    }
  }
}

/**
 * When to read a build, given how long staging took before (`priorMs`): at that time, then every
 * tenth of it (0.5 to 3 s), so a staging that runs as long as last time costs one read and one
 * that runs longer costs a few. A prior over 6 s gets a read halfway too, so a staging that fails
 * early is reported within half its usual time rather than after all of it. Without a prior:
 * every 3 s, the cf CLI's interval (its read straight after the POST only ever sees STAGING, and
 * the POST's answer said that already). `sleep(n)` is the wait before read n + 1 (the first read
 * included).
 */
export function buildSchedule(priorMs: number | undefined): (n: number) => number {
  if (priorMs === undefined || priorMs <= 0) return () => 3000
  const step = Math.min(3000, Math.max(500, priorMs / 10))
  if (priorMs <= HALFWAY_ABOVE_MS) return (n) => (n === 0 ? priorMs : step)
  return (n) => (n <= 1 ? priorMs / 2 : step)
}

const HALFWAY_ABOVE_MS = 6000

/**
 * What to keep after a build was seen STAGED `seenMs` after it was created, read on the schedule
 * of `priorMs`: when it was staged by the prior's time, staging may have been quicker, so a little
 * less is kept and the next run tries a little earlier; otherwise the time it was seen.
 */
export function stagingToKeep(seenMs: number, priorMs: number | undefined, reads: number): number {
  const readsByPrior = priorMs !== undefined && priorMs > HALFWAY_ABOVE_MS ? 2 : 1
  return priorMs !== undefined && reads <= readsByPrior && seenMs <= priorMs * 1.02 ? Math.max(0, Math.round(priorMs * 0.95)) : seenMs
}
