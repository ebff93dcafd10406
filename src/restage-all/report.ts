/**
 * The JSON report: written at the start, after every app and at the end (--report FILE), printed
 * under --json, and read back by --resume FILE to skip the apps already restaged. --report
 * FILE.html writes the HTML page instead (src/report/html.ts), which carries the JSON inside.
 *
 * Writes are atomic (a temporary file in the same directory, then rename), so an interrupted run
 * never leaves half a report, and they are serialised: a save requested while one is being
 * written is folded into the next write.
 */
import type {RequestBudget} from './budget.js'
import fs from 'node:fs/promises'
import path from 'node:path'
import {z} from 'zod'
import {UsageError} from '../errors.js'
import {extractReportJson, renderHtmlReport} from '../report/html.js'
import type {AppRef, IgnoreReason, ReportEntry} from './types.js'

export const REPORT_VERSION = 1

export interface Report {
  version: typeof REPORT_VERSION
  command: 'restage-all'
  buildpack: string
  status: 'planned' | 'running' | 'finished' | 'interrupted'
  dryRun: boolean
  options: {all: boolean; includeStopped: boolean; strategy: string; concurrency: number; maxInFlight?: number}
  scope: {orgs: string[]; spaces: string[]; labelSelector?: string}
  startedAt: string
  updatedAt: string
  finishedAt?: string
  durationMs?: number
  /** The report this run resumed, if any. */
  resumedFrom?: string
  discovery: {
    apps: number
    requests: number
    perAppRequests: number
    durationMs: number
    /** The admin buildpack(s) of that name: one per stack. */
    releases: {stack: string | null; updatedAt: string}[]
  }
  counts: Record<'selected' | 'restaged' | 'failed' | 'skipped' | 'interrupted' | 'pending', number>
  /** Apps in scope that do not use the buildpack, counted by why. */
  notUsingBuildpack: Record<IgnoreReason, number>
  /** Dry run: the extra capacity the restage needs at its peak. */
  peak?: PeakEstimate
  /** API requests the restage needs, against the rate limit when the API reports one (dry run: an estimate; a run: what is left at the end). */
  requests?: RequestBudget
  apps: ReportEntry[]
}

export interface PeakEstimate {
  concurrency: number
  strategy: string
  /** Extra instances and memory at the worst moment: the largest `concurrency` apps in flight together. */
  instances: number
  memoryMb: number
  /** The apps with the largest need, in order. */
  largest: {name: string; org: string; space: string; instances: number; memoryMb: number}[]
}

export function countEntries(entries: ReportEntry[]): Report['counts'] {
  const c = {selected: 0, restaged: 0, failed: 0, skipped: 0, interrupted: 0, pending: 0}
  for (const e of entries) {
    c[e.status]++
    if (e.status !== 'skipped') c.selected++
  }
  return c
}

/** Done in an earlier run: restaged then, or carried over as already restaged. */
export function isDone(e: Pick<ReportEntry, 'status' | 'reason'>): boolean {
  return e.status === 'restaged' || (e.status === 'skipped' && e.reason === 'already-restaged')
}

/**
 * The report as JSON text in chunks of about 64 KB: the header pretty-printed, then one app per
 * line. Written after every app, a 1,000-app report would otherwise be a fresh 800 KB string
 * each time, and those pile up in the old generation; small chunks die young.
 */
export function reportChunks(report: Report, chunkSize = 64 * 1024): string[] {
  const {apps, ...head} = report
  const chunks: string[] = []
  let buf = JSON.stringify(head, null, 2).replace(/\n}$/, ',\n  "apps": [')
  apps.forEach((e, i) => {
    buf += `${i ? ',' : ''}\n    ${JSON.stringify(e)}`
    if (buf.length >= chunkSize) {
      chunks.push(buf)
      buf = ''
    }
  })
  chunks.push(`${buf}${apps.length ? '\n  ' : ''}]\n}\n`)
  return chunks
}

/** FILE.html or FILE.htm: the HTML report (with the JSON inside); any other name: JSON. */
export const isHtmlReport = (file: string) => /\.html?$/i.test(file)

export class ReportFile {
  private writing?: Promise<void>
  private pending?: string[]
  private failed?: unknown

  constructor(readonly file: string) {}

  /** Queue the report for writing; resolves once it (or a newer version) is on disk. */
  save(report: Report): Promise<void> {
    this.pending = isHtmlReport(this.file) ? [renderHtmlReport(report)] : reportChunks(report)
    if (!this.writing) this.writing = this.drain().finally(() => (this.writing = undefined))
    return this.writing
  }

  /** The first write error, if any (the run carries on; the caller reports it). */
  get error(): unknown {
    return this.failed
  }

  private async drain(): Promise<void> {
    while (this.pending !== undefined) {
      const text = this.pending
      this.pending = undefined
      try {
        await writeAtomic(this.file, text)
      } catch (error) {
        this.failed ??= error
      }
    }
  }
}

/** Write to a temporary file beside the target, then rename it over the target. */
export async function writeAtomic(file: string, text: string | string[]): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`)
  try {
    const fh = await fs.open(tmp, 'w', 0o644)
    try {
      for (const chunk of typeof text === 'string' ? [text] : text) await fh.write(chunk)
    } finally {
      await fh.close()
    }
    await fs.rename(tmp, file)
  } catch (error) {
    await fs.rm(tmp, {force: true})
    throw error
  }
}

const EntrySchema = z
  .object({
    guid: z.string(),
    name: z.string(),
    spaceGuid: z.string(),
    status: z.enum(['pending', 'restaged', 'failed', 'skipped', 'interrupted']),
    reason: z.string().optional(),
    newGuid: z.string().optional(),
  })
  .passthrough()

const ResumeSchema = z
  .object({
    version: z.literal(REPORT_VERSION),
    command: z.literal('restage-all'),
    buildpack: z.string(),
    apps: z.array(EntrySchema),
  })
  .passthrough()

export interface Resume {
  file: string
  /** Was this app restaged by the earlier run? Matched by GUID, or by space and name (blue-green gives the app a new GUID). */
  done(app: Pick<AppRef, 'guid' | 'spaceGuid' | 'name'>): boolean
  /** The earlier run's entry for an app, by GUID. */
  entry(guid: string): ReportEntry | undefined
  /** Apps done earlier, to carry into this run's report. */
  doneEntries: ReportEntry[]
}

export async function loadResume(file: string, buildpack: string): Promise<Resume> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(`Cannot read the report to resume from (${file}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, [
      'Give the file an earlier run wrote with --report FILE.',
    ])
  }
  let parsed
  const html = /^\s*<!doctype html/i.test(text)
  if (html) text = extractReportJson(text) ?? ''
  try {
    parsed = ResumeSchema.safeParse(JSON.parse(text))
  } catch {
    throw new UsageError(
      html ? `${file} is an HTML page without a cfzd restage-all report inside.` : `${file} is not JSON, so it is not a cfzd restage-all report.`,
      ['Give the file an earlier run wrote with --report FILE (.json, or .html).'],
    )
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new UsageError(`${file} is not a cfzd restage-all report (version ${REPORT_VERSION}): ${issue.path.join('.') || 'top level'}: ${issue.message}.`)
  }
  if (parsed.data.buildpack !== buildpack) {
    throw new UsageError(`${file} is a report for buildpack '${parsed.data.buildpack}', not '${buildpack}'.`, [
      `Resume with --buildpack ${parsed.data.buildpack}, or start afresh without --resume.`,
    ])
  }
  const entries = parsed.data.apps as unknown as ReportEntry[]
  const doneEntries = entries.filter(isDone)
  const keys = new Set<string>()
  for (const e of doneEntries) {
    keys.add(e.guid)
    if (e.newGuid) keys.add(e.newGuid)
    keys.add(`${e.spaceGuid}/${e.name.toLowerCase()}`)
  }
  const byGuid = new Map(entries.map((e) => [e.guid, e]))
  return {
    file,
    done: (app) => keys.has(app.guid) || keys.has(`${app.spaceGuid}/${app.name.toLowerCase()}`),
    entry: (guid) => byGuid.get(guid),
    doneEntries,
  }
}
