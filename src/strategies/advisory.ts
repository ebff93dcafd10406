/**
 * Reads a pre-flight check makes only to inform (quota headroom, leftovers to tidy up, a package to
 * carry along) never block an operation. When Cloud Controller refuses one for the user's role
 * (403), doesn't have it (404: an older Cloud Controller, or something the role can't see), or
 * answers in a shape cfzd doesn't read, cfzd says which read failed and why, and goes on without
 * it. Anything else (the network, a 5xx after retries, an interrupt) still fails the operation.
 */
import {CapiNotAuthorized, CapiNotFound, SchemaError, type CapiError} from '../capi/errors.js'

/** Why an informational read could not be made, or undefined when the error must propagate. */
export function cannotRead(error: unknown): string | undefined {
  if (error instanceof CapiNotAuthorized) return `was refused for your role (${statusLine(error)})`
  if (error instanceof CapiNotFound) return `was not found (${statusLine(error)}): this Cloud Controller may not offer it, or your role can't see it`
  if (error instanceof SchemaError) return `got an answer cfzd can't read (${error.message})`
  return undefined
}

function statusLine(e: CapiError): string {
  return `${e.status} ${e.title}${e.detail && e.detail !== e.title ? `: ${e.detail}` : ''}`
}

/**
 * Run an informational read: its value, or undefined after `onFailure` was told why (for a
 * failure cfzd can go on from). `what` names the read, e.g. "reading its usage summary (GET …)".
 */
export async function readForInformation<T>(what: string, read: () => Promise<T>, onFailure: (line: string) => void): Promise<T | undefined> {
  try {
    return await read()
  } catch (error) {
    const why = cannotRead(error)
    if (why === undefined) throw error
    onFailure(`${what} ${why}`)
    return undefined
  }
}
