/**
 * Progress of a bulk restage, on stderr:
 * - in a terminal, one listr2 row with the overall progress bar, and under it a line per app in
 *   flight (its current step and how long it has run), plus the last few apps that finished;
 * - in CI and pipes, plain lines: one when an app starts, one per step, one when it ends;
 * - under --json, nothing.
 */
import {formatDuration} from '../clock.js'
import type {RendererName} from '../ui/renderer.js'
import type {ReportEntry} from './types.js'
import {budgetLine, type RequestBudget} from './budget.js'

export interface Tally {
  total: number
  finished: number
  restaged: number
  failed: number
  skipped: number
}

export interface Progress {
  begin(title: string, tally: Tally): Promise<void>
  started(key: string, label: string, attempt: number): void
  step(key: string, stepId: string): void
  /** The app goes back in the queue, to be tried again after `delayMs`. */
  retrying(key: string, label: string, why: string, delayMs: number, attempt: number): void
  finished(key: string, label: string, entry: ReportEntry, tally: Tally): void
  paused(reason: string, until: number): void
  /** The API reports a rate limit: the requests the apps left need against it, and an ETA. */
  budget?(b: RequestBudget): void
  end(tally: Tally, interrupted: boolean): Promise<void>
}

/** Words for the strategies' step ids (rolling, blue-green, rollback). */
export const STEP_LABELS: Record<string, string> = {
  check: 'checking',
  stage: 'staging',
  'copy-package': 'copying the package',
  'copy-droplet': 'copying the droplet',
  'set-droplet': 'setting the new droplet',
  deploy: 'creating the deployment',
  wait: 'starting new instances',
  cancel: 'canceling the deployment',
  rename: 'renaming the old app',
  create: 'creating the new app',
  features: 'copying app features',
  bindings: 're-creating service bindings',
  droplet: 'setting the droplet',
  processes: 'configuring processes',
  start: 'starting new instances',
  switch: 'switching routes',
  'stop-old': 'stopping the old app',
  'delete-old': 'deleting the old app',
  finish: 'finishing',
  'restore-routes': 'rolling back the routes',
  'delete-new': 'deleting the new app',
  'rename-back': 'renaming the old app back',
}

export const stepLabel = (id: string) => STEP_LABELS[id] ?? id

function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 19) + ' UTC'
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0]
}

export function outcomeLine(label: string, e: ReportEntry): string {
  const took = e.durationMs !== undefined ? ` in ${formatDuration(e.durationMs)}` : ''
  switch (e.status) {
    case 'restaged':
      return `✔ ${label} restaged${took}${e.state === 'STOPPED' ? ' (stopped: new droplet, left stopped)' : ''}`
    case 'failed':
      return `✖ ${label} failed${e.durationMs !== undefined ? ` after ${formatDuration(e.durationMs)}` : ''}: ${firstLine(e.detail)}`
    case 'interrupted':
      return `■ ${label} interrupted: ${firstLine(e.detail)}`
    default:
      return `- ${label} skipped: ${e.detail ?? e.reason}`
  }
}

export const silentProgress: Progress = {
  begin: async () => {},
  started() {},
  step() {},
  retrying() {},
  finished() {},
  paused() {},
  end: async () => {},
}

/** Plain lines, for CI logs and pipes. */
export class LineProgress implements Progress {
  private readonly labels = new Map<string, string>()
  constructor(private readonly write: (line: string) => void) {}

  async begin(title: string, t: Tally) {
    this.write(`${title}: ${t.total} app${t.total === 1 ? '' : 's'} to restage`)
  }

  started(key: string, label: string, attempt: number) {
    this.labels.set(key, label)
    this.write(`▶ ${label}: restaging${attempt > 1 ? ` (attempt ${attempt})` : ''}`)
  }

  step(key: string, stepId: string) {
    this.write(`  ${this.labels.get(key) ?? key}: ${stepLabel(stepId)}`)
  }

  retrying(key: string, label: string, why: string, delayMs: number, attempt: number) {
    this.labels.delete(key)
    this.write(`↻ ${label}: ${why}; trying again in ${formatDuration(delayMs)} (attempt ${attempt + 1})`)
  }

  finished(key: string, label: string, e: ReportEntry, t: Tally) {
    this.labels.delete(key)
    this.write(`[${t.finished}/${t.total}] ${outcomeLine(label, e)}`)
  }

  paused(reason: string, until: number) {
    this.write(`⏸ ${reason}: starting no new app until ${clock(until)}`)
  }

  budget(b: RequestBudget) {
    this.write(`  ${budgetLine(b)}`)
  }

  async end() {}
}

interface Row {
  label: string
  step: string
  since: number
}

/** The overall progress bar, e.g. "[██████░░░░░░░░░░░░░░] 12/40". */
export function bar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width)
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total}`
}

/** listr2 in a terminal: one task whose title is the progress bar and whose output lists the apps in flight. */
export class TerminalProgress implements Progress {
  private readonly rows = new Map<string, Row>()
  private readonly recent: string[] = []
  private title = ''
  private tally: Tally = {total: 0, finished: 0, restaged: 0, failed: 0, skipped: 0}
  private pause?: {reason: string; until: number}
  private requests?: string
  private task?: {title: string; output: string}
  private resolve?: () => void
  private run?: Promise<unknown>
  private timer?: NodeJS.Timeout
  private readonly startedAt = Date.now()

  constructor(private readonly renderer: RendererName) {}

  async begin(title: string, tally: Tally) {
    this.title = title
    this.tally = tally
    const {Listr, ListrLogger, ProcessOutput} = await import('listr2')
    const logger = new ListrLogger({processOutput: new ProcessOutput(process.stderr, process.stderr), useIcons: true})
    const done = new Promise<void>((r) => (this.resolve = r))
    let ready!: () => void
    const started = new Promise<void>((r) => (ready = r))
    const list = new Listr(
      [
        {
          title: this.headline(),
          task: async (_: unknown, task: {title: string; output: string}) => {
            this.task = task
            ready()
            await done
          },
        },
      ],
      {
        renderer: this.renderer,
        fallbackRenderer: 'simple',
        exitOnError: false,
        registerSignalListeners: false,
        rendererOptions: {logger, collapseErrors: false, formatOutput: 'truncate'},
        fallbackRendererOptions: {logger},
      } as never,
    )
    this.run = list.run().catch(() => {})
    await started
    this.timer = setInterval(() => this.refresh(), 1000)
    this.timer.unref()
  }

  private headline(): string {
    const t = this.tally
    const parts = [`Restaging ${this.title} ${bar(t.finished, t.total)}`]
    if (t.failed) parts.push(`${t.failed} failed`)
    if (t.skipped) parts.push(`${t.skipped} skipped`)
    parts.push(formatDuration(Date.now() - this.startedAt))
    return parts.join(' · ')
  }

  private refresh() {
    if (!this.task) return
    this.task.title = this.headline()
    const now = Date.now()
    const width = Math.max(0, ...[...this.rows.values()].map((r) => r.label.length))
    const lines = [...this.rows.values()].map((r) => `${r.label.padEnd(width)}   ${r.step}   ${formatDuration(now - r.since)}`)
    if (this.requests) lines.push(this.requests)
    if (this.pause && this.pause.until > now) lines.push(`⏸ ${this.pause.reason}: starting no new app until ${clock(this.pause.until)}`)
    lines.push(...this.recent)
    this.task.output = lines.join('\n')
  }

  started(key: string, label: string, attempt: number) {
    this.rows.set(key, {label, step: attempt > 1 ? `attempt ${attempt}` : 'starting', since: Date.now()})
    this.refresh()
  }

  step(key: string, stepId: string) {
    const r = this.rows.get(key)
    if (r) r.step = stepLabel(stepId)
    this.refresh()
  }

  retrying(key: string, label: string, why: string, delayMs: number) {
    this.rows.delete(key)
    this.remember(`↻ ${label}: ${why}; trying again in ${formatDuration(delayMs)}`)
  }

  finished(key: string, label: string, e: ReportEntry, tally: Tally) {
    this.rows.delete(key)
    this.tally = tally
    this.remember(outcomeLine(label, e))
  }

  paused(reason: string, until: number) {
    this.pause = {reason, until}
    this.refresh()
  }

  budget(b: RequestBudget) {
    this.requests = budgetLine(b)
    this.refresh()
  }

  private remember(line: string) {
    this.recent.push(line)
    if (this.recent.length > 3) this.recent.shift()
    this.refresh()
  }

  async end(tally: Tally, interrupted: boolean) {
    if (this.timer) clearInterval(this.timer)
    this.tally = tally
    this.rows.clear()
    this.recent.length = 0
    this.pause = undefined
    this.refresh()
    if (this.task) {
      this.task.title = `${interrupted ? 'Interrupted: ' : ''}${this.headline()}`
      this.task.output = ''
    }
    this.resolve?.()
    await this.run
  }
}

export function createProgress(renderer: RendererName, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Progress {
  if (renderer === 'silent') return silentProgress
  if (renderer === 'default') return new TerminalProgress(renderer)
  return new LineProgress(write)
}
