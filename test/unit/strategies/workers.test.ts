import {describe, expect, it} from '@jest/globals'
import {CapiNotFound} from '../../../src/capi/errors.js'
import type {Process} from '../../../src/capi/resources/processes.js'
import {FakeClock} from '../../../src/clock.js'
import {deployOptions} from '../../../src/deploy-options.js'
import type {OperationEnv} from '../../../src/strategies/types.js'
import {waitOldWebGone, watchAvailability, workerWarning} from '../../../src/strategies/workers.js'

const proc = (guid: string, type: string, instances: number) => ({guid, type, instances}) as unknown as Process
const running = (n: number, of: number) => Array.from({length: of}, (_, index) => ({type: 'x', index, state: index < n ? 'RUNNING' : 'STARTING'}))

/** A client whose process stats follow a script: one answer per read, the last one repeated. */
function env(processes: Process[], script: Record<string, (ReturnType<typeof running> | Error)[]>, clock = new FakeClock()) {
  const reads: Record<string, number> = {}
  const capi = {
    processes: {
      forApp: async (_app: string, q: {types?: string[]} = {}) => processes.filter((p) => !q.types || q.types.includes(p.type)),
      stats: async (guid: string) => {
        const list = script[guid]
        const i = Math.min(reads[guid] ?? 0, list.length - 1)
        reads[guid] = (reads[guid] ?? 0) + 1
        const answer = list[i]
        if (answer instanceof Error) throw answer
        return answer
      },
    },
  }
  return {capi, clock, signal: new AbortController().signal} as unknown as OperationEnv
}

describe('workerWarning', () => {
  it('names every non-web process with instances, says they restart together and suggests blue-green', () => {
    const line = workerWarning([proc('w', 'web', 3), proc('a', 'worker', 2), proc('b', 'clock', 1), proc('c', 'idle', 0)], 'rolling')!
    expect(line).toMatch(/^Non-web processes worker \(2 instances\), clock \(1 instance\) will restart all at once at the end of this rolling deployment/)
    expect(line).toMatch(/--strategy blue-green/)
    expect(line).not.toMatch(/idle/)
  })

  it('says nothing for an app with only web', () => {
    expect(workerWarning([proc('w', 'web', 3), proc('c', 'worker', 0)], 'canary')).toBeUndefined()
  })
})

describe('watchAvailability', () => {
  it('counts the time at 0 running instances per type, from the finalize until one runs', async () => {
    const e = env([proc('w', 'web', 2), proc('k', 'worker', 2)], {w: [running(2, 2)], k: [running(0, 2), running(0, 2), running(0, 2), running(1, 2)]})
    const since = e.clock.now()
    const out = await watchAvailability(e, 'app', {since, timeoutMs: 60_000, intervalMs: 500})
    expect(out).toEqual([
      {type: 'web', instances: 2, zeroMs: 0, recovered: true},
      {type: 'worker', instances: 2, zeroMs: 1500, recovered: true},
    ])
  })

  it('reports a type that never comes back as not recovered, without failing', async () => {
    const e = env([proc('k', 'worker', 1)], {k: [running(0, 1)]})
    const out = await watchAvailability(e, 'app', {since: e.clock.now(), timeoutMs: 2000, intervalMs: 500})
    expect(out).toEqual([{type: 'worker', instances: 1, zeroMs: 2000, recovered: false}])
  })
})

describe('waitOldWebGone', () => {
  it('waits until the old web processes report no instance (gone: 404)', async () => {
    const e = env([proc('new', 'web', 2), proc('old', 'web', 2)], {
      old: [running(1, 2), new CapiNotFound(404, [{code: 10010, title: 'CF-ResourceNotFound', detail: 'Process not found'}])],
    })
    expect(await waitOldWebGone(e, [proc('old', 'web', 2)], 10_000)).toBe(0)
    expect((e.clock as FakeClock).sleeps).toEqual([500])
  })
})

describe('--drain', () => {
  it('defaults to 15s; the flag wins over CFZD_DRAIN; a bad CFZD_DRAIN is a usage error', () => {
    expect(deployOptions({}, {}, 'blue-green').drainMs).toBe(15_000)
    expect(deployOptions({}, {CFZD_DRAIN: '2s'}, 'blue-green').drainMs).toBe(2000)
    expect(deployOptions({drain: 0}, {CFZD_DRAIN: '2s'}, 'blue-green').drainMs).toBe(0)
    expect(() => deployOptions({}, {CFZD_DRAIN: 'soon'}, 'blue-green')).toThrow(/CFZD_DRAIN: Invalid duration/)
  })
})
