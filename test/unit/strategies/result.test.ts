/** The one OperationResult builder: what every operation reports, and the defaults it fills in. */
import {describe, expect, it} from '@jest/globals'
import type {Deployment} from '../../../src/capi/resources/deployments.js'
import {FakeClock} from '../../../src/clock.js'
import {deploymentOutcome, operationResult} from '../../../src/strategies/result.js'
import {example} from '../../helpers/check-msw.js'

const clock = new FakeClock(10_000)
const deployment = (value: string, reason: string) =>
  ({...example('deployment'), guid: 'dep1', status: {value, reason, details: {}, canary: {steps: {current: 1, total: 2}}}}) as Deployment

describe('operationResult', () => {
  it("takes the operation, warnings and start time from the operation's state", () => {
    const warnings = ['w1']
    const r = operationResult(
      {env: {clock}, startedAt: 4_000, kind: 'restage', warnings},
      {strategy: 'blue-green', app: {name: 'web', guid: 'n1'}, outcome: 'started', durationsMs: {check: 1}},
    )
    expect(r).toStrictEqual({
      operation: 'restage',
      strategy: 'blue-green',
      app: {name: 'web', guid: 'n1'},
      outcome: 'started',
      durationsMs: {check: 1},
      totalMs: 6_000,
      left: [],
      warnings: ['w1'],
      next: [],
    })
  })

  it('reports a deployment by guid, status, reason and canary steps, and a droplet only when there is one', () => {
    const d = deployment('ACTIVE', 'PAUSED')
    const r = operationResult(
      {env: {clock}, startedAt: 0},
      {
        operation: 'continue-deployment',
        strategy: 'canary',
        app: {name: 'web', guid: 'a1'},
        deployment: d,
        droplet: {guid: undefined, previous: 'd0'},
        outcome: deploymentOutcome(d),
        durationsMs: {},
      },
    )
    expect(r.deployment).toEqual({guid: 'dep1', status: 'ACTIVE', reason: 'PAUSED', canarySteps: {current: 1, total: 2}})
    expect(r.outcome).toBe('paused')
    expect('droplet' in r).toBe(false)
    expect(
      operationResult(
        {env: {clock}, startedAt: 0, kind: 'restart'},
        {strategy: 'rolling', app: {name: 'web', guid: 'a1'}, droplet: {guid: 'd1', previous: 'd0'}, outcome: 'deployed', durationsMs: {}},
      ).droplet,
    ).toEqual({guid: 'd1', previous: 'd0'})
  })

  it('deploymentOutcome: FINALIZED is deployed, PAUSED is paused, else deploying', () => {
    expect(deploymentOutcome(deployment('FINALIZED', 'DEPLOYED'))).toBe('deployed')
    expect(deploymentOutcome(deployment('ACTIVE', 'PAUSED'))).toBe('paused')
    expect(deploymentOutcome(deployment('ACTIVE', 'DEPLOYING'))).toBe('deploying')
  })
})
