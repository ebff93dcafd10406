/**
 * CAPI has no idempotency keys, so a POST that failed ambiguously (connection reset, 502 after
 * the request was sent) may or may not have taken effect. Instead of repeating it blindly, re-read
 * state: if the thing now exists, adopt it; only if it does not, try again.
 */
import {isAmbiguous} from './errors.js'

export async function createOnce<T>(create: () => Promise<T>, find: () => Promise<T | undefined>, attempts = 3): Promise<T> {
  let lastError: unknown
  for (let i = 0; i < attempts; i++) {
    try {
      return await create()
    } catch (error) {
      if (!isAmbiguous(error)) throw error
      lastError = error
      const existing = await find()
      if (existing !== undefined) return existing
    }
  }
  throw lastError
}
