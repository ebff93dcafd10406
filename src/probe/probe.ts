/**
 * Live traffic against an app's route while an operation runs: requests at a steady rate, each
 * outcome recorded, so "zero downtime" is measured. Reports requests sent and failed, availability,
 * the longest run of failures, p50/p99 latency, and which droplet answered over time (from the
 * X-Cfzd-Droplet-Guid header the local foundation's instances set; other apps may not say).
 *
 * Hosts under *.localhost resolve to 127.0.0.1, as browsers and curl do (RFC 6761), so the local
 * foundation's routes work without DNS.
 */
import http from 'node:http'
import https from 'node:https'
import type {LookupFunction} from 'node:net'

export interface ProbeOptions {
  url: string
  /** Requests per second to aim for. */
  ratePerSec?: number
  /** Most requests in flight at once. */
  concurrency?: number
  /** A request taking longer than this counts as failed. */
  timeoutMs?: number
  /** Hard stop, so a forgotten probe ends by itself. */
  maxDurationMs?: number
  maxRequests?: number
  /** Called on every failed request, with the report so far (automatic abort hooks in here). */
  onFailure?: (failure: ProbeFailure, report: ProbeReport) => void
  /** Called on every finished request, in order: true when it succeeded (rate thresholds hook in here). */
  onResult?: (ok: boolean) => void
  insecure?: boolean
  /** Response header naming the droplet that answered. */
  dropletHeader?: string
}

export interface ProbeFailure {
  at: number
  status?: number
  error?: string
}

export interface DropletSpan {
  droplet: string
  firstAt: number
  lastAt: number
  count: number
}

export interface ProbeReport {
  url: string
  sent: number
  ok: number
  failed: number
  /** Percentage of requests that succeeded (100 when none were sent). */
  availability: number
  longestFailureRun: number
  p50Ms: number
  p99Ms: number
  durationMs: number
  failures: ProbeFailure[]
  /** Droplets that answered, in order of first appearance. */
  droplets: DropletSpan[]
  /** Second by second since the start: outcomes, latency and which droplet answered. */
  seconds: ProbeSecondRaw[]
}

export interface ProbeSecondRaw {
  ok: number
  failed: number
  p50Ms: number
  p95Ms: number
  /** Successful answers per droplet GUID. */
  droplets: Record<string, number>
}

interface Bucket {
  ok: number
  failed: number
  latencies: number[]
  droplets: Record<string, number>
}

const localhostLookup: LookupFunction = (hostname, options, callback) => {
  const cb = callback as unknown as (err: Error | null, address: string | {address: string; family: number}[], family?: number) => void
  if ((options as {all?: boolean}).all) cb(null, [{address: '127.0.0.1', family: 4}])
  else cb(null, '127.0.0.1', 4)
}

export function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost')
}

export interface SingleResult {
  status?: number
  error?: string
  droplet?: string
  /** X-Cf-Routererror of the answer (the router, not the app, answered). */
  routerError?: string
  /** The process that answered, when the app says (X-Cfzd-Process-Guid). */
  processGuid?: string
  ms: number
}

/** One request, the way the probe makes them (for "is this route serving yet?"). */
export function requestOnce(
  url: string,
  opts: {timeoutMs?: number; insecure?: boolean; dropletHeader?: string; headers?: Record<string, string>} = {},
): Promise<SingleResult> {
  const u = new URL(url)
  const lib = u.protocol === 'https:' ? https : http
  const t0 = performance.now()
  return new Promise((resolve) => {
    const req = lib.request(
      u,
      {
        timeout: opts.timeoutMs ?? 5000,
        headers: {'user-agent': 'cfzd-probe', ...opts.headers},
        ...(isLocalhostName(u.hostname) ? {lookup: localhostLookup} : {}),
        ...(u.protocol === 'https:' ? {rejectUnauthorized: !opts.insecure} : {}),
      },
      (res) => {
        res.resume()
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            droplet: res.headers[opts.dropletHeader ?? 'x-cfzd-droplet-guid'] as string | undefined,
            routerError: res.headers['x-cf-routererror'] as string | undefined,
            processGuid: res.headers['x-cfzd-process-guid'] as string | undefined,
            ms: performance.now() - t0,
          }),
        )
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (e) => resolve({error: (e as NodeJS.ErrnoException).code ?? e.message, ms: performance.now() - t0}))
    req.end()
  })
}

/** Requests pinned to one process (X-CF-PROCESS-INSTANCE) since the last pin(). */
export interface PinnedStats {
  sent: number
  ok: number
  failed: number
  /** Answers that named another process (X-Cfzd-Process-Guid): the router did not pin them. */
  strays: number
}

export class Probe {
  private readonly o: Required<Omit<ProbeOptions, 'onFailure' | 'onResult' | 'maxRequests'>> & Pick<ProbeOptions, 'onFailure' | 'onResult' | 'maxRequests'>
  private readonly latencies: number[] = []
  private readonly failures: ProbeFailure[] = []
  private readonly droplets: DropletSpan[] = []
  private readonly buckets: Bucket[] = []
  private sent = 0
  private ok = 0
  private run = 0
  private longest = 0
  private inFlight = 0
  private started = 0
  private stopped = 0
  private timer?: NodeJS.Timeout
  private hardStop?: NodeJS.Timeout
  private readonly agent: http.Agent
  private readonly url: URL
  private drained?: () => void
  /** Requests fired now carry X-CF-PROCESS-INSTANCE with this process guid (a canary pause). */
  private pinnedTo?: string
  private pinned: PinnedStats = {sent: 0, ok: 0, failed: 0, strays: 0}
  private pinWaiter?: {until: number; resolve: () => void}

  constructor(opts: ProbeOptions) {
    this.o = {ratePerSec: 20, concurrency: 8, timeoutMs: 5000, maxDurationMs: 30 * 60_000, insecure: false, dropletHeader: 'x-cfzd-droplet-guid', ...opts}
    this.url = new URL(opts.url)
    const agentOpts = {keepAlive: true, maxSockets: this.o.concurrency, ...(isLocalhostName(this.url.hostname) ? {lookup: localhostLookup} : {})}
    this.agent = this.url.protocol === 'https:' ? new https.Agent({...agentOpts, rejectUnauthorized: !this.o.insecure}) : new http.Agent(agentOpts)
  }

  start(): this {
    this.started = Date.now()
    const interval = Math.max(1, Math.round(1000 / this.o.ratePerSec))
    this.timer = setInterval(() => this.fire(), interval)
    this.hardStop = setTimeout(() => void this.stop(), this.o.maxDurationMs)
    this.hardStop.unref()
    return this
  }

  get running(): boolean {
    return this.timer !== undefined
  }

  /** Stop sending, wait for requests in flight, and report. */
  async stop(): Promise<ProbeReport> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    if (this.hardStop) clearTimeout(this.hardStop)
    this.pinWaiter?.resolve()
    this.pinWaiter = undefined
    if (this.inFlight > 0) await new Promise<void>((r) => (this.drained = r))
    if (!this.stopped) this.stopped = Date.now()
    this.agent.destroy()
    return this.report()
  }

  report(): ProbeReport {
    const sorted = [...this.latencies].sort((a, b) => a - b)
    const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0)
    const done = this.ok + this.failures.length
    return {
      url: this.o.url,
      sent: this.sent,
      ok: this.ok,
      failed: this.failures.length,
      availability: done === 0 ? 100 : Math.round((this.ok / done) * 100_000) / 1000,
      longestFailureRun: this.longest,
      p50Ms: Math.round(pct(50) * 10) / 10,
      p99Ms: Math.round(pct(99) * 10) / 10,
      durationMs: (this.stopped || Date.now()) - this.started,
      failures: [...this.failures],
      droplets: this.droplets.map((d) => ({...d})),
      seconds: this.seconds(),
    }
  }

  /**
   * Pin the requests fired from now on to one process (X-CF-PROCESS-INSTANCE: guid), or unpin
   * with undefined. Counting of pinned requests starts afresh.
   */
  pin(processGuid: string | undefined): void {
    this.pinnedTo = processGuid
    this.pinned = {sent: 0, ok: 0, failed: 0, strays: 0}
    this.pinWaiter?.resolve()
    this.pinWaiter = undefined
  }

  get pinnedStats(): PinnedStats {
    return {...this.pinned}
  }

  /** Resolves once `n` pinned requests have finished (or the probe stops, or pin() changes). */
  pinnedFinished(n: number): Promise<void> {
    if (this.pinned.ok + this.pinned.failed >= n || !this.running) return Promise.resolve()
    this.pinWaiter?.resolve()
    return new Promise((resolve) => (this.pinWaiter = {until: n, resolve}))
  }

  private bucket(at: number): Bucket {
    const i = Math.max(0, Math.floor((at - this.started) / 1000))
    for (let j = this.buckets.length; j <= i; j++) this.buckets.push({ok: 0, failed: 0, latencies: [], droplets: {}})
    return this.buckets[i]
  }

  private seconds(): ProbeSecondRaw[] {
    return this.buckets.map((b) => {
      const sorted = [...b.latencies].sort((x, y) => x - y)
      const pct = (p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) / 10 : 0)
      return {ok: b.ok, failed: b.failed, p50Ms: pct(50), p95Ms: pct(95), droplets: {...b.droplets}}
    })
  }

  private fire() {
    if (this.inFlight >= this.o.concurrency) return
    if (this.o.maxRequests !== undefined && this.sent >= this.o.maxRequests) return void this.stop()
    this.sent++
    this.inFlight++
    const pin = this.pinnedTo
    if (pin) this.pinned.sent++
    this.attempt(performance.now(), false, pin)
  }

  /**
   * One try of a request. A keep-alive connection the server closed just as it was reused fails
   * with ECONNRESET before any answer: that is the client's race, not the app failing, so it is
   * tried once more on a fresh connection (as Node's http docs advise) and counted once.
   */
  private attempt(t0: number, retried: boolean, pin?: string) {
    let settled = false
    const once = (fn: () => void) => {
      if (!settled) {
        settled = true
        fn()
      }
    }
    const lib = this.url.protocol === 'https:' ? https : http
    let answered = false
    const headers: Record<string, string> = {'user-agent': 'cfzd-probe', ...(pin ? {'x-cf-process-instance': pin} : {})}
    const req = lib.request(this.url, {agent: this.agent, timeout: this.o.timeoutMs, headers}, (res) => {
      answered = true
      res.resume()
      const by = res.headers['x-cfzd-process-guid']
      if (pin && typeof by === 'string' && by !== pin && pin === this.pinnedTo) this.pinned.strays++
      res.on('end', () => {
        const status = res.statusCode ?? 0
        once(() =>
          status >= 200 && status < 300
            ? this.success(performance.now() - t0, res.headers[this.o.dropletHeader] as string | undefined, pin)
            : this.failure({at: Date.now(), status}, pin),
        )
      })
      res.on('error', (e) => once(() => this.failure({at: Date.now(), error: e.message}, pin)))
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${this.o.timeoutMs}ms`)))
    req.on('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code
      if (!retried && !answered && req.reusedSocket && code === 'ECONNRESET') return once(() => this.attempt(t0, true, pin))
      once(() => this.failure({at: Date.now(), error: code ?? e.message}, pin))
    })
    req.end()
  }

  private success(ms: number, droplet: string | undefined, pin?: string) {
    this.ok++
    if (pin && pin === this.pinnedTo) this.pinned.ok++
    this.run = 0
    this.latencies.push(ms)
    const bucket = this.bucket(Date.now())
    bucket.ok++
    bucket.latencies.push(ms)
    if (droplet) bucket.droplets[droplet] = (bucket.droplets[droplet] ?? 0) + 1
    if (droplet) {
      const now = Date.now()
      const last = this.droplets.find((d) => d.droplet === droplet)
      if (last) {
        last.lastAt = now
        last.count++
      } else this.droplets.push({droplet, firstAt: now, lastAt: now, count: 1})
    }
    this.settle()
    this.o.onResult?.(true)
    this.pinProgress()
  }

  private failure(f: ProbeFailure, pin?: string) {
    if (pin && pin === this.pinnedTo) this.pinned.failed++
    this.failures.push(f)
    this.bucket(f.at).failed++
    this.run++
    this.longest = Math.max(this.longest, this.run)
    this.settle()
    this.o.onResult?.(false)
    this.o.onFailure?.(f, this.report())
    this.pinProgress()
  }

  private pinProgress() {
    const w = this.pinWaiter
    if (w && this.pinned.ok + this.pinned.failed >= w.until) {
      this.pinWaiter = undefined
      w.resolve()
    }
  }

  private settle() {
    this.inFlight--
    if (this.inFlight === 0 && this.drained) {
      const d = this.drained
      this.drained = undefined
      d()
    }
  }
}
