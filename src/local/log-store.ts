/**
 * Log-cache's store: every app's log lines kept in a ring buffer per source id (the app guid),
 * read as log-cache's Read does. The HTTP endpoint and what each component writes are in log-cache.ts.
 */
export type LogType = 'OUT' | 'ERR'

export interface LogLine {
  /** The source_type tag: STG, API, CELL, RTR, APP/PROC/WEB, ... */
  sourceType: string
  /** The instance: "0" for STG/0, the index for APP/PROC/WEB/1. */
  instanceId: string
  type?: LogType
  message: string
}

export interface Stored {
  /** Epoch nanoseconds, as a bigint so ordering is exact. */
  ns: bigint
  sourceId: string
  line: LogLine
}

/** Envelopes kept per source id, and source ids kept (oldest dropped first). */
const PER_SOURCE = 2000
const SOURCES = 1000

export class LogCache {
  private readonly sources = new Map<string, Stored[]>()
  private lastNs = 0n

  constructor(private readonly now: () => number = Date.now) {}

  /** Add one line (a multi-line message becomes one envelope per line, as loggregator's agents split them). */
  emit(sourceId: string, line: LogLine): void {
    for (const text of line.message.split('\n')) {
      if (!text && line.message.includes('\n')) continue
      let ns = BigInt(this.now()) * 1_000_000n
      // Strictly increasing, so lines emitted in one millisecond keep their order.
      if (ns <= this.lastNs) ns = this.lastNs + 1n
      this.lastNs = ns
      let list = this.sources.get(sourceId)
      if (!list) {
        list = []
        this.sources.set(sourceId, list)
        if (this.sources.size > SOURCES) this.sources.delete(this.sources.keys().next().value!)
      }
      list.push({ns, sourceId, line: {...line, message: text}})
      if (list.length > PER_SOURCE) list.splice(0, list.length - PER_SOURCE)
    }
  }

  /** The lines of a source, oldest first (for tests and the admin view). */
  lines(sourceId: string): LogLine[] {
    return (this.sources.get(sourceId) ?? []).map((s) => s.line)
  }

  /** log-cache's Read: the envelopes in [start, end), the first `limit` from the start (or from the end when descending). */
  read(sourceId: string, q: {startTime?: bigint; endTime?: bigint; limit?: number; envelopeTypes?: string[]; descending?: boolean}): Stored[] {
    const start = q.startTime ?? 0n
    const end = q.endTime ?? BigInt(this.now() + 1) * 1_000_000n
    const limit = q.limit || 100
    if (q.envelopeTypes?.length && !q.envelopeTypes.includes('LOG') && !q.envelopeTypes.includes('ANY')) return []
    const inRange = (this.sources.get(sourceId) ?? []).filter((s) => s.ns >= start && s.ns < end)
    return q.descending ? inRange.reverse().slice(0, limit) : inRange.slice(0, limit)
  }
}
