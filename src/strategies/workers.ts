/**
 * Worker (non-web) processes and old instances around a deployment.
 *
 * Cloud Controller's deployment updater replaces only web processes instance by instance. When a
 * rolling or canary deployment finalizes (deployment_updater/actions/finalize.rb) it destroys the
 * old web processes and restarts every non-web process at once (stop in the runtime, then start),
 * so queue workers and the like are down together for a while. cfzd names them before such a
 * deployment, and afterwards watches every process type until it has a running instance again,
 * reporting how long each was at 0 running instances. Blue-green starts the new app's workers
 * before it stops the old ones, so they overlap.
 */
import type {CapiClient} from '../capi/client.js'
import {CapiNotFound} from '../capi/errors.js'
import type {Process} from '../capi/resources/processes.js'
import {formatDuration} from '../clock.js'
import type {Deployment} from '../capi/resources/deployments.js'
import {errorMessage} from '../errors.js'
import {until} from '../poll.js'
import type {ProcessAvailability} from './availability.js'
import type {OperationEnv, TaskHandle} from './types.js'
import {summarizeStats} from './wait.js'

/** The app's non-web processes that have instances. */
export function workers(processes: Process[]): Process[] {
  return processes.filter((p) => p.type !== 'web' && p.instances > 0)
}

/** The warning before a rolling or canary deployment of an app with workers, or undefined. */
export function workerWarning(processes: Process[], strategy: string): string | undefined {
  const list = workers(processes)
  if (list.length === 0) return undefined
  const names = list.map((p) => `${p.type} (${p.instances} instance${p.instances === 1 ? '' : 's'})`).join(', ')
  return (
    `Non-web process${list.length === 1 ? '' : 'es'} ${names} will restart all at once at the end of this ${strategy} deployment: ` +
    'Cloud Controller replaces only web instances one by one, then stops and starts every other process together, so they are down for a while. ' +
    'Use --strategy blue-green to keep them running throughout (the new app starts its workers before the old ones stop).'
  )
}

export interface WatchAvailabilityOptions {
  /** When the disruptive step happened (epoch ms on env.clock); zero time is counted from here. */
  since: number
  timeoutMs: number
  intervalMs?: number
  /** The app's processes, when they were just read; else they are read here. */
  processes?: Process[]
}

/** The end of a watch that reports what it saw rather than failing. */
class StoppedWatching extends Error {}

/** Poll `read` until `done`, or stop quietly at the deadline: these watches never fail an operation. */
async function watch<T>(env: OperationEnv, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, intervalMs: number): Promise<void> {
  try {
    await until(read, done, {clock: env.clock, signal: env.signal, timeoutMs, interval: intervalMs, onTimeout: () => new StoppedWatching()})
  } catch (error) {
    if (!(error instanceof StoppedWatching)) throw error
  }
}

/**
 * Follow the app's process types until each has a running instance, from `since` (a finalize, or
 * the old app's stop). Never fails the operation: a type that doesn't come back in `timeoutMs` is
 * reported with recovered: false.
 */
export async function watchAvailability(env: OperationEnv, appGuid: string, o: WatchAvailabilityOptions): Promise<ProcessAvailability[]> {
  const {capi, clock, signal} = env
  const processes = (o.processes ?? (await capi.processes.forApp(appGuid))).filter((p) => p.instances > 0)
  const byType = new Map<string, Process[]>()
  for (const p of processes) byType.set(p.type, [...(byType.get(p.type) ?? []), p])
  const out = new Map<string, ProcessAvailability>()
  const look = async () => {
    for (const [type, list] of byType) {
      if (out.get(type)?.recovered) continue
      const running = await runningOf(capi, list, signal)
      const instances = list.reduce((n, p) => n + p.instances, 0)
      const first = !out.has(type)
      out.set(type, {type, instances, zeroMs: running > 0 && first ? 0 : Math.max(0, clock.now() - o.since), recovered: running > 0})
    }
    return [...out.values()]
  }
  await watch(env, look, (all) => all.every((a) => a.recovered), o.timeoutMs, o.intervalMs ?? 500)
  return [...out.values()]
}

async function runningOf(capi: CapiClient, list: Process[], signal: AbortSignal): Promise<number> {
  let n = 0
  for (const p of list) {
    try {
      n += summarizeStats(await capi.processes.stats(p.guid, signal), p.instances).running
    } catch (error) {
      if (!(error instanceof CapiNotFound)) throw error
    }
  }
  return n
}

/** Warning lines for types that were at 0 running instances, or did not come back. */
export function availabilityWarnings(list: ProcessAvailability[]): string[] {
  return list
    .filter((a) => !a.recovered)
    .map((a) => `Process ${a.type} had no running instance ${formatDuration(a.zeroMs)} after the deployment finished; check it with cfzd app.`)
}

/**
 * Rolling and canary: wait until the deployment's old web processes are gone (Cloud Controller
 * destroys them when it finalizes; their instances then leave the runtime). Returns how many old
 * instances were still reported when it stopped waiting.
 */
export async function waitOldWebGone(env: OperationEnv, old: Process[], timeoutMs: number): Promise<number> {
  const {capi, signal} = env
  let present = 0
  const count = async () => {
    present = 0
    for (const p of old) {
      try {
        present += (await capi.processes.stats(p.guid, signal)).filter((x) => x.state !== 'DOWN').length
      } catch (error) {
        if (!(error instanceof CapiNotFound)) throw error
      }
    }
    return present
  }
  if (old.length > 0) await watch(env, count, (n) => n === 0, timeoutMs, 500)
  return present
}

/**
 * After a rolling or canary deployment is DEPLOYED: wait for its old web instances to be gone,
 * then follow every process type until it runs again (the finalize restarted the non-web ones).
 * A failed read is a warning: the deployment is done.
 */
export async function afterDeployed(
  env: OperationEnv,
  appName: string,
  appGuid: string,
  deployment: Deployment,
  o: {timeoutMs: number; warnings: string[]; task: TaskHandle},
): Promise<ProcessAvailability[] | undefined> {
  const since = env.clock.now()
  const web = deployment.new_processes.find((p) => p.type === 'web')
  let processes: ProcessAvailability[]
  try {
    // One read of the app's processes serves both waits.
    const all = await env.capi.processes.forApp(appGuid)
    const old = web ? all.filter((p) => p.type === 'web' && p.guid !== web.guid) : []
    const left = await waitOldWebGone(env, old, o.timeoutMs)
    if (left > 0)
      o.warnings.push(
        `${left} old web instance(s) of '${appName}' were still reported ${formatDuration(env.clock.now() - since)} after the deployment finished.`,
      )
    processes = await watchAvailability(env, appGuid, {since, timeoutMs: o.timeoutMs, processes: all.filter((p) => !old.includes(p))})
  } catch (error) {
    if (env.signal.aborted) throw error
    o.warnings.push(`The deployment finished, but cfzd could not check that the old instances are gone and every process runs: ${errorMessage(error)}.`)
    o.task.skip('could not check')
    return undefined
  }
  o.warnings.push(...availabilityWarnings(processes))
  const down = processes.filter((p) => p.zeroMs > 0)
  o.task.output(
    down.length
      ? down.map((p) => `${p.type} had 0 running instances for ${formatDuration(p.zeroMs)}`).join(', ')
      : 'every process type kept a running instance',
  )
  return processes
}
