/**
 * Right before blue-green switches routes it checks that nobody deployed the old app meanwhile.
 * The app's newest deployment from before the run (remembered by the check step) is not someone
 * else's, even when it was created within the second before the run started.
 */
import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {checkOldApp} from '../../../src/strategies/blue-green.js'
import type {BgState} from '../../../src/strategies/state.js'
import type {TaskHandle} from '../../../src/strategies/types.js'
import {APP, checkState, example} from '../../helpers/check-msw.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const STARTED = Date.parse('2026-12-06T10:00:00.400Z')
const task: TaskHandle = {setTitle: () => {}, output: () => {}, skip: () => {}}
const page = (resources: unknown[]) => ({
  pagination: {total_results: resources.length, total_pages: 1, first: null, last: null, next: null, previous: null},
  resources,
})
const deployment = (guid: string, createdAt: string) => ({
  ...example('deployment'),
  guid,
  created_at: createdAt,
  status: {value: 'FINALIZED', reason: 'DEPLOYED', details: {}},
  relationships: {app: {data: {guid: APP.guid}}},
})

function state(deploymentBefore: string | undefined, newest: ReturnType<typeof deployment>): BgState {
  server.use(
    http.get(`${API}/v3/apps/${APP.guid}`, () => HttpResponse.json(APP)),
    http.get(`${API}/v3/deployments`, () => HttpResponse.json(page([newest]))),
  )
  const s = checkState({strategy: 'blue-green'}, {startedAt: STARTED, deploymentBefore}) as BgState
  return s
}

describe("blue-green's check before the switch", () => {
  it('lets the newest deployment from before the run pass, though it was created in the same second', async () => {
    const s = state('dep-before', deployment('dep-before', '2026-12-06T10:00:00Z'))
    await expect(checkOldApp(s, task)).resolves.toBeUndefined()
  })

  it('stops at a deployment someone else created during the run', async () => {
    const s = state('dep-before', deployment('dep-theirs', '2026-12-06T10:00:03Z'))
    await expect(checkOldApp(s, task)).rejects.toThrow(/^Someone else started deployment dep-theirs \(FINALIZED\/DEPLOYED\) on the old app/)
  })
})
