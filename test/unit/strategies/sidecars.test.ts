import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {FakeClock} from '../../../src/clock.js'
import {describeSteps} from '../../../src/strategies/actualize.js'
import {blueGreenPlan, copySidecars} from '../../../src/strategies/blue-green.js'
import {restartSource} from '../../../src/strategies/sources.js'
import {have, type OpState} from '../../../src/strategies/state.js'
import {API, useMsw} from '../../helpers/msw.js'
import {opState} from '../../helpers/op-state.js'

const server = useMsw()

const sidecar = (name: string, appGuid: string, origin = 'user') => ({
  guid: `sc-${name}`,
  name,
  command: `./${name}`,
  process_types: ['web'],
  memory_in_mb: 32,
  origin,
  relationships: {app: {data: {guid: appGuid}}},
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
})
const page = (resources: unknown[]) => ({pagination: {total_results: resources.length, total_pages: 1, next: null}, resources})

describe('blue-green sidecars', () => {
  it('creates the stable app’s own sidecars on the new app, once', async () => {
    const created: unknown[] = []
    let onNew: unknown[] = [sidecar('existing', 'new')]
    server.use(
      http.get(`${API}/v3/apps/new/sidecars`, () => HttpResponse.json(page(onNew))),
      http.post(`${API}/v3/apps/new/sidecars`, async ({request}) => {
        const body = (await request.json()) as {name: string}
        created.push(body)
        const made = {...sidecar(body.name, 'new'), ...body}
        onNew = [...onNew, made]
        return HttpResponse.json(made, {status: 201})
      }),
    )
    const s = opState({strategy: 'blue-green'}, {newApp: {guid: 'new'} as OpState['app']})
    s.env = {capi: new CapiClient({apiUrl: API, clock: new FakeClock()})} as OpState['env']
    s.snapshot = {...s.snapshot!, sidecars: [sidecar('auth', 'old'), sidecar('existing', 'old')] as never}
    const bg = have(s, ['snapshot', 'newApp'], 'the test')
    expect(await copySidecars(bg)).toBe('created auth')
    expect(created).toEqual([{name: 'auth', command: './auth', process_types: ['web'], memory_in_mb: 32}])
    // a re-run finds it there and creates nothing
    expect(await copySidecars(bg)).toBe('already there')
    expect(created).toHaveLength(1)
  })

  it('the plan copies sidecars only when the app has some', () => {
    const s = opState({strategy: 'blue-green'})
    expect(describeSteps(blueGreenPlan(restartSource), s)).not.toContain('Copy sidecars')
    s.snapshot = {...s.snapshot!, sidecars: [sidecar('auth', 'old')] as never}
    const steps = describeSteps(blueGreenPlan(restartSource), s)
    expect(steps.indexOf('Copy sidecars')).toBeGreaterThan(steps.indexOf('Configure processes'))
    expect(steps.indexOf('Copy sidecars')).toBeLessThan(steps.findIndex((t) => t.startsWith('Start')))
  })
})
