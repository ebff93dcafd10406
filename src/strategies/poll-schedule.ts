/**
 * When to poll a deployment next. While the updater's tick is unknown, poll about once a second
 * with jitter (so the change windows land at different offsets and pin the tick down). Once the
 * TickEstimator trusts its estimate, poll inside the predicted window (its middle, then just after
 * its end), so a change is seen within a fraction of a second of the tick that made it, at well
 * under one request per second. Never go longer than `maxGapMs` without a poll.
 */
import {TickEstimator, type TickEstimatorOptions} from './tick-estimator.js'

export interface PollScheduleOptions {
  learnMinMs?: number
  learnMaxMs?: number
  /** Polls land this long after the predicted tick, to let the server finish its pass. */
  afterTickMs?: number
  /** Split a predicted window wider than this with a poll in its middle. */
  splitAboveMs?: number
  maxGapMs?: number
  random?: () => number
  estimator?: TickEstimatorOptions
}

export class PollSchedule {
  readonly estimator: TickEstimator
  private lastPoll?: number
  private readonly o: Required<Omit<PollScheduleOptions, 'estimator'>>

  constructor(opts: PollScheduleOptions = {}) {
    const {estimator, ...rest} = opts
    this.o = {learnMinMs: 700, learnMaxMs: 1300, afterTickMs: 40, splitAboveMs: 200, maxGapMs: 3000, random: Math.random, ...rest}
    // Trusted from a 1.2 s phase window on: polls then split the predicted window (its middle,
    // then just after its end), which narrows it within a few ticks. Waiting for a narrower
    // window before using it took most of a 50 s deployment with 1-1.6 s learning polls.
    this.estimator = new TickEstimator({maxUncertaintyMs: 1200, ...estimator})
  }

  /** Record a poll at `now`, and whether it saw the deployment change since the previous poll. */
  record(now: number, changed: boolean): void {
    if (changed && this.lastPoll !== undefined) this.estimator.observe({after: this.lastPoll, atOrBefore: now})
    this.lastPoll = now
  }

  /** The time of the next poll. */
  next(now: number): number {
    const last = this.lastPoll ?? now
    const cap = last + this.o.maxGapMs
    const w = this.estimator.nextTick(now)
    if (!w) return Math.max(now, last + this.o.learnMinMs + this.o.random() * (this.o.learnMaxMs - this.o.learnMinMs))
    const target = w.latest - w.earliest > this.o.splitAboveMs ? (w.earliest + w.latest) / 2 : w.latest + this.o.afterTickMs
    return Math.max(now, Math.min(target, cap))
  }
}
