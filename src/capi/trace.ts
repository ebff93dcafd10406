/**
 * Request tracing for CF_TRACE=true / --verbose, with secrets redacted: Authorization headers,
 * access/refresh/id tokens, passwords and client secrets, in headers, JSON bodies and form bodies;
 * and the values of an app's (or a revision's) environment variables, whose names stay readable.
 */
import fs from 'node:fs'

const SECRET_KEYS =
  /^(authorization|proxy-authorization|access_token|refresh_token|id_token|password|client_secret|token|accesstoken|refreshtoken|uaaoauthclientsecret|assertion|set-cookie|cookie|credentials)$/i
export const REDACTED = '[PRIVATE DATA HIDDEN]'
/** Objects whose keys are an app's variable names: the names stay readable, the values are hidden. */
const ENV_KEYS = /^(var|environment_variables|environment_json|staging_env_json|running_env_json)$/i

export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_KEYS.test(k) ? REDACTED : v
  return out
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 20) return value
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEYS.test(k)) out[k] = REDACTED
      else if (ENV_KEYS.test(k) && v && typeof v === 'object' && !Array.isArray(v)) out[k] = Object.fromEntries(Object.keys(v).map((name) => [name, REDACTED]))
      else out[k] = redactValue(v, depth + 1)
    }
    return out
  }
  return value
}

/** Redact a body given as text: JSON, form-encoded, or anything else that may hold a bearer token. */
export function redactText(text: string): string {
  const trimmed = text.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(redactValue(JSON.parse(trimmed)), null, 2)
    } catch {
      // fall through to pattern redaction
    }
  }
  if (/^[\w.%+-]+=[^&]*(&[\w.%+-]+=[^&]*)*$/.test(trimmed)) {
    return trimmed
      .split('&')
      .map((pair) => {
        const [k] = pair.split('=')
        return SECRET_KEYS.test(decodeURIComponent(k)) ? `${k}=${REDACTED}` : pair
      })
      .join('&')
  }
  return text
    .replace(/(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`)
    .replace(/("?(?:access_token|refresh_token|id_token|password|client_secret)"?\s*[:=]\s*"?)[^"&\s,}]+/gi, `$1${REDACTED}`)
}

export type TraceSink = (text: string) => void

/** CF_TRACE: "true" traces to stderr, "false"/"" disables, anything else is a file path to append to. */
export function traceSinkFromEnv(value: string | undefined, verbose = false): TraceSink | undefined {
  const v = (value ?? '').trim()
  if (verbose || /^(true|1|yes)$/i.test(v)) return (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n')
  if (!v || /^(false|0|no)$/i.test(v)) return undefined
  return (text) => fs.appendFileSync(v, text.endsWith('\n') ? text : text + '\n', {mode: 0o600})
}

export function formatTraceRequest(method: string, url: string, headers: Record<string, unknown>, body?: string): string {
  const lines = [`REQUEST: [${new Date().toISOString()}]`, `${method} ${url}`]
  for (const [k, v] of Object.entries(redactHeaders(headers))) lines.push(`${k}: ${String(v)}`)
  if (body) lines.push('', redactText(body))
  return lines.join('\n') + '\n'
}

export function formatTraceResponse(status: number, headers: Record<string, unknown>, body: string | undefined, ms: number): string {
  const lines = [`RESPONSE: [${new Date().toISOString()}] HTTP ${status} (${Math.round(ms)}ms)`]
  for (const [k, v] of Object.entries(redactHeaders(headers))) lines.push(`${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
  if (body) lines.push('', redactText(body.length > 20000 ? body.slice(0, 20000) + '\n[... truncated]' : body))
  return lines.join('\n') + '\n'
}
