import {describe, expect, it} from '@jest/globals'
import {canaryStepPlan} from '../../../src/local/actions/deployments.js'

/** deployment_model.rb#canary_step_plan (anchors §B3 "Canary"), table-driven. */
describe('canaryStepPlan', () => {
  const cases: {name: string; steps: number[] | null; original: number; web: number | null; plan: [number, number][]}[] = [
    {name: 'no steps: one canary instance', steps: null, original: 4, web: null, plan: [[1, 4]]},
    {
      name: 'spec: 10 instances, [20, 40]',
      steps: [20, 40],
      original: 10,
      web: null,
      plan: [
        [2, 9],
        [4, 7],
      ],
    },
    {
      name: 'spec: 5 instances, [20, 40]',
      steps: [20, 40],
      original: 5,
      web: null,
      plan: [
        [1, 5],
        [2, 4],
      ],
    },
    {
      name: 'a weight of 100 leaves no original instances',
      steps: [50, 100],
      original: 4,
      web: null,
      plan: [
        [2, 3],
        [4, 0],
      ],
    },
    {name: 'at least one canary instance', steps: [1], original: 5, web: null, plan: [[1, 5]]},
    {name: 'halves round up (Ruby round)', steps: [50], original: 3, web: null, plan: [[2, 2]]},
    {name: 'web_instances below the original count is the base', steps: [50], original: 10, web: 4, plan: [[2, 3]]},
    {name: 'web_instances above the original count is ignored', steps: [50], original: 4, web: 10, plan: [[2, 3]]},
    {
      name: 'duplicate weights are allowed',
      steps: [20, 20],
      original: 10,
      web: null,
      plan: [
        [2, 9],
        [2, 9],
      ],
    },
  ]
  it.each(cases)('$name', ({steps, original, web, plan}) => {
    const got = canaryStepPlan(steps && steps.map((w) => ({instance_weight: w})), original, web)
    expect(got.map((s) => [s.canary, s.original])).toEqual(plan)
  })
})
