/** Small statistics for noisy machines: medians, ratios of medians, and formatting. */

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function ratio(a: number, b: number): number {
  return b > 0 && Number.isFinite(a) ? a / b : NaN
}

export function ms(x: number): string {
  if (!Number.isFinite(x)) return '-'
  if (x >= 120_000) return `${(x / 60_000).toFixed(1)} min`
  if (x >= 10_000) return `${(x / 1000).toFixed(1)} s`
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`
  return `${x.toFixed(0)} ms`
}

export function times(x: number): string {
  if (!Number.isFinite(x)) return '-'
  return x < 0.1 ? `${x.toPrecision(2)}×` : `${x.toFixed(2)}×`
}

export function num(x: number, digits = 0): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-'
}

export function mb(kb: number): string {
  return Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : '-'
}

export const sleep = (msecs: number) => new Promise<void>((r) => setTimeout(r, msecs))
