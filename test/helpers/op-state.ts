/** Fixtures for plan tests: DeployOptions and an OpState with no I/O behind it. */
import type {OpState} from '../../src/strategies/state.js'
import type {DeployOptions} from '../../src/strategies/types.js'

export const baseOptions: DeployOptions = {
  strategy: 'rolling',
  noWait: false,
  supersede: false,
  stagingTimeoutMs: 1,
  startupTimeoutMs: 1,
  noDelete: false,
  noStop: false,
  venerableSuffix: '-venerable',
  routeSettleMs: 0,
}

/** A started app 'web' in org/space with a snapshot; `bindings` sets how many service bindings it has. */
export function opState(opts: Partial<DeployOptions> = {}, over: Partial<OpState> = {}, extra: {kind?: OpState['kind']; bindings?: number} = {}): OpState {
  return {
    env: {} as OpState['env'],
    opts: {...baseOptions, ...opts},
    kind: extra.kind ?? 'restart',
    target: {org: {guid: 'o', name: 'org'}, space: {guid: 's', name: 'space'}},
    appName: 'web',
    app: {guid: 'a1', name: 'web', state: 'STARTED', metadata: {labels: {}, annotations: {}}} as unknown as OpState['app'],
    routes: 'untouched',
    warnings: [],
    left: [],
    startedAt: 0,
    snapshot: {
      app: {state: 'STARTED'},
      bindings: Array.from({length: extra.bindings ?? 0}, () => ({})),
      routes: [],
      processes: [],
      features: [],
      sidecars: [],
      env: {},
    } as unknown as OpState['snapshot'],
    ...over,
  }
}
