/** Small helpers shared by the local foundation: ids, CAPI timestamps, a seedable random source. */
import {randomUUID} from 'node:crypto'

export const newGuid = (): string => randomUUID()

/** CAPI timestamps have whole seconds only: YYYY-MM-DDThh:mm:ssZ. */
export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/** Parse a CAPI timestamp (or any Date.parse-able string) to epoch ms; NaN when invalid. */
export function parseIso(s: string): number {
  return Date.parse(s)
}

/** A small, fast, seedable PRNG (mulberry32). Same seed, same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}

/** The next patch version: "1.8.30" → "1.8.31"; anything else gets ".1" appended. */
export function bumpVersion(version: string): string {
  const m = /^(.*?)(\d+)$/.exec(version)
  return m ? `${m[1]}${Number(m[2]) + 1}` : `${version}.1`
}

/** The previous patch version, for stale seeded droplets: "1.8.30" → "1.8.29" (never below 0). */
export function previousVersion(version: string): string {
  const m = /^(.*?)(\d+)$/.exec(version)
  return m && Number(m[2]) > 0 ? `${m[1]}${Number(m[2]) - 1}` : `${version}-old`
}
