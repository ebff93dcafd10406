/**
 * The deployment updater's tick belongs to the foundation, not to one deployment: what one run
 * learns (period and the time of one tick), the next run against the same API reuses. Kept in a
 * small JSON file beside the cf config (`$CF_HOME/.cf/cfzd-ticks.json`), keyed by API URL,
 * written atomically (temporary file, then rename) and ignored when unreadable. No HTTP here.
 */
import path from 'node:path'
import {apiKey, readJsonObject, writeJsonAtomic} from './json-file.js'
import {DRIFT_PER_TICK_MS} from './tick-estimator.js'

export interface SavedTick {
  periodMs: number
  /** Epoch ms of one observed tick. */
  phaseMs: number
  /** How well phaseMs was known when saved. */
  uncertaintyMs: number
  /** Epoch ms when saved. */
  at: number
  /**
   * The shortest time seen from a deployment's creation to its first change, less a period: no
   * instance started there became routable sooner, so the ticks before it need no poll.
   */
  quietMs?: number
}

export interface TickStore {
  load(apiUrl: string): SavedTick | undefined
  save(apiUrl: string, tick: SavedTick): void
}

const MAX_ENTRIES = 20

/** The file beside config.json, given the cf config folder (`$CF_HOME/.cf`). */
export function tickFileIn(configDir: string): string {
  return path.join(configDir, 'cfzd-ticks.json')
}

function valid(t: unknown): t is SavedTick {
  const x = t as SavedTick
  return (
    typeof x === 'object' &&
    x !== null &&
    [x.periodMs, x.phaseMs, x.uncertaintyMs, x.at].every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    x.periodMs >= 100 &&
    x.periodMs <= 600_000 &&
    x.uncertaintyMs >= 0 &&
    (x.quietMs === undefined || (typeof x.quietMs === 'number' && Number.isFinite(x.quietMs) && x.quietMs >= 0))
  )
}

function readAll(file: string): Record<string, SavedTick> {
  return Object.fromEntries(Object.entries(readJsonObject(file)).filter((e): e is [string, SavedTick] => valid(e[1])))
}

export class FileTickStore implements TickStore {
  constructor(readonly file: string) {}

  load(apiUrl: string): SavedTick | undefined {
    return readAll(this.file)[apiKey(apiUrl)]
  }

  /** Best effort: a read-only or missing home only means the next run learns again. */
  save(apiUrl: string, tick: SavedTick): void {
    try {
      const all = readAll(this.file)
      all[apiKey(apiUrl)] = {
        periodMs: Math.round(tick.periodMs),
        phaseMs: Math.round(tick.phaseMs),
        uncertaintyMs: Math.round(tick.uncertaintyMs),
        at: Math.round(tick.at),
        ...(tick.quietMs === undefined ? {} : {quietMs: Math.round(tick.quietMs)}),
      }
      // Keep it tiny: the most recently saved APIs only.
      const kept = Object.entries(all)
        .sort((a, b) => b[1].at - a[1].at)
        .slice(0, MAX_ENTRIES)
      writeJsonAtomic(this.file, Object.fromEntries(kept))
    } catch {
      // ignored
    }
  }
}

/**
 * What a saved tick says now: the period, and the phase with an uncertainty that grows with the
 * time since it was saved. The updater sleeps its period minus each pass's duration and wakes a
 * little late, so its ticks drift later, a few ms a tick: the window's late end grows by that
 * much per period since, its early end by a fixed margin only. The phase is dropped once it could
 * be anywhere in a third of a period.
 */
export function priorFrom(
  saved: SavedTick | undefined,
  now: number,
): {periodMs: number; phaseMs?: number; uncertaintyMs?: number; quietMs?: number} | undefined {
  if (!saved || now < saved.at) return saved ? {periodMs: saved.periodMs} : undefined
  const elapsed = now - saved.at
  if (elapsed > 7 * 86_400_000) return undefined
  const quiet = saved.quietMs === undefined ? {} : {quietMs: saved.quietMs}
  const late = (DRIFT_PER_TICK_MS * elapsed) / saved.periodMs
  const u = saved.uncertaintyMs + 30 + late / 2
  if (u > saved.periodMs / 3) return {periodMs: saved.periodMs, ...quiet}
  return {periodMs: saved.periodMs, phaseMs: saved.phaseMs + late / 2, uncertaintyMs: u, ...quiet}
}
