import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {startTestFoundation, type TestFoundation, viaRouter} from './helpers.js'

describe('local foundation: default seed', () => {
  let t: TestFoundation
  beforeAll(async () => {
    t = await startTestFoundation()
  })
  afterAll(() => t.stop())

  it("serves the sample app through the router and lists it with cfzd's client", async () => {
    const apps = []
    for await (const a of t.capi.apps.list({names: ['sample']})) apps.push(a)
    expect(apps).toHaveLength(1)
    expect(apps[0].state).toBe('STARTED')
    const stats = await t.capi.processes.stats((await t.capi.processes.getForApp(apps[0].guid, 'web')).guid)
    expect(stats.map((s) => s.state)).toEqual(['RUNNING', 'RUNNING'])
    const r = await viaRouter(t.lf, `sample.${t.lf.sharedDomain}`)
    expect(r.status).toBe(200)
    expect(r.json.app).toEqual({name: 'sample', guid: apps[0].guid})
    expect(r.headers['x-cfzd-droplet-guid']).toBe(apps[0].relationships.current_droplet?.data?.guid)
  })
})
