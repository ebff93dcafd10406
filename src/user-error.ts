/** Any error, as the user sees it: a CfzdError with an exit code and next steps. */
import {CapiError, NetworkError, SchemaError, TimeoutError, UaaError} from './capi/errors.js'
import {AbortError} from './clock.js'
import {CfzdError, ExitCode} from './errors.js'

/** Map any error to a user-facing CfzdError with an exit code and next steps. */
export function toCfzdError(err: unknown): CfzdError {
  if (err instanceof CfzdError) return err
  if (err instanceof AbortError) return new CfzdError('Interrupted.', {exitCode: ExitCode.INTERRUPTED})
  if (err instanceof UaaError) {
    return new CfzdError(`Authentication failed: ${err.message}`, {exitCode: ExitCode.AUTH, suggestions: ['Log in again: cfzd login'], cause: err})
  }
  if (err instanceof CapiError) {
    const id = err.requestId ? ` (request id ${err.requestId})` : ''
    const where = err.request ? `${err.request.method} ${safePath(err.request.url)}: ` : ''
    const text = `${where}${err.detail} [${err.title}${err.code ? ` ${err.code}` : ''}, HTTP ${err.status}]${id}`
    if (err.status === 401)
      return new CfzdError(text, {exitCode: ExitCode.AUTH, suggestions: ['Your session may have expired. Log in again: cfzd login'], cause: err})
    if (err.status === 404) return new CfzdError(text, {exitCode: ExitCode.NOT_FOUND, cause: err})
    if (err.status === 403) return new CfzdError(text, {exitCode: ExitCode.FAILED, suggestions: ['Check your roles in this org and space.'], cause: err})
    if (err.status === 429 || err.status >= 500) {
      return new CfzdError(text, {
        exitCode: ExitCode.API_UNAVAILABLE,
        suggestions: ['The Cloud Controller is overloaded or failing; try again later.'],
        cause: err,
      })
    }
    return new CfzdError(text, {exitCode: ExitCode.FAILED, cause: err})
  }
  if (err instanceof SchemaError) {
    return new CfzdError(`The Cloud Controller answered in a shape cfzd does not understand. ${err.message}`, {
      exitCode: ExitCode.FAILED,
      suggestions: ['Run again with --verbose to see the response, and report it if the API is a standard Cloud Controller.'],
      cause: err,
    })
  }
  if (err instanceof NetworkError) {
    return new CfzdError(err.message, {
      exitCode: ExitCode.API_UNAVAILABLE,
      suggestions: ['Check the API URL and your network, then run the command again.'],
      cause: err,
    })
  }
  if (err instanceof TimeoutError) return new CfzdError(err.message, {exitCode: ExitCode.FAILED, cause: err})
  const message = err instanceof Error ? err.message : String(err)
  return new CfzdError(message, {exitCode: ExitCode.FAILED, suggestions: ['Run again with --verbose for details.'], cause: err})
}

function safePath(url: string) {
  try {
    const u = new URL(url)
    return u.pathname + u.search
  } catch {
    return url
  }
}
