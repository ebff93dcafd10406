import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import type {Deployment} from '../../../src/capi/resources/deployments.js'
import {FakeClock} from '../../../src/clock.js'
import {summarizeStats, WaitFailure, watchDeployment} from '../../../src/strategies/wait.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()

function deployment(reason: string, value = 'ACTIVE', extra: Record<string, unknown> = {}) {
  return {
    guid: 'd1',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    status: {value, reason, details: {}},
    strategy: 'rolling',
    options: {max_in_flight: 1},
    droplet: {guid: 'drop'},
    new_processes: [{guid: 'p-new', type: 'web'}],
    relationships: {app: {data: {guid: 'a1'}}},
    metadata: {labels: {}, annotations: {}},
    ...extra,
  }
}

const stat = (index: number, state: string, routable = true, details: string | null = null) => ({type: 'web', index, state, routable, details})

describe('summarizeStats', () => {
  it('classifies like the updater and pads missing indexes as DOWN', () => {
    const s = summarizeStats([stat(0, 'RUNNING'), stat(1, 'RUNNING', false), stat(2, 'CRASHED', false, 'Instance never healthy')] as never, 4)
    expect(s).toMatchObject({desired: 4, routable: 1, running: 2, starting: 1, crashed: 1, down: 1})
    expect(s.states).toEqual(['#0 RUNNING', '#1 RUNNING (not routable yet)', '#2 CRASHED (Instance never healthy)', '#3 DOWN'])
    expect(s.reasons).toEqual(['Instance never healthy'])
  })
  it('treats routable: null (no readiness support) as routable when RUNNING', () => {
    expect(summarizeStats([{...stat(0, 'RUNNING'), routable: null}] as never).routable).toBe(1)
  })
})

describe('watchDeployment', () => {
  const client = (clock: FakeClock) => new CapiClient({apiUrl: API, clock})

  it('returns once DEPLOYED, reading stats for progress once the deployment has been quiet for a while', async () => {
    let polls = 0
    const seen: number[] = []
    server.use(
      http.get(`${API}/v3/deployments/d1`, () => HttpResponse.json(++polls >= 6 ? deployment('DEPLOYED', 'FINALIZED') : deployment('DEPLOYING'))),
      http.get(`${API}/v3/processes/p-new/stats`, () => HttpResponse.json({resources: [stat(0, 'RUNNING'), stat(1, 'STARTING', false)]})),
    )
    const clock = new FakeClock()
    const res = await watchDeployment(client(clock), deployment('DEPLOYING') as unknown as Deployment, {
      clock,
      goal: 'deployed',
      target: 2,
      timeoutMs: 60_000,
      onProgress: (p) => seen.push(p.instances?.routable ?? -1),
    })
    expect(res.deployment.status.reason).toBe('DEPLOYED')
    expect(polls).toBe(6)
    expect(seen).toContain(1)
  })

  it('fails as crashed when every new instance crashed, with the reason', async () => {
    server.use(
      http.get(`${API}/v3/deployments/d1`, () => HttpResponse.json(deployment('DEPLOYING'))),
      http.get(`${API}/v3/processes/p-new/stats`, () => HttpResponse.json({resources: [stat(0, 'CRASHED', false, 'APP/PROC/WEB: Exited with status 1')]})),
    )
    const clock = new FakeClock()
    const err = await watchDeployment(client(clock), deployment('DEPLOYING') as unknown as Deployment, {
      clock,
      goal: 'deployed',
      target: 1,
      timeoutMs: 60_000,
    }).catch((e) => e)
    expect(err).toBeInstanceOf(WaitFailure)
    expect(err.kind).toBe('crashed')
    expect(err.message).toMatch(/Exited with status 1/)
  })

  it('times out when nothing progresses, measured on the injected clock', async () => {
    server.use(
      http.get(`${API}/v3/deployments/d1`, () => HttpResponse.json(deployment('DEPLOYING'))),
      http.get(`${API}/v3/processes/p-new/stats`, () => HttpResponse.json({resources: [stat(0, 'STARTING', false)]})),
    )
    const clock = new FakeClock()
    const t0 = clock.now()
    const err = await watchDeployment(client(clock), deployment('DEPLOYING') as unknown as Deployment, {
      clock,
      goal: 'deployed',
      target: 1,
      timeoutMs: 120_000,
    }).catch((e) => e)
    expect(err.kind).toBe('timeout')
    expect(clock.now() - t0).toBeGreaterThanOrEqual(120_000)
    expect(clock.now() - t0).toBeLessThan(125_000)
  })

  it('reports a cancel by someone else, and accepts it when the goal is finalized', async () => {
    server.use(http.get(`${API}/v3/deployments/d1`, () => HttpResponse.json(deployment('CANCELED', 'FINALIZED'))))
    const clock = new FakeClock()
    const err = await watchDeployment(client(clock), deployment('DEPLOYING') as unknown as Deployment, {
      clock,
      goal: 'deployed',
      target: 1,
      timeoutMs: 60_000,
    }).catch((e) => e)
    expect(err.kind).toBe('canceled')
    const ok = await watchDeployment(client(clock), deployment('CANCELING') as unknown as Deployment, {clock, goal: 'finalized', target: 0, timeoutMs: 60_000})
    expect(ok.deployment.status.reason).toBe('CANCELED')
  })

  it('keeps waiting through transient API errors', async () => {
    let n = 0
    server.use(
      http.get(`${API}/v3/deployments/d1`, () => (++n < 8 ? new HttpResponse('busy', {status: 503}) : HttpResponse.json(deployment('DEPLOYED', 'FINALIZED')))),
      http.get(`${API}/v3/processes/p-new/stats`, () => HttpResponse.json({resources: [stat(0, 'RUNNING')]})),
    )
    const clock = new FakeClock()
    const res = await watchDeployment(client(clock), deployment('DEPLOYING') as unknown as Deployment, {clock, goal: 'deployed', target: 1, timeoutMs: 60_000})
    expect(res.deployment.status.reason).toBe('DEPLOYED')
  })

  it('fails on a details.error that persists (for example quota on scale-up)', async () => {
    server.use(
      http.get(`${API}/v3/deployments/d1`, () =>
        HttpResponse.json({...deployment('DEPLOYING'), status: {value: 'ACTIVE', reason: 'DEPLOYING', details: {error: 'memory quota_exceeded'}}}),
      ),
      http.get(`${API}/v3/processes/p-new/stats`, () => HttpResponse.json({resources: [stat(0, 'RUNNING')]})),
    )
    const clock = new FakeClock()
    const err = await watchDeployment(client(clock), deployment('DEPLOYING') as unknown as Deployment, {
      clock,
      goal: 'deployed',
      target: 2,
      timeoutMs: 600_000,
    }).catch((e) => e)
    expect(err.kind).toBe('error')
    expect(err.message).toMatch(/quota_exceeded/)
  })
})
