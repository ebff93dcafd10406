import {describe, expect, it} from '@jest/globals'
import {describeSteps} from '../../../src/strategies/actualize.js'
import {blueGreenPlan} from '../../../src/strategies/blue-green.js'
import {deploymentBody, deploymentPlan} from '../../../src/strategies/deployment.js'
import type {OpState} from '../../../src/strategies/state.js'
import type {DeployOptions} from '../../../src/strategies/types.js'
import {baseOptions, opState} from '../../helpers/op-state.js'
import type {Bits} from '../../../src/push/bits.js'
import type {ManifestApp} from '../../../src/push/manifest.js'
import {applyOverrides, entryForNewApp, normalizeEntry, planApp, processPart, splitWebScale, type PreparedApp} from '../../../src/push/plan.js'
import {createPlan, uploadOnlyPlan} from '../../../src/push/run.js'
import {manifestYaml, pushSource} from '../../../src/push/source.js'

const base = baseOptions

const bits = {root: '/app', archive: false, entries: [], fileCount: 3, totalBytes: 10} as Bits

function prepared(manifest: ManifestApp): PreparedApp {
  return {name: manifest.name, manifest, bits, origin: 'manifest.yml:3'}
}

const state = (opts: Partial<DeployOptions> = {}, over: Partial<OpState> = {}) => opState(opts, over, {kind: 'push'})

describe('applyOverrides (command-line flags over the manifest)', () => {
  it('renames, sets buildpacks and stack', () => {
    const out = applyOverrides({name: 'a', buildpack: 'x', stack: 'old'}, {name: 'b', buildpacks: ['go_buildpack'], stack: 'cflinuxfs4'})
    expect(out).toEqual({name: 'b', buildpacks: ['go_buildpack'], stack: 'cflinuxfs4'})
    expect(applyOverrides({name: 'a', buildpacks: ['x']}, {buildpacks: ['default']}).buildpacks).toEqual([])
  })

  it('puts -i/-m/-k on the web process entry when there is one, else on the app', () => {
    expect(applyOverrides({name: 'a', instances: 1}, {instances: 4, memory: '1G', disk: '2G'})).toEqual({
      name: 'a',
      instances: 4,
      memory: '1G',
      disk_quota: '2G',
    })
    expect(applyOverrides({name: 'a', processes: [{type: 'web', instances: 1}, {type: 'worker'}]}, {instances: 4})).toEqual({
      name: 'a',
      processes: [{type: 'web', instances: 4}, {type: 'worker'}],
    })
  })

  it('leaves the input alone', () => {
    const input: ManifestApp = {name: 'a', processes: [{type: 'web'}]}
    applyOverrides(input, {instances: 2})
    expect(input).toEqual({name: 'a', processes: [{type: 'web'}]})
  })
})

describe('normalizeEntry (what apply_manifest gets)', () => {
  it('drops path, turns buildpack into buildpacks, stringifies env and labels, adds default-route', () => {
    expect(normalizeEntry({name: 'a', path: './x', buildpack: 'ruby_buildpack', env: {N: 1, B: true, S: 's', U: null}, metadata: {labels: {tier: 1}}})).toEqual(
      {
        name: 'a',
        buildpacks: ['ruby_buildpack'],
        env: {N: '1', B: 'true', S: 's', U: null},
        metadata: {labels: {tier: '1'}},
        'default-route': true,
      },
    )
  })

  it.each([
    {name: 'routes', app: {name: 'a', routes: [{route: 'a.example.com'}]}},
    {name: 'no-route', app: {name: 'a', 'no-route': true}},
    {name: 'random-route', app: {name: 'a', 'random-route': true}},
    {name: 'default-route: false', app: {name: 'a', 'default-route': false}},
    {name: 'a docker image', app: {name: 'a', docker: {image: 'nginx'}}},
  ])('no default-route when the app says how it is routed: $name', ({app}) => {
    expect(normalizeEntry(app as ManifestApp)['default-route']).toBe((app as ManifestApp)['default-route'])
  })
})

describe('splitWebScale (scale as deployment options)', () => {
  it('takes app-level web scale out of the entry, in MB and bytes', () => {
    expect(splitWebScale({name: 'a', instances: 4, memory: '1G', disk_quota: '512M', 'log-rate-limit-per-second': '1K', command: 'x'})).toEqual({
      entry: {name: 'a', command: 'x'},
      scale: {instances: 4, memoryInMb: 1024, diskInMb: 512, logRateLimit: 1024},
    })
  })

  it('the web process entry wins over app-level values; other processes keep theirs', () => {
    const {entry, scale} = splitWebScale({
      name: 'a',
      instances: 2,
      memory: '256M',
      processes: [
        {type: 'web', instances: 5, 'health-check-type': 'http'},
        {type: 'worker', instances: 2, memory: '128M'},
      ],
    })
    expect(scale).toEqual({instances: 5, memoryInMb: 256})
    expect(entry).toEqual({
      name: 'a',
      processes: [
        {type: 'web', 'health-check-type': 'http'},
        {type: 'worker', instances: 2, memory: '128M'},
      ],
    })
  })

  it('a web entry left with only its type goes', () => {
    expect(splitWebScale({name: 'a', processes: [{type: 'web', instances: 3}]}).entry).toEqual({name: 'a'})
  })

  it('nothing to take: no scale', () => {
    expect(splitWebScale({name: 'a', env: {A: 'b'}})).toEqual({entry: {name: 'a', env: {A: 'b'}}, scale: {}})
  })
})

describe('planApp', () => {
  const app = prepared({name: 'web', instances: 4, memory: '1G', env: {A: 'b'}})
  it.each([
    {name: '--no-start', live: {state: 'STARTED' as const}, opts: {}, noStart: true, mode: 'upload', scale: undefined, applyInstances: 4},
    {name: 'a new app (first push)', live: undefined, opts: {}, noStart: false, mode: 'create', scale: undefined, applyInstances: 4},
    {
      name: 'a new app with a strategy asked for (still created directly)',
      live: undefined,
      opts: {strategy: 'canary' as const},
      noStart: false,
      mode: 'create',
      scale: undefined,
      applyInstances: 4,
    },
    {
      name: 'rolling on a running app: scale goes to the deployment',
      live: {state: 'STARTED' as const},
      opts: {},
      noStart: false,
      mode: 'deploy',
      scale: {instances: 4, memoryInMb: 1024},
      applyInstances: undefined,
    },
    {
      name: 'canary on a running app: scale goes to the deployment',
      live: {state: 'STARTED' as const},
      opts: {strategy: 'canary' as const},
      noStart: false,
      mode: 'deploy',
      scale: {instances: 4, memoryInMb: 1024},
      applyInstances: undefined,
    },
    {
      name: 'rolling on a stopped app: no deployment, so scale is configuration',
      live: {state: 'STOPPED' as const},
      opts: {},
      noStart: false,
      mode: 'deploy',
      scale: undefined,
      applyInstances: 4,
    },
    {
      name: 'blue-green: the new app is configured before it starts',
      live: {state: 'STARTED' as const},
      opts: {strategy: 'blue-green' as const},
      noStart: false,
      mode: 'deploy',
      scale: undefined,
      applyInstances: 4,
    },
  ])('$name', ({live, opts, noStart, mode, scale, applyInstances}) => {
    const plan = planApp(app, live, {...base, ...opts}, noStart)
    expect(plan.mode).toBe(mode)
    expect(plan.opts.scale).toEqual(scale)
    expect(plan.apply.instances).toBe(applyInstances)
    expect(plan.apply).toMatchObject({name: 'web', env: {A: 'b'}, 'default-route': true})
  })

  it('blue-green re-applies only the process settings after copying the old processes', () => {
    const plan = planApp(
      prepared({name: 'web', instances: 2, env: {A: 'b'}, routes: [{route: 'x.example.com'}], processes: [{type: 'worker', command: 'w'}]}),
      {state: 'STARTED'},
      {...base, strategy: 'blue-green'},
      false,
    )
    expect(plan.processes).toEqual({name: 'web', instances: 2, processes: [{type: 'worker', command: 'w'}]})
    expect(processPart({name: 'web', env: {A: 'b'}})).toBeUndefined()
  })

  it('the manifest applied to a blue-green new app drops default-route and random-route when the old app has routes (the switch carries them)', () => {
    const entry = normalizeEntry({name: 'web'})
    expect(entryForNewApp(entry, true)).toEqual({name: 'web'})
    expect(entryForNewApp(entry, false)).toEqual({name: 'web', 'default-route': true})
  })

  it('the deployment carries the droplet and the scale options', () => {
    const plan = planApp(app, {state: 'STARTED'}, {...base, maxInFlight: 2}, false)
    expect(deploymentBody(state(plan.opts, {dropletGuid: 'd2'}))).toEqual({
      relationships: {app: {data: {guid: 'a1'}}},
      strategy: 'rolling',
      droplet: {guid: 'd2'},
      options: {max_in_flight: 2, web_instances: 4, memory_in_mb: 1024},
    })
  })

  it('the applied YAML is one app, version 1, no anchors', () => {
    const shared = {team: 'a'}
    expect(manifestYaml({name: 'web', metadata: {labels: shared, annotations: shared}})).toBe(
      'version: 1\napplications:\n  - name: web\n    metadata:\n      labels:\n        team: a\n      annotations:\n        team: a\n',
    )
  })
})

describe('push steps under each strategy (the shared strategy code, push as the droplet source)', () => {
  /** live null: the app does not exist yet. */
  const plan = (opts: Partial<DeployOptions> = {}, live: {state: 'STARTED' | 'STOPPED'} | null = {state: 'STARTED'}, noStart = false) =>
    planApp(prepared({name: 'web', processes: [{type: 'web', command: 'x'}]}), live ?? undefined, {...base, ...opts}, noStart)
  const rec = () => ({manifestApplied: false})

  it.each([
    {
      name: 'rolling',
      opts: {},
      want: ['Check app web', 'Apply manifest', 'Upload bits (3 files)', 'Stage', 'Create rolling deployment', 'Start new instances'],
    },
    {
      name: 'canary',
      opts: {strategy: 'canary' as const},
      want: ['Check app web', 'Apply manifest', 'Upload bits (3 files)', 'Stage', 'Create canary deployment', 'Start canary instances'],
    },
  ])('$name', ({opts, want}) => {
    const p = plan(opts)
    expect(describeSteps(deploymentPlan(pushSource(p, rec())), state(p.opts))).toEqual(want)
  })

  it('a stopped app is deployed, which starts it (as cf push does)', () => {
    const p = plan({}, {state: 'STOPPED'})
    const s = state(p.opts, {app: {guid: 'a1', name: 'web', state: 'STOPPED'} as OpState['app']})
    expect(describeSteps(deploymentPlan(pushSource(p, rec())), s)).toEqual([
      'Check app web',
      'Apply manifest',
      'Upload bits (3 files)',
      'Stage',
      'Create rolling deployment',
      'Start new instances',
    ])
  })

  it('blue-green: new bits instead of a copied package, and the manifest over the copied configuration', () => {
    const p = plan({strategy: 'blue-green'})
    expect(describeSteps(blueGreenPlan(pushSource(p, rec())), state(p.opts))).toEqual([
      'Check app web',
      'Rename web to web-venerable',
      'Create new app web',
      'Copy app features',
      'Apply manifest',
      'Upload bits (3 files)',
      'Stage',
      'Set current droplet',
      'Configure processes',
      'Apply manifest process settings',
      'Start new instances',
      'Switch routes',
      'Stop old app web-venerable',
      'Check every process type runs',
      'Delete old app web-venerable',
      'Finish',
    ])
  })

  it('a first push is created, staged and started directly', () => {
    const p = plan({}, null)
    expect(describeSteps(createPlan(p, rec()), state(p.opts))).toEqual([
      'Create app web from the manifest',
      'Upload bits (3 files)',
      'Stage',
      'Set current droplet',
      'Start app',
    ])
    expect(describeSteps(createPlan(p, rec()), state({...p.opts, noWait: true}))).toContain('Start app (until the first instance runs)')
  })

  it('--no-start applies and uploads only', () => {
    expect(describeSteps(uploadOnlyPlan(plan({}, {state: 'STARTED'}, true), rec()), state())).toEqual(['Apply manifest', 'Upload bits (3 files)'])
    expect(describeSteps(uploadOnlyPlan(plan({}, null, true), rec()), state())).toEqual(['Create app web from the manifest', 'Upload bits (3 files)'])
  })

  it('a docker image is a package, not bits', () => {
    const p = planApp({name: 'web', manifest: {name: 'web', docker: {image: 'nginx:1'}}, docker: {image: 'nginx:1'}, origin: 'x'}, undefined, base, false)
    expect(describeSteps(createPlan(p, rec()), state())).toContain('Create docker package (nginx:1)')
  })
})
