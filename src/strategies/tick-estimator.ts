/**
 * Learns when Cloud Controller's deployment updater ticks, from polls alone.
 *
 * The updater runs every P seconds (5 s by default on capi-release) and a deployment only changes
 * on a tick. Each time a poll sees a change, we learn that a tick happened in (previous poll, this
 * poll]. Ticks are at φ + k·P, so every such window constrains the phase φ modulo P. Intersecting
 * the windows for a candidate P gives the feasible phases; the largest P for which all windows
 * agree (and that is not longer than the shortest gap between observed changes) is the period.
 *
 * With a confident estimate, the poller asks once just after each predicted tick, so completion is
 * seen within tens of milliseconds while staying well under one request per second.
 */

export interface TickWindow {
  /** The previous poll time (ms): the tick happened after this. */
  after: number
  /** The poll time that observed the change (ms): the tick happened at or before this. */
  atOrBefore: number
}

export interface TickEstimate {
  periodMs: number
  /** A tick time in the same clock as the windows (the late end of what fits). */
  phaseMs: number
  /** Width of the feasible phase interval: smaller is better. */
  uncertaintyMs: number
  /** The band of periods that fit the windows. */
  band: {minMs: number; maxMs: number}
}

export interface TickEstimatorOptions {
  minPeriodMs?: number
  maxPeriodMs?: number
  stepMs?: number
  /** How many windows are needed before trusting an estimate. */
  minWindows?: number
  /** The estimate is trusted only when the phase is known to within this. */
  maxUncertaintyMs?: number
  /** Prefer whole seconds (Cloud Controller's update_frequency_in_seconds is an integer). */
  wholeSeconds?: boolean
  /**
   * How much later than a whole period each tick may come: the updater sleeps its period minus
   * its pass's duration and wakes a little late, so its ticks drift later by a few ms each. An
   * older window then says less about the next tick: its late end is stretched by this much per
   * period between it and the newest window (and the predicted tick by as much per period ahead).
   */
  driftPerTickMs?: number
}

/** A few ms per tick: a loaded 2-CPU machine's local foundation drifts about this much. */
export const DRIFT_PER_TICK_MS = 8

/** A window from an earlier run's prior: already widened for its age (tick-store.ts priorFrom). */
interface AgedWindow extends TickWindow {
  aged?: boolean
}

/**
 * What an earlier run learned about this foundation's updater (see tick-store.ts): the period,
 * and a tick time known to ±uncertaintyMs. Used as long as the windows seen agree with it.
 */
export interface TickPrior {
  periodMs: number
  phaseMs?: number
  uncertaintyMs?: number
  /**
   * Only this period (give or take a step): an assumed tick, not one an earlier run saw, so no
   * earlier run can have seen only every k-th tick of a finer one.
   */
  exact?: boolean
}

export class TickEstimator {
  private readonly windows: TickWindow[] = []
  private cached?: TickEstimate | null
  private readonly o: Required<TickEstimatorOptions>
  private prior?: TickPrior

  constructor(opts: TickEstimatorOptions = {}, prior?: TickPrior) {
    this.o = {
      minPeriodMs: 500,
      maxPeriodMs: 60_000,
      stepMs: 10,
      minWindows: 3,
      maxUncertaintyMs: 400,
      wholeSeconds: true,
      driftPerTickMs: DRIFT_PER_TICK_MS,
      ...opts,
    }
    this.setPrior(prior)
  }

  /** Start from what an earlier run learned (dropped as soon as the windows contradict it). */
  setPrior(prior: TickPrior | undefined): void {
    this.prior = prior && prior.periodMs >= this.o.minPeriodMs && prior.periodMs <= this.o.maxPeriodMs ? prior : undefined
    this.cached = undefined
  }

  /** How much later than a whole period a tick may come (see TickEstimatorOptions). */
  get driftPerTickMs(): number {
    return this.o.driftPerTickMs
  }

  /** Whether the estimate still leans on an earlier run's prior. */
  get usingPrior(): boolean {
    return this.prior !== undefined
  }

  /** The windows the estimate is computed from: the observed ones, plus the prior's tick. */
  private effective(): AgedWindow[] {
    const pr = this.prior
    if (pr?.phaseMs === undefined) return [...this.windows]
    const u = Math.max(1, pr.uncertaintyMs ?? 0)
    return [{after: pr.phaseMs - u, atOrBefore: pr.phaseMs + u, aged: true}, ...this.windows]
  }

  /** The phase the windows leave for period p, allowing for the updater's drift. */
  private phase(ws: AgedWindow[], p: number): {start: number; width: number} | undefined {
    return feasiblePhase(ws, p, this.o.driftPerTickMs)
  }

  /** The newest observed (or prior) tick's late end: drift is counted from there. */
  private newest(ws: AgedWindow[]): number {
    return Math.max(...ws.map((w) => w.atOrBefore))
  }

  /** Record that a change was seen at `atOrBefore`, and not at the poll before (`after`). */
  observe(w: TickWindow): void {
    if (!(w.atOrBefore > w.after)) return
    this.windows.push(w)
    if (this.windows.length > 40) this.windows.shift()
    this.cached = undefined
  }

  get observations(): number {
    return this.windows.length
  }

  estimate(): TickEstimate | undefined {
    if (this.cached !== undefined) return this.cached ?? undefined
    this.cached = this.compute() ?? null
    return this.cached ?? undefined
  }

  /**
   * When the next tick after `now` can be, over every period and phase that fit the windows:
   * `earliest`..`latest`; undefined unless the estimate is trusted. A poll just after `latest`
   * never comes before the tick; a poll in between narrows the next window. With `clip` false,
   * `earliest` may be before `now` (the whole window of the tick, for comparing widths).
   */
  nextTick(now: number, clip = true): {earliest: number; latest: number} | undefined {
    const e = this.estimate()
    if (!e) return undefined
    const step = this.o.stepMs
    // For each period in the band, the first feasible tick interval that ends after now.
    const intervals: {start: number; end: number}[] = []
    const ws = this.effective()
    const newest = this.newest(ws)
    for (let p = e.band.minMs; p <= e.band.maxMs; p += step) {
      const ph = this.phase(ws, p)
      if (!ph) continue
      const hi = ph.start + ph.width
      const k = Math.floor((now - hi) / p) + 1
      // Each period ahead of the newest window, the tick may have drifted a little later.
      const end = hi + k * p
      const late = (this.o.driftPerTickMs * Math.max(0, end - newest)) / p
      intervals.push({start: Math.max(clip ? now : -Infinity, ph.start + k * p), end: end + late})
    }
    if (intervals.length === 0) return undefined
    // The nearest tick only: a period whose interval for this tick is already over points a whole
    // period ahead, and must not stretch this window to the next tick.
    const soonest = Math.min(...intervals.map((i) => i.end))
    const near = intervals.filter((i) => i.start <= soonest + e.periodMs / 2)
    return {earliest: Math.min(...near.map((i) => i.start)), latest: Math.max(...near.map((i) => i.end))}
  }

  /** The latest time the next tick can be (see nextTick). */
  nextTickAfter(now: number): number | undefined {
    return this.nextTick(now)?.latest
  }

  /**
   * The largest period the windows seen in this run fit, ignoring any prior: the lattice this
   * deployment's changes fall on. The updater's own tick is this or a whole fraction of it.
   */
  latticeMs(): number | undefined {
    return this.fromWindows()?.periodMs
  }

  /**
   * Every whole-second period above `floorMs` that this run's windows (two or more, ignoring any
   * prior) fit, with its phase: for a short deployment that changed too few times to trust an
   * estimate while it ran (see watchDeployment's remember).
   */
  wholeSecondFits(floorMs: number): TickEstimate[] {
    const ws = this.windows
    if (ws.length < 2) return []
    const maxP = this.longestPeriod()
    const out: TickEstimate[] = []
    for (let w = Math.max(1000, Math.floor(floorMs / 1000) * 1000 + 1000); w <= maxP; w += 1000) {
      const ph = this.phase(ws, w)
      if (ph) out.push({periodMs: w, phaseMs: ph.start + ph.width, uncertaintyMs: ph.width, band: {minMs: w, maxMs: w}})
    }
    return out
  }

  /** Forget everything (for example after the updater was seen to behave differently). */
  reset(): void {
    this.windows.length = 0
    this.prior = undefined
    this.cached = undefined
  }

  private compute(): TickEstimate | undefined {
    if (this.prior) {
      const e = this.fromPrior(this.prior)
      if (e !== 'contradicts') return e ?? this.fromWindows()
      // The windows disagree with the earlier run: learn from scratch.
      this.prior = undefined
    }
    return this.fromWindows()
  }

  /**
   * The prior's period (give or take a step), its phase narrowed by every window seen since. With
   * no phase, one window narrower than the period is enough.
   */
  private fromPrior(pr: TickPrior): TickEstimate | undefined | 'contradicts' {
    const step = this.o.stepMs
    const ws = this.effective()
    if (ws.length === 0 || Math.min(...ws.map((w) => w.atOrBefore - w.after)) >= pr.periodMs - step) return undefined
    // An earlier run may have seen only every k-th tick (its instances took k ticks to start):
    // then the ticks of this one fall between them, and a k-th of that period explains both.
    const candidates = [pr.periodMs, pr.periodMs - step, pr.periodMs + step]
    for (let k = 2; !pr.exact && pr.periodMs / k >= Math.max(this.o.minPeriodMs, 1000); k++) {
      const p = Math.round(pr.periodMs / k / 1000) * 1000
      if (this.o.wholeSeconds && Math.abs(p - pr.periodMs / k) <= step) candidates.push(p)
    }
    for (const p of candidates) {
      // A period only counts where some window seen in this run is narrower than it.
      if (p !== pr.periodMs && !this.windows.some((w) => w.atOrBefore - w.after < p / 2)) continue
      const ph = this.phase(ws, p)
      if (!ph) continue
      if (ph.width > this.o.maxUncertaintyMs) return undefined
      if (p !== pr.periodMs) this.prior = {...pr, periodMs: p}
      return {periodMs: p, phaseMs: ph.start + ph.width, uncertaintyMs: ph.width, band: {minMs: p, maxMs: p}}
    }
    return 'contradicts'
  }

  /** A change can't recur faster than the period: the shortest gap between this run's windows bounds it from above. */
  private longestPeriod(): number {
    const sorted = [...this.windows].sort((a, b) => a.atOrBefore - b.atOrBefore)
    let maxP = this.o.maxPeriodMs
    for (let i = 1; i < sorted.length; i++) maxP = Math.min(maxP, sorted[i].atOrBefore - sorted[i - 1].after)
    return maxP
  }

  private fromWindows(): TickEstimate | undefined {
    const ws = this.windows
    if (ws.length < this.o.minWindows) return undefined
    const maxP = this.longestPeriod()
    // Every divisor-like neighbour of the true period fits the windows too; the consistent periods
    // form a narrow band just around the true one at the top.
    const step = this.o.stepMs
    let top: number | undefined
    for (let p = Math.floor(maxP / step) * step; p >= this.o.minPeriodMs; p -= step) {
      if (this.phase(ws, p)) {
        top = p
        break
      }
    }
    if (top === undefined) return undefined
    let bottom = top
    while (bottom - step >= this.o.minPeriodMs && this.phase(ws, bottom - step)) bottom -= step
    // Cloud Controller's update_frequency_in_seconds is a whole number of seconds: a whole second
    // in (or just beside) the band is the period.
    for (let w = Math.floor((top + 2 * step) / 1000) * 1000; this.o.wholeSeconds && w >= bottom - 2 * step && w >= 1000; w -= 1000) {
      const ph = this.phase(ws, w)
      if (!ph) continue
      if (ph.width > this.o.maxUncertaintyMs) break
      return {periodMs: w, phaseMs: ph.start + ph.width, uncertaintyMs: ph.width, band: {minMs: w, maxMs: w}}
    }
    // No whole second in the band: an updater that drifted more than allowed now and then (a
    // loaded machine) can make some odd period fit better. The nearest whole second, with thrice
    // the drift allowed, or else the largest whole second below that fits, is the period then.
    if (this.o.wholeSeconds && this.o.driftPerTickMs > 0) {
      const near = Math.round((top + bottom) / 2 / 1000) * 1000
      const candidates: [number, number][] = [[near, 3]]
      for (let w = Math.min(near - 1000, Math.floor(bottom / 1000) * 1000); w >= Math.max(1000, this.o.minPeriodMs); w -= 1000) candidates.push([w, 1])
      for (const [w, slack] of candidates) {
        if (w < 1000 || w > maxP + 2 * step) continue
        const ph = feasiblePhase(ws, w, this.o.driftPerTickMs * slack)
        if (ph && ph.width <= this.o.maxUncertaintyMs) return {periodMs: w, phaseMs: ph.start + ph.width, uncertaintyMs: ph.width, band: {minMs: w, maxMs: w}}
      }
    }
    const period = Math.round((top + bottom) / 2 / step) * step
    const phase = this.phase(ws, period) ?? this.phase(ws, top)!
    if (phase.width > this.o.maxUncertaintyMs) return undefined
    return {periodMs: period, phaseMs: phase.start + phase.width, uncertaintyMs: phase.width, band: {minMs: bottom, maxMs: top}}
  }
}

/**
 * Intersect the windows' phase intervals modulo p. Returns the start (absolute, in the narrowest
 * window's period) and width of the intersection, or undefined when the windows disagree. The
 * ticks drift later by up to `driftPerTickMs` each: a window k periods older than the newest
 * has its late end stretched by k times that (not a prior's window, already widened for its age).
 */
function feasiblePhase(windows: AgedWindow[], p: number, driftPerTickMs = 0): {start: number; width: number} | undefined {
  const newest = Math.max(...windows.map((w) => w.atOrBefore))
  const ws = windows
    .map((w) => (w.aged ? w : {after: w.after, atOrBefore: w.atOrBefore + (driftPerTickMs * (newest - w.atOrBefore)) / p}))
    // The narrowest window last: the others are measured against it.
    .sort((x, y) => y.atOrBefore - y.after - (x.atOrBefore - x.after))
  const ref = ws[ws.length - 1]
  if (!ref) return undefined
  // Work in coordinates relative to the reference window's start.
  let lo = 0
  let hi = ref.atOrBefore - ref.after
  if (hi >= p) return undefined
  for (const w of ws) {
    if (w.atOrBefore - w.after >= p) continue // too wide to say anything
    // Shift this window by a multiple of p so it overlaps [lo, hi] if it can.
    const a = w.after - ref.after
    const b = w.atOrBefore - ref.after
    const k = Math.round((lo + hi) / 2 / p - (a + b) / 2 / p)
    const sa = a + k * p
    const sb = b + k * p
    const nlo = Math.max(lo, sa)
    const nhi = Math.min(hi, sb)
    if (nlo > nhi) return undefined
    lo = nlo
    hi = nhi
  }
  return {start: ref.after + lo, width: hi - lo}
}

/**
 * The updater's tick, given the lattice the changes fell on and a floor it must exceed. A
 * deployment whose instances take k ticks to start changes every k-th tick only, so its changes
 * can't tell a 3 s tick from a 1 s one: the tick is taken as the finest whole-second fraction of
 * the lattice that the evidence leaves possible (a missed tick costs lag; an extra poll, little).
 */
export function finestTick(latticeMs: number, floorMs: number): number {
  if (latticeMs % 1000 !== 0) return latticeMs
  for (let k = latticeMs / 1000; k >= 1; k--) {
    const p = latticeMs / k
    if (p % 1000 === 0 && p > floorMs) return p
  }
  return latticeMs
}

/**
 * A period followed from a prior give or take a step (TickEstimator's fromPrior) is, within that
 * step of a whole second, that second: Cloud Controller's update_frequency_in_seconds is whole.
 */
export function snapToWholeSecond(periodMs: number, stepMs = 10): number {
  const whole = Math.round(periodMs / 1000) * 1000
  return whole >= 1000 && Math.abs(whole - periodMs) <= stepMs ? whole : periodMs
}

/** The latest tick of this estimate at or before `t`. */
export function tickAtOrBefore(e: Pick<TickEstimate, 'periodMs' | 'phaseMs'>, t: number): number {
  return e.phaseMs + Math.floor((t - e.phaseMs) / e.periodMs) * e.periodMs
}
