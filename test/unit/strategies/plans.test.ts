import {describe, expect, it} from '@jest/globals'
import {describeSteps} from '../../../src/strategies/actualize.js'
import {blueGreenPlan, rollbackPlan} from '../../../src/strategies/blue-green.js'
import {deploymentBody, deploymentPlan} from '../../../src/strategies/deployment.js'
import {restageSource, restartSource} from '../../../src/strategies/sources.js'
import type {OpState} from '../../../src/strategies/state.js'
import type {DeployOptions} from '../../../src/strategies/types.js'
import {opState} from '../../helpers/op-state.js'

const state = (opts: Partial<DeployOptions> = {}, over: Partial<OpState> = {}) => opState(opts, over, {bindings: 1})

describe('plans', () => {
  it.each([
    {name: 'rolling restart', source: restartSource, opts: {}, want: ['Check app web', 'Create rolling deployment', 'Start new instances']},
    {
      name: 'rolling restage',
      source: restageSource,
      opts: {},
      want: ['Check app web', 'Stage newest package', 'Create rolling deployment', 'Start new instances'],
    },
    {
      name: 'canary restart',
      source: restartSource,
      opts: {strategy: 'canary' as const},
      want: ['Check app web', 'Create canary deployment', 'Start canary instances'],
    },
  ])('$name', ({source, opts, want}) => {
    expect(describeSteps(deploymentPlan(source), state(opts))).toEqual(want)
  })

  const bgBase = ['Check app web', 'Rename web to web-venerable', 'Create new app web', 'Copy app features', 'Re-create service bindings']
  const bgEnd = ['Set current droplet', 'Configure processes', 'Start new instances', 'Switch routes']
  it.each([
    {
      name: 'bg-restart',
      source: restartSource,
      opts: {},
      want: [
        ...bgBase,
        'Copy package',
        'Copy droplet',
        ...bgEnd,
        'Stop old app web-venerable',
        'Check every process type runs',
        'Delete old app web-venerable',
        'Finish',
      ],
    },
    {
      name: 'bg-restage',
      source: restageSource,
      opts: {},
      want: [
        ...bgBase,
        'Copy package',
        'Stage',
        ...bgEnd,
        'Stop old app web-venerable',
        'Check every process type runs',
        'Delete old app web-venerable',
        'Finish',
      ],
    },
    {
      name: 'bg --no-delete',
      source: restartSource,
      opts: {noDelete: true},
      want: [...bgBase, 'Copy package', 'Copy droplet', ...bgEnd, 'Stop old app web-venerable', 'Check every process type runs', 'Finish'],
    },
    {name: 'bg --no-stop', source: restartSource, opts: {noStop: true, noDelete: true}, want: [...bgBase, 'Copy package', 'Copy droplet', ...bgEnd, 'Finish']},
    {
      name: 'bg with suffix',
      source: restartSource,
      opts: {venerableSuffix: '-old'},
      want: [
        'Check app web',
        'Rename web to web-old',
        'Create new app web',
        'Copy app features',
        'Re-create service bindings',
        'Copy package',
        'Copy droplet',
        ...bgEnd,
        'Stop old app web-old',
        'Check every process type runs',
        'Delete old app web-old',
        'Finish',
      ],
    },
  ])('$name', ({source, opts, want}) => {
    expect(describeSteps(blueGreenPlan(source), state({strategy: 'blue-green', ...opts}))).toEqual(want)
  })

  it('a stopped app is copied without starting or stopping anything', () => {
    const s = state({strategy: 'blue-green'})
    s.snapshot = {...s.snapshot!, app: {...s.snapshot!.app, state: 'STOPPED'}, bindings: []}
    const steps = describeSteps(blueGreenPlan(restartSource), s)
    expect(steps).not.toContain('Start new instances')
    expect(steps).not.toContain('Stop old app web-venerable')
    expect(steps).not.toContain('Re-create service bindings')
  })

  it('rollback restores routes only when they moved, and renames back only when renamed', () => {
    const s = state({strategy: 'blue-green'}, {newApp: {guid: 'n'} as OpState['app']})
    expect(describeSteps(rollbackPlan(), s)).toEqual(['Delete new app web'])
    s.routes = 'mapped-both'
    s.app = {...s.app, name: 'web-venerable'}
    expect(describeSteps(rollbackPlan(), s)).toEqual(['Restore routes to the old app', 'Delete new app web', 'Rename web-venerable back to web'])
  })
})

describe('deploymentBody', () => {
  it('omits droplet and options when not given (cf restart --strategy rolling)', () => {
    expect(deploymentBody(state())).toEqual({relationships: {app: {data: {guid: 'a1'}}}, strategy: 'rolling'})
  })
  it('carries droplet, max_in_flight, canary steps and scale options', () => {
    const s = state({strategy: 'canary', maxInFlight: 2, instanceSteps: [20, 60], scale: {instances: 4, memoryInMb: 512}}, {dropletGuid: 'd2'})
    expect(deploymentBody(s)).toEqual({
      relationships: {app: {data: {guid: 'a1'}}},
      strategy: 'canary',
      droplet: {guid: 'd2'},
      options: {max_in_flight: 2, canary: {steps: [{instance_weight: 20}, {instance_weight: 60}]}, web_instances: 4, memory_in_mb: 512},
    })
  })
})
