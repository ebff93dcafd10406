/** Start an app and follow its instances until they are healthy, on a task row: "Start N instances (k/N routable)". */
import {formatDuration} from '../clock.js'
import type {OperationEnv, TaskHandle} from './types.js'
import {waitForInstances} from './wait.js'

export interface StartOptions {
  /** The row's title for `total` instances, e.g. "Start 4 new instances". */
  label: (total: number) => string
  timeoutMs: number
  intervalMs?: number
  /** --no-wait: only the first web instance is waited for. */
  firstWebOnly?: boolean
}

export async function startAndWatch(env: OperationEnv, appGuid: string, task: TaskHandle, o: StartOptions): Promise<void> {
  const {capi, clock, signal} = env
  await capi.apps.start(appGuid)
  const processes = (await capi.processes.forApp(appGuid)).filter((p) => p.instances > 0)
  const watched = o.firstWebOnly ? processes.filter((p) => p.type === 'web').map((p) => ({...p, instances: 1})) : processes
  const total = watched.reduce((n, p) => n + p.instances, 0)
  const label = o.label(total)
  const started = clock.now()
  task.setTitle(label)
  await waitForInstances(capi, watched, {
    clock,
    signal,
    timeoutMs: o.timeoutMs,
    intervalMs: o.intervalMs ?? 1000,
    onProgress: (ps) => {
      const ok = ps.reduce((n, p) => n + (p.process.type === 'web' ? p.summary.routable : p.summary.running), 0)
      task.setTitle(`${label} (${ok}/${total} ${ok === total ? 'ready' : 'routable'})`)
      const crashed = ps.flatMap((p) => p.summary.states.filter((x) => x.includes('CRASHED')))
      if (crashed.length) task.output(crashed.join(', '))
    },
  })
  task.setTitle(`${label} (${total}/${total} routable, ${formatDuration(clock.now() - started)})`)
}

export const instances = (n: number, adjective = '') => `${n} ${adjective ? `${adjective} ` : ''}instance${n === 1 ? '' : 's'}`
