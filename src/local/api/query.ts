/**
 * CAPI query strings: comma-separated values are ORed, and a comma inside a value is written
 * %2C, so values are split on raw commas before they are decoded (URLSearchParams would lose
 * the difference).
 */
export class Query {
  readonly raw = new Map<string, string>()

  constructor(search: string) {
    const s = search.startsWith('?') ? search.slice(1) : search
    if (!s) return
    for (const pair of s.split('&')) {
      if (!pair) continue
      const i = pair.indexOf('=')
      const key = decode(i < 0 ? pair : pair.slice(0, i))
      this.raw.set(key, i < 0 ? '' : pair.slice(i + 1))
    }
  }

  has(key: string): boolean {
    return this.raw.has(key)
  }

  /** The decoded value. */
  get(key: string): string | undefined {
    const v = this.raw.get(key)
    return v === undefined ? undefined : decode(v)
  }

  /** The comma-separated values, each decoded. */
  list(key: string): string[] | undefined {
    const v = this.raw.get(key)
    return v === undefined ? undefined : v.split(',').map(decode)
  }

  keys(): string[] {
    return [...this.raw.keys()]
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}
