/**
 * Run steps as listr2 tasks (one row per step, retitled as it progresses) on stderr, or silently
 * under --json. Records how long each step took.
 */
import {AbortError} from '../clock.js'
import type {RendererName} from '../ui/renderer.js'
import type {Step, TaskHandle} from './types.js'

export interface ActualizeOptions {
  renderer: RendererName
  /**
   * Called before each step (tests use it to interrupt at a chosen point; the probe stops
   * aborting once an irreversible step starts).
   */
  beforeStep?: (id: string, step?: {irreversible: boolean}) => void
  /** Checked before each step: once it has aborted, no further step starts. */
  signal?: AbortSignal
}

export async function actualize<S>(steps: Step<S>[], state: S, opts: ActualizeOptions): Promise<Record<string, number>> {
  const {Listr, ListrLogger, ProcessOutput} = await import('listr2')
  const logger = new ListrLogger({processOutput: new ProcessOutput(process.stderr, process.stderr), useIcons: true})
  const timings: Record<string, number> = {}
  const list = new Listr(
    steps.map((step) => ({
      title: typeof step.title === 'function' ? step.title(state) : step.title,
      // listr2 asks every task upfront, then again right before it runs: a predicate that reads
      // state an earlier step fills in (the blue-green snapshot) can't answer yet, so show the row.
      enabled: () => {
        try {
          return step.enabled ? step.enabled(state) : true
        } catch {
          return true
        }
      },
      task: async (_: unknown, task: {title: string; output: string; skip: (m: string) => void}) => {
        opts.beforeStep?.(step.id, {irreversible: Boolean(step.irreversible)})
        if (opts.signal?.aborted) throw new AbortError()
        const started = Date.now()
        let lastOutput = ''
        const handle: TaskHandle = {
          setTitle: (t) => {
            if (task.title !== t) task.title = t
          },
          output: (line) => {
            if (line !== lastOutput) task.output = lastOutput = line
          },
          // listr2's default renderer shows only the skip message, so keep the title in it.
          skip: (reason) => task.skip(`${task.title} (${reason})`),
        }
        try {
          await step.run(state, handle)
        } finally {
          timings[step.id] = Date.now() - started
        }
      },
    })),
    {
      renderer: opts.renderer,
      fallbackRenderer: opts.renderer === 'silent' ? 'silent' : 'simple',
      exitOnError: true,
      registerSignalListeners: false,
      rendererOptions: {logger, collapseErrors: false, showErrorMessage: true, collapseSubtasks: false},
      fallbackRendererOptions: {logger},
    } as never,
  )
  await list.run()
  return timings
}

/** A plain list of the step titles a plan would run, for --dry-run and plan tests. */
export function describeSteps<S>(steps: Step<S>[], state: S): string[] {
  return steps.filter((s) => (s.enabled ? s.enabled(state) : true)).map((s) => (typeof s.title === 'function' ? s.title(state) : s.title))
}
