/**
 * Sizes as the cf CLI and Cloud Controller write them: a number and a unit (B, K/KB, M/MB, G/GB,
 * T/TB, any case), e.g. 512M, 1G, 1.5GB. Memory and disk are whole megabytes; the log rate limit
 * is bytes per second, or -1 for unlimited.
 *
 *   megabytes('1G') → 1024     megabytes('512M') → 512    megabytes('1.5G') → 1536
 *   logRateBytes('1K') → 1024  logRateBytes('-1') → -1
 */
const SIZE = /^(\d+(?:\.\d+)?)\s*(B|K|KB|M|MB|G|GB|T|TB)$/i

const FACTOR: Record<string, number> = {B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4}

export class SizeError extends Error {}

function bytes(input: string | number, what: string): number {
  const text = String(input).trim()
  const m = SIZE.exec(text)
  if (!m) {
    if (/^\d+(\.\d+)?$/.test(text)) throw new SizeError(`${what} needs a unit: write ${text}M or ${text}G (got ${JSON.stringify(input)})`)
    throw new SizeError(`${what} must be a size with a unit such as 256M or 1G (got ${JSON.stringify(input)})`)
  }
  return Number(m[1]) * FACTOR[m[2][0].toUpperCase()]
}

/** Whole megabytes, at least 1. */
export function megabytes(input: string | number, what = 'size'): number {
  const mb = Math.round(bytes(input, what) / 1024 ** 2)
  if (mb < 1) throw new SizeError(`${what} must be at least 1M (got ${JSON.stringify(input)})`)
  return mb
}

/** Bytes per second; -1 is no limit. */
export function logRateBytes(input: string | number, what = 'log-rate-limit-per-second'): number {
  const text = String(input).trim()
  if (text === '-1') return -1
  return Math.round(bytes(text, what))
}
