/**
 * Where an operation's Markdown summary goes: appended to $GITHUB_STEP_SUMMARY when it is set
 * (GitHub Actions shows it on the job's page), and written to --summary FILE. A summary that
 * can't be written is a warning: the operation's own outcome and exit code stand.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import {failureMarkdown, summaryMarkdown, type Summarizable} from './markdown.js'

export interface SummaryTargets {
  /** --summary FILE: written (replaced) with this run's summary. */
  file?: string
  env: NodeJS.ProcessEnv
}

/** Whether anything would be written: callers skip building the summary otherwise. */
export function wantsSummary(t: SummaryTargets): boolean {
  return Boolean(t.file || t.env.GITHUB_STEP_SUMMARY)
}

/** The command (`restart`, `bg-restage`, `restage-all`), and what it returned or how it failed. */
export type SummarySubject =
  | {command: string; result: Summarizable}
  | {
      command: string
      /** Shown after the command, e.g. the app name. */ target?: string
      error: {message: string; exitCode: number; suggestions?: string[]; details?: Record<string, unknown>}
    }

export function renderSummary(s: SummarySubject): string {
  return 'error' in s ? failureMarkdown([s.command, s.target].filter(Boolean).join(' '), s.error) : summaryMarkdown(s.result, s.command)
}

/** Write the summary to every target; returns a warning per target that failed. */
export async function writeSummary(s: SummarySubject, t: SummaryTargets): Promise<string[]> {
  if (!wantsSummary(t)) return []
  const text = renderSummary(s) + '\n'
  const warnings: string[] = []
  const step = t.env.GITHUB_STEP_SUMMARY
  if (step) {
    try {
      // Several steps (and several commands in one step) append to the same file: keep them apart.
      await fs.appendFile(step, `${text}\n`)
    } catch (error) {
      warnings.push(`Could not append the summary to GITHUB_STEP_SUMMARY (${step}): ${(error as Error).message}`)
    }
  }
  if (t.file) {
    try {
      await fs.mkdir(path.dirname(path.resolve(t.file)), {recursive: true})
      await fs.writeFile(t.file, text)
    } catch (error) {
      warnings.push(`Could not write the summary to ${t.file}: ${(error as Error).message}`)
    }
  }
  return warnings
}
