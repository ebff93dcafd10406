/**
 * Pure deployment arithmetic, shared by cfzd's planning (quota headroom, dry runs) and the local
 * foundation's updater. Each function mirrors Cloud Controller's rule and gives worked examples.
 */

export interface CanaryStepTarget {
  /** Instances of the new (canary) web process at this step. */
  canary: number
  /** Instances of the original web process kept while paused at this step. */
  original: number
}

/**
 * Cloud Controller's canary_step_plan.
 *
 * Without steps: one canary instance and every original instance: [{canary: 1, original: n}].
 * With steps: n = min(web_instances, original_count); for each weight w,
 *   canary   = max(1, round(n·w/100))
 *   original = n − canary + 1, or 0 when w == 100.
 *
 * Examples (from CC's spec):
 *   n=10, [20, 40] → [{2, 9}, {4, 7}]
 *   n=5,  [20, 40] → [{1, 5}, {2, 4}]
 *   n=4,  []       → [{1, 4}]
 *   n=3,  [100]    → [{3, 0}]
 */
export function canaryStepPlan(instances: number, steps: readonly number[] | undefined): CanaryStepTarget[] {
  if (!steps || steps.length === 0) return [{canary: 1, original: instances}]
  return steps.map((w) => {
    const canary = Math.max(1, rubyRound((instances * w) / 100))
    return {canary, original: w === 100 ? 0 : instances - canary + 1}
  })
}

/** Ruby's Float#round: half away from zero (Math.round rounds -0.5 up; weights are positive, but be exact). */
function rubyRound(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x))
}

/**
 * The most web instances a rolling deployment runs at once beyond the target, which is what quota
 * must allow: old instances go away one for one as new ones become routable, and at most
 * max_in_flight new ones are starting, so the peak is target + min(max_in_flight, target).
 *
 * Examples: target 10, mif 1 → 1; target 10, mif 3 → 3; target 2, mif 5 → 2; target 0 → 0.
 */
export function rollingPeakExtraInstances(target: number, maxInFlight = 1): number {
  if (target <= 0) return 0
  return Math.min(Math.max(1, maxInFlight), target)
}

/**
 * Peak extra instances of a canary deployment: the largest step (canary + original − n), and then
 * the rolling phase after the last continue (min(max_in_flight, n)).
 *
 * Examples: n=10 [20,40] mif 1 → max(2+9−10, 4+7−10, 1) = 1; n=10 no steps mif 2 → max(1, 2) = 2.
 */
export function canaryPeakExtraInstances(target: number, steps: readonly number[] | undefined, maxInFlight = 1): number {
  if (target <= 0) return 0
  const stepPeak = Math.max(...canaryStepPlan(target, steps).map((s) => s.canary + s.original - target))
  return Math.max(stepPeak, rollingPeakExtraInstances(target, maxInFlight))
}
