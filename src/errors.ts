/**
 * Errors at the CLI edge. A CfzdError is a user-facing failure: a message that says what
 * happened, suggestions that say what to do next, and an exit code. No stack trace is printed
 * for these unless --verbose.
 */
export const ExitCode = {
  OK: 0,
  /** The operation failed (staging, start-up, deployment, rollback performed). */
  FAILED: 1,
  /** Bad flags, arguments, manifest or config: nothing was changed. */
  USAGE: 2,
  /** Not logged in, bad credentials or an expired session: log in again. */
  AUTH: 3,
  /** The org, space, app or other named resource does not exist. */
  NOT_FOUND: 4,
  /** The new version is live, but cleanup afterwards failed: something was left behind. */
  CLEANUP_FAILED: 5,
  /** The app is busy: a deployment is already in flight or leftovers from an earlier run need a decision. */
  CONFLICT: 6,
  /** Not enough quota for the extra instances the operation needs. */
  QUOTA: 7,
  /** The API could not be reached or kept failing. */
  API_UNAVAILABLE: 8,
  /** Interrupted (Ctrl-C); the state left behind is reported. */
  INTERRUPTED: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export class CfzdError extends Error {
  readonly exitCode: number
  readonly suggestions: string[]
  /** Extra structured facts for --json output (for example what was left behind). */
  readonly details?: Record<string, unknown>

  constructor(message: string, opts: {exitCode?: number; suggestions?: string[]; cause?: unknown; details?: Record<string, unknown>} = {}) {
    super(message, opts.cause === undefined ? undefined : {cause: opts.cause})
    this.name = 'CfzdError'
    this.exitCode = opts.exitCode ?? ExitCode.FAILED
    this.suggestions = opts.suggestions ?? []
    this.details = opts.details
  }
}

export class UsageError extends CfzdError {
  constructor(message: string, suggestions: string[] = []) {
    super(message, {exitCode: ExitCode.USAGE, suggestions})
    this.name = 'UsageError'
  }
}

export class NotLoggedInError extends CfzdError {
  constructor(
    message = 'Not logged in.',
    suggestions = ["Run 'cfzd login -a API' (or 'cf login') first, or set CF_API with CF_USERNAME/CF_PASSWORD or CF_CLIENT_ID/CF_CLIENT_SECRET."],
  ) {
    super(message, {exitCode: ExitCode.AUTH, suggestions})
    this.name = 'NotLoggedInError'
  }
}

export class NotFoundError extends CfzdError {
  constructor(message: string, suggestions: string[] = []) {
    super(message, {exitCode: ExitCode.NOT_FOUND, suggestions})
    this.name = 'NotFoundError'
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message
  return String(e)
}
