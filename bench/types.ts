/** What every section returns: figures with their baseline from the same run. */
export interface Figure {
  section: string
  id: string
  label: string
  unit: 'ms' | 'req' | 'req/s' | 'KB' | 'count'
  /** The median of `samples` runs. */
  value: number
  baselineLabel?: string
  baseline?: number
  /** value / baseline (both medians from this run). */
  ratio?: number
  goal?: string
  met?: boolean
  samples?: number
  raw?: number[]
  /** Anything else worth keeping in results.json. */
  extra?: Record<string, unknown>
  note?: string
}

export interface SectionContext {
  quick: boolean
  progress(line: string): void
}
