/**
 * The small JSON files cfzd keeps beside the cf config (tick-store.ts, staging-store.ts): read as
 * an object or not at all, and written atomically (a temporary file, then a rename) with the
 * folder made first. No HTTP here.
 */
import fs from 'node:fs'
import path from 'node:path'

/** The key a store files an API under: its URL without trailing slashes, in lower case. */
export const apiKey = (apiUrl: string) => apiUrl.replace(/\/+$/, '').toLowerCase()

/** The file's top-level object, or an empty one when it is missing, unreadable or not an object. */
export function readJsonObject(file: string): Record<string, unknown> {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** Replace the file with `value` as JSON, readable by the user only. Throws what fs throws. */
export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(value) + '\n', {mode: 0o600})
  fs.renameSync(tmp, file)
}
