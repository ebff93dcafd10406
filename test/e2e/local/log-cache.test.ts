/**
 * The local foundation's log-cache: the root's log_cache link, the read endpoint's envelope batch
 * (protojson: ns timestamps as strings, base64 payloads), its parameters, the token check, and what
 * is logged: staging (STG), instances (CELL, APP/PROC/WEB, API) and every request (RTR).
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {zipSync} from 'fflate'
import {startTestFoundation, type TestFoundation, until, viaRouter} from './helpers.js'

let t: TestFoundation
let space: string
const decode = (e: {log: {payload: string}}) => Buffer.from(e.log.payload, 'base64').toString('utf8')
type Batch = {
  envelopes: {batch: {timestamp: string; source_id: string; instance_id: string; tags: {source_type: string}; log: {payload: string; type?: string}}[]}
}

beforeAll(async () => {
  t = await startTestFoundation()
  await t.lf.seed({orgs: [{name: 'local', spaces: [{name: 'dev', apps: [{name: 'web', instances: 1, memory: '64M', buildpacks: ['nodejs_buildpack']}]}]}]})
  space = (await t.capi.spaces.list({names: ['dev']}))[0].guid
})
afterAll(() => t.stop())

describe('log-cache read API', () => {
  it('is advertised at the root and answers for the app guid with instance and router lines', async () => {
    const root = await t.api('/')
    expect(root.body.links.log_cache.href).toBe(`${t.lf.apiUrl}/log-cache`)
    const app = (await t.capi.apps.findByName(space, 'web'))!
    await t.lf.settle()
    expect((await viaRouter(t.lf, 'web.apps.localhost', '/hello')).status).toBe(200)
    const r = await until(async () => {
      const res = await t.api(`/log-cache/api/v1/read/${app.guid}?start_time=0&envelope_types=LOG`)
      return (res.body as Batch).envelopes.batch.some((e) => e.tags.source_type === 'RTR') && res
    })
    expect(r.status).toBe(200)
    const batch = (r.body as Batch).envelopes.batch
    for (const e of batch) {
      expect(e.timestamp).toMatch(/^\d{19}$/)
      expect(e.source_id).toBe(app.guid)
    }
    const ts = batch.map((e) => BigInt(e.timestamp))
    expect([...ts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ts)
    const text = batch.map((e) => `[${e.tags.source_type}/${e.instance_id}] ${e.log.type ?? 'OUT'} ${decode(e)}`)
    expect(text).toContainEqual(expect.stringMatching(/^\[CELL\/0\] OUT Cell cfzd-local creating container for instance /))
    expect(text).toContainEqual('[CELL/0] OUT Container became healthy')
    expect(text).toContainEqual(
      expect.stringMatching(/^\[RTR\/0\] OUT web\.apps\.localhost - \[.*\] "GET \/hello HTTP\/1\.1" 200 0 \d+ .* app_id:"[0-9a-f-]+" app_index:"0"/),
    )
  })

  it('limit and descending give the newest first; other envelope types read nothing; bad input is a 400; a token is needed', async () => {
    const app = (await t.capi.apps.findByName(space, 'web'))!
    const all = ((await t.api(`/log-cache/api/v1/read/${app.guid}`)).body as Batch).envelopes.batch
    const newest = ((await t.api(`/log-cache/api/v1/read/${app.guid}?limit=2&descending=true&envelope_types=LOG`)).body as Batch).envelopes.batch
    expect(newest.map((e) => e.timestamp)).toEqual(
      all
        .slice(-2)
        .reverse()
        .map((e) => e.timestamp),
    )
    expect(((await t.api(`/log-cache/api/v1/read/${app.guid}?envelope_types=GAUGE`)).body as Batch).envelopes.batch).toEqual([])
    expect(((await t.api(`/log-cache/api/v1/read/${app.guid}?start_time=${BigInt(Date.now() + 60_000) * 1_000_000n}`)).body as Batch).envelopes.batch).toEqual(
      [],
    )
    const bad = await t.api(`/log-cache/api/v1/read/${app.guid}?limit=1001`)
    expect(bad.status).toBe(400)
    expect(bad.body).toEqual({code: 3, message: 'limit (1001) must be 1000 or less', details: []})
    const anonymous = await fetch(`${t.lf.apiUrl}/log-cache/api/v1/read/${app.guid}`)
    expect(anonymous.status).toBe(401)
  })

  it('staging logs STG lines: the app CFZD_LOCAL_STAGING_OUTPUT, the failure on ERR, exit status', async () => {
    const app = (await t.capi.apps.findByName(space, 'web'))!
    await t.capi.env.update(app.guid, {CFZD_LOCAL_STAGING_OUTPUT: 'line one\nline two', CFZD_LOCAL_STAGING_FAIL: 'true'})
    const pkg = await t.capi.packages.create({type: 'bits', relationships: {app: {data: {guid: app.guid}}}})
    await t.capi.packages.upload(pkg.guid, Buffer.from(zipSync({'package.json': new TextEncoder().encode('{}')})), [])
    await until(async () => (await t.capi.packages.get(pkg.guid)).state === 'READY')
    const build = await t.capi.builds.create({package: {guid: pkg.guid}})
    await until(async () => (await t.capi.builds.get(build.guid)).state === 'FAILED')
    const batch = ((await t.api(`/log-cache/api/v1/read/${app.guid}?envelope_types=LOG&limit=1000`)).body as Batch).envelopes.batch
    const stg = batch.filter((e) => e.tags.source_type === 'STG').map((e) => `${e.log.type ?? 'OUT'} ${decode(e)}`)
    expect(stg.slice(-4)).toEqual([
      'OUT line one',
      'OUT line two',
      'ERR Failed to compile droplet: StagingError - Staging error: staging failed',
      'OUT Exit status 223',
    ])
  })
})
