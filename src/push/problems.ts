/**
 * Bad input found before anything changes on the foundation: each problem names the file and
 * line it comes from, and they are all reported together (exit 2).
 */
import {CfzdError, ExitCode} from '../errors.js'

export interface Problem {
  /** The file as the user named it (relative paths stay relative). */
  file?: string
  line?: number
  column?: number
  message: string
}

export function formatProblem(p: Problem): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''}: ` : ''
  return `${where}${p.message}`
}

/** One or more problems with the manifest, vars or flags. Nothing was changed. */
export class PushInputError extends CfzdError {
  readonly problems: Problem[]

  constructor(problems: Problem[], suggestions: string[] = []) {
    const head = problems.length === 1 ? formatProblem(problems[0]) : `${problems.length} problems:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`
    super(`${head}\nNothing was changed.`, {exitCode: ExitCode.USAGE, suggestions, details: {problems}})
    this.name = 'PushInputError'
    this.problems = problems
  }
}

/** Collects problems; `throwIfAny` raises them all at once. */
export class Problems {
  readonly list: Problem[] = []

  add(p: Problem): void {
    if (!this.list.some((q) => q.file === p.file && q.line === p.line && q.message === p.message)) this.list.push(p)
  }

  get size(): number {
    return this.list.length
  }

  throwIfAny(suggestions: string[] = []): void {
    if (this.list.length > 0) throw new PushInputError(this.list, suggestions)
  }
}
