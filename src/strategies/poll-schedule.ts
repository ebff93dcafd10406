/**
 * When to poll a deployment next. While the updater's tick is unknown, poll about once a second
 * with jitter (so the change windows land at different offsets and pin the tick down). Once the
 * TickEstimator trusts its estimate, poll inside the predicted window (its middle, then just after
 * its end), so a change is seen within a fraction of a second of the tick that made it, at well
 * under one request per second. Never go longer than `maxGapMs` without a poll, unless the tick
 * came from an earlier run or held on an assumed one. Before the first change of a first run, the
 * caller may ask for fewer polls (`firstReadMs`, `firstMinMs`, `firstMaxMs`), and after it assume
 * a tick (`assume`).
 */
import {TickEstimator, type TickEstimatorOptions, type TickPrior} from './tick-estimator.js'

export interface PollScheduleOptions {
  learnMinMs?: number
  learnMaxMs?: number
  /**
   * Before the first change, with no prior: the first change tells only the phase, and its
   * updated_at second pins that within 1 s however far apart the polls are. The first read comes
   * `firstReadMs` after the first record, then every firstMin-firstMaxMs (defaults: learnMin/Max).
   */
  firstReadMs?: number
  firstMinMs?: number
  firstMaxMs?: number
  /** Polls land this long after the predicted tick, to let the server finish its pass. */
  afterTickMs?: number
  /** Split a predicted window wider than this with a poll in its middle. */
  splitAboveMs?: number
  maxGapMs?: number
  random?: () => number
  estimator?: TickEstimatorOptions
  /** What an earlier run against this foundation learned (tick-store.ts). */
  prior?: TickPrior
}

export class PollSchedule {
  readonly estimator: TickEstimator
  private lastPoll?: number
  private readonly o: Required<Omit<PollScheduleOptions, 'estimator' | 'prior' | 'firstReadMs' | 'firstMinMs' | 'firstMaxMs'>> & {
    firstReadMs?: number
    firstMinMs?: number
    firstMaxMs?: number
  }

  /** The observations seen when a tick was assumed (assume()); undefined when none was. */
  private assumedAt?: number
  /** Polls recorded (the first: when the deployment was created). */
  private records = 0

  constructor(opts: PollScheduleOptions = {}) {
    const {estimator, prior, ...rest} = opts
    this.o = {learnMinMs: 700, learnMaxMs: 1300, afterTickMs: 40, splitAboveMs: 100, maxGapMs: 3000, random: Math.random, ...rest}
    // Trusted from a 1.2 s phase window on: polls then split the predicted window (its middle,
    // then just after its end), which narrows it within a few ticks. Waiting for a narrower
    // window before using it took most of a 50 s deployment with 1-1.6 s learning polls.
    this.estimator = new TickEstimator({maxUncertaintyMs: 1200, ...estimator}, prior)
  }

  /**
   * Assume a tick (say, capi-release's default) with no earlier run to go on. Until a change has
   * come on it, polls stay at most maxGapMs apart, so a change off it is seen in a window narrow
   * enough to contradict it (the estimator then drops it and learns).
   */
  assume(periodMs: number): void {
    this.estimator.setPrior({periodMs, exact: true})
    this.assumedAt = this.estimator.observations
  }

  /** 'held' once a change came on an assumed tick; 'dropped' once one contradicted it. */
  get assumption(): 'none' | 'unconfirmed' | 'held' | 'dropped' {
    if (this.assumedAt === undefined) return 'none'
    if ((this.estimator.estimate(), !this.estimator.usingPrior)) return 'dropped'
    return this.estimator.observations > this.assumedAt ? 'held' : 'unconfirmed'
  }

  /** Record a poll at `now`, and whether it saw the deployment change since the previous poll. */
  record(now: number, changed: boolean, stamp?: {from: number; to: number}): void {
    if (changed && this.lastPoll !== undefined) {
      let w = {after: this.lastPoll, atOrBefore: now}
      // The change's own timestamp (whole seconds in Cloud Controller) narrows the window when it
      // overlaps it; one that doesn't (a server clock off from ours) is ignored.
      if (stamp && stamp.to > w.after && stamp.from <= w.atOrBefore) w = {after: Math.max(w.after, stamp.from), atOrBefore: Math.min(w.atOrBefore, stamp.to)}
      this.estimator.observe(w)
    }
    this.lastPoll = now
    this.records++
  }

  /**
   * The time of the next poll. `notBefore`: no change is expected before then (say, the instance
   * the last tick started can't be routable yet), so ticks before it are skipped.
   */
  next(now: number, notBefore?: number): number {
    const last = this.lastPoll ?? now
    let w = this.estimator.nextTick(now)
    // With a tick an earlier run confirmed (or this one saw often), a poll on every predicted tick
    // is enough: no extra poll in between. A tick still being learned can be wrong: keep maxGap.
    const settled = w && this.estimator.usingPrior && this.assumption !== 'unconfirmed'
    const cap = last + Math.max(this.o.maxGapMs, settled ? this.estimator.estimate()!.periodMs + 500 : 0)
    if (w && notBefore !== undefined && notBefore > now) {
      const e = this.estimator.estimate()!
      // The first predicted tick at or after notBefore, if its window is as narrow as this one.
      const skip = Math.ceil((notBefore - w.latest) / e.periodMs)
      if (skip > 0) {
        const later = this.estimator.nextTick(w.latest + (skip - 1) * e.periodMs + 1)
        // Compared with this tick's whole window (not the part of it still ahead of `now`).
        const whole = this.estimator.nextTick(now, false) ?? w
        if (later && later.latest - later.earliest <= Math.max(this.o.splitAboveMs, whole.latest - whole.earliest) + this.estimator.driftPerTickMs * skip)
          w = later
      }
    }
    if (!w) {
      const first = this.estimator.observations === 0 && !this.estimator.usingPrior
      // The first read after the deployment was created comes at the cf CLI's interval: a quick
      // first change (a fast app on a short tick) is seen late, for fewer reads on the usual ones.
      if (first && this.o.firstReadMs !== undefined && this.records === 1) return Math.max(now, last + this.o.firstReadMs)
      const min = (first && this.o.firstMinMs) || this.o.learnMinMs
      const max = (first && this.o.firstMaxMs) || this.o.learnMaxMs
      return Math.max(now, last + min + this.o.random() * (max - min))
    }
    // A split costs a poll and pays off over the ticks still to come: a run that leans on an
    // earlier run's tick and has seen no change of its own yet (a short deployment, as far as it
    // knows) splits only a window too wide to keep its lag low.
    // An assumed tick not seen yet is split once at most: the lag it may cost is the price of not
    // knowing, and one poll in its middle is enough to tell a change off it.
    const unconfirmed = this.assumption === 'unconfirmed'
    const splitAbove = unconfirmed
      ? Math.max(this.o.splitAboveMs, 600)
      : this.estimator.usingPrior && this.estimator.observations < 2
        ? Math.max(this.o.splitAboveMs, 300)
        : this.o.splitAboveMs
    const target = w.latest - w.earliest > splitAbove ? (w.earliest + w.latest) / 2 : w.latest + this.o.afterTickMs
    return Math.max(now, Math.min(target, cap))
  }
}
