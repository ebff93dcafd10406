/**
 * Batched reads before each restage. `cfzd restage` reads, for one app: the app, its active
 * deployment, its newest READY package and its processes (4 requests). restage-all reads them
 * for the app about to start and the next ones in the queue at once, with one list request each:
 *
 *   GET /v3/apps?guids=A,B,…
 *   GET /v3/deployments?app_guids=A,B,…&status_values=ACTIVE&order_by=-created_at
 *   GET /v3/packages?app_guids=A,B,…&states=READY&order_by=-created_at
 *   GET /v3/processes?app_guids=A,B,… (every type: the web process and the workers)
 *
 * (Cloud Controller's list messages take each of these filters.) A batch is as large as the
 * number of apps that started in the last `maxAgeMs` (at least the concurrency, at most
 * `maxBatch`), so its entries are used while they are fresh. An entry older than `maxAgeMs`, or
 * one a failed batch left out, is not used: the app reads for itself, as `cfzd restage` does.
 * Each entry is used once (a retry reads afresh).
 */
import type {CapiClient} from '../capi/client.js'
import type {App} from '../capi/resources/apps.js'
import type {Clock} from '../clock.js'
import type {KnownReads} from '../strategies/types.js'

export interface Prefetched extends KnownReads {
  /** The app now, or null when the list no longer has it (deleted since discovery). */
  app: App | null
}

export interface PrefetchOptions {
  /** Entries older than this are not used. */
  maxAgeMs: number
  /** Most apps per batch (each list request's guids=). */
  maxBatch: number
}

export const defaultPrefetchOptions: PrefetchOptions = {maxAgeMs: 15_000, maxBatch: 50}

interface Entry {
  at: number
  value: Promise<Prefetched | undefined>
}

export class Prefetcher {
  private readonly entries = new Map<string, Entry>()
  private readonly starts: number[] = []
  private readonly o: PrefetchOptions
  /** List requests made (for tests and the report). */
  batches = 0

  constructor(
    private readonly capi: CapiClient,
    private readonly clock: Clock,
    opts: Partial<PrefetchOptions> = {},
  ) {
    this.o = {...defaultPrefetchOptions, ...opts}
  }

  /**
   * What is known of `guid`, reading it (with `upcoming`, the apps likely to start next) in one
   * batch when nothing fresh is at hand. Undefined: read it yourself.
   */
  async take(guid: string, upcoming: string[], concurrency: number): Promise<Prefetched | undefined> {
    const now = this.clock.now()
    this.starts.push(now)
    while (this.starts.length > 0 && this.starts[0] < now - this.o.maxAgeMs) this.starts.shift()
    let e = this.entries.get(guid)
    if (!e || now - e.at > this.o.maxAgeMs) {
      const size = Math.min(this.o.maxBatch, Math.max(concurrency, this.starts.length))
      const others = upcoming.filter((g) => g !== guid && !this.fresh(g, now)).slice(0, size - 1)
      this.read([guid, ...others], now)
      e = this.entries.get(guid)!
    }
    this.entries.delete(guid)
    return e.value
  }

  private fresh(guid: string, now: number): boolean {
    const e = this.entries.get(guid)
    return e !== undefined && now - e.at <= this.o.maxAgeMs
  }

  private read(guids: string[], at: number): void {
    const batch = this.readBatch(guids).catch(() => undefined)
    for (const g of guids) this.entries.set(g, {at, value: batch.then((m) => m?.get(g))})
  }

  private async readBatch(guids: string[]): Promise<Map<string, Prefetched>> {
    const {capi} = this
    this.batches++
    const collect = async <T>(it: AsyncIterable<T>) => {
      const out: T[] = []
      for await (const x of it) out.push(x)
      return out
    }
    const [apps, deployments, packages, processes] = await Promise.all([
      collect(capi.apps.list({guids})),
      collect(capi.deployments.list({app_guids: guids, status_values: ['ACTIVE'], order_by: '-created_at'})),
      collect(capi.packages.list({app_guids: guids, states: ['READY'], order_by: '-created_at'})),
      collect(capi.processes.list({app_guids: guids})),
    ])
    const out = new Map<string, Prefetched>()
    for (const g of guids) out.set(g, {app: null, active: null, readyPackage: null, processes: []})
    for (const a of apps) {
      const p = out.get(a.guid)
      if (p) p.app = a
    }
    // Newest first: the first seen per app is its newest.
    for (const d of deployments) {
      const p = out.get(d.relationships.app.data.guid)
      if (p && p.active === null) p.active = d
    }
    for (const k of packages) {
      const p = out.get(k.relationships?.app?.data?.guid ?? '')
      if (p && p.readyPackage === null) p.readyPackage = k
    }
    for (const x of processes) out.get(x.relationships.app.data.guid)?.processes?.push(x)
    // One web process per app unless a deployment is in flight; with several, the app reads for itself.
    for (const p of out.values()) {
      const webs = p.processes!.filter((x) => x.type === 'web')
      if (webs.length === 1) p.web = webs[0]
    }
    return out
  }
}
