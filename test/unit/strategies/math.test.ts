import {describe, expect, it} from '@jest/globals'
import {canaryPeakExtraInstances, canaryStepPlan, rollingPeakExtraInstances} from '../../../src/strategies/math.js'

describe('canaryStepPlan (Cloud Controller canary_step_plan)', () => {
  it.each([
    {
      name: 'CC spec: 10 instances, 20/40',
      n: 10,
      steps: [20, 40],
      want: [
        {canary: 2, original: 9},
        {canary: 4, original: 7},
      ],
    },
    {
      name: 'CC spec: 5 instances, 20/40',
      n: 5,
      steps: [20, 40],
      want: [
        {canary: 1, original: 5},
        {canary: 2, original: 4},
      ],
    },
    {name: 'no steps: one canary, all originals', n: 4, steps: [], want: [{canary: 1, original: 4}]},
    {name: 'undefined steps', n: 3, steps: undefined, want: [{canary: 1, original: 3}]},
    {name: '100% drops the originals', n: 3, steps: [100], want: [{canary: 3, original: 0}]},
    {name: 'tiny weight rounds up to one', n: 10, steps: [1], want: [{canary: 1, original: 10}]},
    {name: 'half rounds away from zero', n: 5, steps: [50], want: [{canary: 3, original: 3}]},
    {
      name: 'duplicates allowed',
      n: 10,
      steps: [30, 30, 60],
      want: [
        {canary: 3, original: 8},
        {canary: 3, original: 8},
        {canary: 6, original: 5},
      ],
    },
  ])('$name', ({n, steps, want}) => {
    expect(canaryStepPlan(n, steps)).toEqual(want)
  })
})

describe('peak extra instances (quota headroom)', () => {
  it.each([
    {target: 10, mif: 1, want: 1},
    {target: 10, mif: 3, want: 3},
    {target: 2, mif: 5, want: 2},
    {target: 0, mif: 1, want: 0},
    {target: 1, mif: undefined, want: 1},
  ])('rolling target=$target mif=$mif → $want', ({target, mif, want}) => {
    expect(rollingPeakExtraInstances(target, mif)).toBe(want)
  })

  it.each([
    {target: 10, steps: [20, 40], mif: 1, want: 1},
    {target: 10, steps: undefined, mif: 2, want: 2},
    {target: 5, steps: [20, 40], mif: 1, want: 1},
    {target: 4, steps: [50], mif: 1, want: 1},
    {target: 10, steps: [100], mif: 1, want: 1},
  ])('canary target=$target steps=$steps mif=$mif → $want', ({target, steps, mif, want}) => {
    expect(canaryPeakExtraInstances(target, steps, mif)).toBe(want)
  })
})
