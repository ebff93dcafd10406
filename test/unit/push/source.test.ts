/** The push steps against a mocked Cloud Controller: what apply_manifest gets, and what the upload sends. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from '@jest/globals'
import {unzipSync} from 'fflate'
import {load} from 'js-yaml'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {systemClock} from '../../../src/clock.js'
import {actualize} from '../../../src/strategies/actualize.js'
import type {OpState} from '../../../src/strategies/state.js'
import type {DeployOptions} from '../../../src/strategies/types.js'
import {scanBits} from '../../../src/push/bits.js'
import {planApp} from '../../../src/push/plan.js'
import {applyManifestStep, applyProcessesStep, uploadStep, type PushRecord} from '../../../src/push/source.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-source-'))
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

const base: DeployOptions = {
  strategy: 'rolling',
  noWait: false,
  supersede: false,
  stagingTimeoutMs: 5000,
  startupTimeoutMs: 5000,
  noDelete: false,
  noStop: false,
  venerableSuffix: '-venerable',
  routeSettleMs: 0,
}
const T = '2026-01-01T00:00:00Z'

function state(capi: CapiClient, over: Partial<OpState> = {}): OpState {
  return {
    env: {capi, clock: systemClock, signal: new AbortController().signal, ui: {warn() {}} as unknown as OpState['env']['ui']},
    opts: base,
    kind: 'push',
    target: {org: {guid: 'o', name: 'org'}, space: {guid: 's1', name: 'space'}},
    appName: 'web',
    app: {guid: 'a1', name: 'web', state: 'STARTED', relationships: {space: {data: {guid: 's1'}}}} as unknown as OpState['app'],
    routes: 'untouched',
    warnings: [],
    left: [],
    startedAt: Date.now(),
    ...over,
  }
}

const pkg = (state: string) => ({
  guid: 'p1',
  type: 'bits',
  data: {checksum: {type: 'sha256', value: null}, error: null},
  state,
  created_at: T,
  updated_at: T,
  relationships: {app: {data: {guid: 'a1'}}},
  metadata: {labels: {}, annotations: {}},
})

/** apply_manifest answers with a job that is COMPLETE at once; returns the YAML bodies received. */
function acceptManifests(): unknown[] {
  const applied: unknown[] = []
  server.use(
    http.post(`${API}/v3/spaces/s1/actions/apply_manifest`, async ({request}) => {
      expect(request.headers.get('content-type')).toBe('application/x-yaml')
      applied.push(load(await request.text()))
      return new HttpResponse(null, {status: 202, headers: {location: `${API}/v3/jobs/j1`}})
    }),
    http.get(`${API}/v3/jobs/j1`, () =>
      HttpResponse.json({
        guid: 'j1',
        operation: 'space.apply_manifest',
        state: 'COMPLETE',
        errors: [],
        warnings: [{detail: 'a warning'}],
        created_at: T,
        updated_at: T,
      }),
    ),
  )
  return applied
}

describe('apply manifest', () => {
  it('rolling on a running app: the entry without the web scale (it goes to the deployment), and it says what changed', async () => {
    const applied = acceptManifests()
    const capi = new CapiClient({apiUrl: API})
    const plan = planApp({name: 'web', manifest: {name: 'web', instances: 4, memory: '1G', env: {A: 1}}, origin: 'x'}, {state: 'STARTED'}, base, false)
    const s = state(capi)
    await actualize([applyManifestStep(plan, {manifestApplied: false})], s, {renderer: 'silent'})
    expect(applied).toEqual([{version: 1, applications: [{name: 'web', env: {A: '1'}, 'default-route': true}]}])
    expect(s.warnings).toEqual(['a warning'])
    expect(s.left[0]).toMatch(/^The manifest was applied to 'web'/)
  })

  it('blue-green: applied to the new app (no default route when the old app has routes), then the process settings again', async () => {
    const applied = acceptManifests()
    const capi = new CapiClient({apiUrl: API})
    const plan = planApp(
      {name: 'web', manifest: {name: 'web', instances: 4, command: 'run', env: {A: 'x'}}, origin: 'x'},
      {state: 'STARTED'},
      {...base, strategy: 'blue-green'},
      false,
    )
    const s = state(capi, {
      app: {guid: 'a1', name: 'web-venerable'} as OpState['app'],
      newApp: {guid: 'n1', name: 'web'} as OpState['app'],
      snapshot: {routes: [{}]} as unknown as OpState['snapshot'],
    })
    await actualize([applyManifestStep(plan, {manifestApplied: false}), applyProcessesStep(plan)], s, {renderer: 'silent'})
    expect(applied).toEqual([
      {version: 1, applications: [{name: 'web', instances: 4, command: 'run', env: {A: 'x'}}]},
      {version: 1, applications: [{name: 'web', command: 'run', instances: 4}]},
    ])
    expect(s.left).toEqual([])
  })
})

describe('upload bits', () => {
  it('leaves matched files out of the zip and sends them as resources, then waits for READY', async () => {
    const dir = path.join(tmp, 'app')
    fs.mkdirSync(path.join(dir, 'lib'), {recursive: true})
    fs.writeFileSync(path.join(dir, 'big.js'), 'x'.repeat(1000))
    fs.writeFileSync(path.join(dir, 'lib/new.js'), 'new')
    fs.writeFileSync(path.join(dir, 'empty'), '')
    fs.chmodSync(path.join(dir, 'big.js'), 0o755)
    const bits = scanBits(dir)

    let uploaded: {resources: unknown; files: string[]} | undefined
    let created: unknown
    let polls = 0
    server.use(
      http.post(`${API}/v3/resource_matches`, async ({request}) => {
        const body = (await request.json()) as {resources: {path: string}[]}
        return HttpResponse.json({resources: body.resources.filter((r) => r.path === 'big.js')}, {status: 201})
      }),
      http.post(`${API}/v3/packages`, async ({request}) => {
        created = await request.json()
        return HttpResponse.json(pkg('AWAITING_UPLOAD'), {status: 201})
      }),
      http.post(`${API}/v3/packages/p1/upload`, async ({request}) => {
        const form = await request.formData()
        const zip = new Uint8Array(await (form.get('bits') as Blob).arrayBuffer())
        uploaded = {resources: JSON.parse(String(form.get('resources'))), files: Object.keys(unzipSync(zip)).sort()}
        return HttpResponse.json(pkg('PROCESSING_UPLOAD'))
      }),
      http.get(`${API}/v3/packages/p1`, () => HttpResponse.json(pkg(++polls < 2 ? 'PROCESSING_UPLOAD' : 'READY'))),
    )
    const capi = new CapiClient({apiUrl: API})
    const plan = planApp({name: 'web', manifest: {name: 'web'}, bits, origin: 'x'}, {state: 'STARTED'}, base, false)
    const record: PushRecord = {manifestApplied: false}
    const s = state(capi)
    await actualize([uploadStep(plan, record)], s, {renderer: 'silent'})

    expect(created).toEqual({type: 'bits', relationships: {app: {data: {guid: 'a1'}}}})
    expect(uploaded).toEqual({
      resources: [{checksum: {value: bits.entries.find((e) => e.path === 'big.js')!.sha1}, size_in_bytes: 1000, path: 'big.js', mode: '755'}],
      files: ['empty', 'lib/', 'lib/new.js'],
    })
    expect(s.packageGuid).toBe('p1')
    expect(record).toMatchObject({package: 'p1', upload: {files: 3, matched: 1}})
    expect(polls).toBe(2)
  })

  it('a docker image becomes a docker package (with CF_DOCKER_PASSWORD for a private registry)', async () => {
    let created: unknown
    server.use(
      http.post(`${API}/v3/packages`, async ({request}) => {
        created = await request.json()
        return HttpResponse.json({...pkg('READY'), type: 'docker', data: {image: 'reg/app:1'}}, {status: 201})
      }),
      http.get(`${API}/v3/packages/p1`, () => HttpResponse.json({...pkg('READY'), type: 'docker'})),
    )
    const capi = new CapiClient({apiUrl: API})
    const plan = planApp(
      {
        name: 'web',
        manifest: {name: 'web', docker: {image: 'reg/app:1', username: 'bot'}},
        docker: {image: 'reg/app:1', username: 'bot', password: 'pw'},
        origin: 'x',
      },
      undefined,
      base,
      false,
    )
    const s = state(capi)
    await actualize([uploadStep(plan, {manifestApplied: false})], s, {renderer: 'silent'})
    expect(created).toEqual({type: 'docker', relationships: {app: {data: {guid: 'a1'}}}, data: {image: 'reg/app:1', username: 'bot', password: 'pw'}})
    expect(s.packageGuid).toBe('p1')
  })
})
