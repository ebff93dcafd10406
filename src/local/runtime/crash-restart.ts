/**
 * Diego's handling of crashed instances, for the runtime: every crash is counted per actual LRP
 * (process, version and index: a restart or a new version starts again at zero), reported to
 * Cloud Controller as crash events, and restarted after a backoff.
 *
 * The restart policy is bbs's RestartCalculator: a crash whose count is below 3 restarts at once;
 * after that the instance stays CRASHED for 30 s · 2^(count − 3), at most 16 min (32 × 30 s), and
 * from the 200th crash on it is not restarted at all. An instance that had been RUNNING for more
 * than 5 min before it crashed starts counting again at 1. The 30 s is the `crashBackoffMs` fault
 * setting, so tests can shrink it.
 *
 * Cloud Controller (app_crashed_controller.rb) records each crash twice: `audit.app.process.crash`
 * by the process with the whole payload Diego sent (instance, index, cell_id, reason CRASHED,
 * exit_description, crash_count, crash_timestamp, version), and `audit.app.crash` by the app with
 * a few of its keys.
 */
import type {Foundation} from '../kernel.js'
import type {ProcessRec} from '../state.js'

export const IMMEDIATE_RESTARTS = 3
export const MAX_RESTART_ATTEMPTS = 200
/** The backoff doubles at most this many times: 30 s · 2^5 = 16 min. */
export const MAX_BACKOFF_DOUBLINGS = 5
export const CRASH_RESET_MS = 5 * 60_000

/** Milliseconds until a crash with this count is restarted: 0 at once, undefined never. */
export function restartDelayMs(crashCount: number, minBackoffMs: number): number | undefined {
  if (crashCount < IMMEDIATE_RESTARTS) return 0
  if (crashCount >= MAX_RESTART_ATTEMPTS) return undefined
  return minBackoffMs * 2 ** Math.min(crashCount - IMMEDIATE_RESTARTS, MAX_BACKOFF_DOUBLINGS)
}

export interface CrashedInstance {
  guid: string
  processGuid: string
  appGuid: string
  index: number
  version: string
}

export class CrashRestarts {
  /** Crash counts per actual LRP ("process@version/index"). */
  private readonly counts = new Map<string, number>()

  constructor(private readonly f: Foundation) {}

  /** How often the instance at this index of this process version has crashed so far. */
  crashCount(processGuid: string, version: string, index: number): number {
    return this.counts.get(key(processGuid, version, index)) ?? 0
  }

  /**
   * An instance crashed after running `ranMs` (0 if it never became RUNNING): count it, record the
   * crash events, and return when to restart it (undefined: never).
   */
  crashed(inst: CrashedInstance, exitDescription: string, ranMs: number): {crashCount: number; restartInMs: number | undefined} {
    const k = key(inst.processGuid, inst.version, inst.index)
    const crashCount = ranMs > CRASH_RESET_MS ? 1 : (this.counts.get(k) ?? 0) + 1
    this.counts.set(k, crashCount)
    this.record(inst, exitDescription, crashCount)
    return {crashCount, restartInMs: restartDelayMs(crashCount, this.f.faults.crashBackoffMs)}
  }

  /** The process is gone: forget its counts. */
  forget(processGuid: string): void {
    for (const k of this.counts.keys()) if (k.startsWith(`${processGuid}@`)) this.counts.delete(k)
  }

  private record(inst: CrashedInstance, exitDescription: string, crashCount: number): void {
    const p: ProcessRec | undefined = this.f.store.processes.get(inst.processGuid)
    const app = this.f.store.apps.get(inst.appGuid)
    if (!p || !app) return
    const target = {guid: app.guid, type: 'app', name: app.name}
    const payload = {
      instance: inst.guid,
      index: inst.index,
      cell_id: 'local',
      reason: 'CRASHED',
      exit_description: exitDescription,
      crash_count: crashCount,
      // Diego's `since`, in nanoseconds.
      crash_timestamp: this.f.now() * 1_000_000,
      version: inst.version,
    }
    this.f.audit('audit.app.process.crash', target, app.spaceGuid, payload, {guid: p.guid, type: 'process', name: p.type})
    const {instance, index, cell_id, exit_description, reason} = payload
    this.f.audit('audit.app.crash', target, app.spaceGuid, {instance, index, cell_id, exit_description, reason}, {guid: app.guid, type: 'app', name: app.name})
  }
}

const key = (processGuid: string, version: string, index: number) => `${processGuid}@${version}/${index}`
