/**
 * A small Cloud Controller behind msw for the strategies' pre-flight ('check') and copy steps: app
 * 'web' (a1, STARTED, droplet d1, READY package p1) in space s (quota sq) of org o (quota oq),
 * with one web process of 2 × 256 MB and nothing else. Tests override single endpoints with
 * server.use() (later handlers win) and read `requests` to see what was asked.
 */
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {http, HttpResponse} from 'msw'
import type {SetupServer} from 'msw/node'
import {CapiClient} from '../../src/capi/client.js'
import {FakeClock} from '../../src/clock.js'
import type {OpState} from '../../src/strategies/state.js'
import type {DeployOptions, Step, TaskHandle} from '../../src/strategies/types.js'
import {API} from './msw.js'
import {opState} from './op-state.js'

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/capi-examples')
export const example = (name: string) => JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8'))

const page = (resources: unknown[]) => ({
  pagination: {total_results: resources.length, total_pages: 1, first: null, last: null, next: null, previous: null},
  resources,
})

export const APP = {
  ...example('app'),
  guid: 'a1',
  name: 'web',
  state: 'STARTED',
  relationships: {space: {data: {guid: 's'}}, current_droplet: {data: {guid: 'd1'}}},
  metadata: {labels: {}, annotations: {}},
}
export const WEB = {...example('process'), guid: 'w1', type: 'web', instances: 2, memory_in_mb: 256, relationships: {app: {data: {guid: 'a1'}}}}
export const pkg = (guid: string, appGuid: string, state = 'READY') => ({...example('package'), guid, state, relationships: {app: {data: {guid: appGuid}}}})
export const droplet = (guid: string, appGuid: string, state = 'STAGED') => ({
  ...example('droplet'),
  guid,
  state,
  relationships: {app: {data: {guid: appGuid}}},
})
const usage = (memory: number, instances: number) => ({
  ...example('space_usage_summary'),
  usage_summary: {...example('space_usage_summary').usage_summary, memory_in_mb: memory, started_instances: instances},
})

/** A CAPI error response like Cloud Controller's. */
export function capiError(status: 403 | 404 | 422, detail?: string) {
  const title = {403: 'CF-NotAuthorized', 404: 'CF-ResourceNotFound', 422: 'CF-UnprocessableEntity'}[status]
  const code = {403: 10003, 404: 10010, 422: 10008}[status]
  return HttpResponse.json(
    {
      errors: [
        {code, title, detail: detail ?? {403: 'You are not authorized to perform the requested action', 404: 'Not found', 422: 'Unprocessable'}[status]},
      ],
    },
    {status},
  )
}

export interface Requests {
  /** "METHOD /path?query" of every request, in order. */
  all: string[]
  packageCopies: {source: string | null; app: string}[]
}

/** Serve the world; returns what was requested. */
export function serveCheckWorld(server: SetupServer): Requests {
  const requests: Requests = {all: [], packageCopies: []}
  const newPackages: ReturnType<typeof pkg>[] = []
  server.events.removeAllListeners()
  server.events.on('request:start', ({request}) => {
    const u = new URL(request.url)
    requests.all.push(`${request.method} ${u.pathname}${u.search}`)
  })
  server.use(
    http.get(`${API}/v3/apps`, ({request}) => {
      const names = new URL(request.url).searchParams.get('names')
      return HttpResponse.json(page(names === 'web' ? [APP] : []))
    }),
    http.get(`${API}/v3/deployments`, () => HttpResponse.json(page([]))),
    http.get(`${API}/v3/routes`, () => HttpResponse.json(page([]))),
    http.get(`${API}/v3/apps/a1/routes`, () => HttpResponse.json(page([]))),
    http.get(`${API}/v3/apps/a1/environment_variables`, () => HttpResponse.json({var: {}, links: {}})),
    http.get(`${API}/v3/apps/a1/processes`, () => HttpResponse.json(page([WEB]))),
    http.get(`${API}/v3/apps/a1/processes/web`, () => HttpResponse.json(WEB)),
    http.get(`${API}/v3/processes/w1`, () => HttpResponse.json(WEB)),
    http.get(`${API}/v3/service_credential_bindings`, () => HttpResponse.json(page([]))),
    http.get(`${API}/v3/apps/a1/features`, () => HttpResponse.json({...example('app_features_list')})),
    http.get(`${API}/v3/apps/a1/droplets/current`, () => HttpResponse.json(droplet('d1', 'a1'))),
    http.get(`${API}/v3/apps/a1/sidecars`, () => HttpResponse.json(page([]))),
    http.get(`${API}/v3/spaces/s`, () =>
      HttpResponse.json({...example('space'), guid: 's', name: 'dev', relationships: {organization: {data: {guid: 'o'}}, quota: {data: {guid: 'sq'}}}}),
    ),
    http.get(`${API}/v3/space_quotas/sq`, () =>
      HttpResponse.json({...example('space_quota'), guid: 'sq', apps: {...example('space_quota').apps, total_memory_in_mb: 10_240, total_instances: 100}}),
    ),
    http.get(`${API}/v3/spaces/s/usage_summary`, () => HttpResponse.json(usage(1024, 4))),
    http.get(`${API}/v3/organizations/o`, () =>
      HttpResponse.json({...example('organization'), guid: 'o', name: 'acme', relationships: {quota: {data: {guid: 'oq'}}}}),
    ),
    http.get(`${API}/v3/organization_quotas/oq`, () =>
      HttpResponse.json({
        ...example('space_quota'),
        guid: 'oq',
        name: 'default',
        relationships: undefined,
        apps: {...example('space_quota').apps, total_memory_in_mb: 102_400, total_instances: null},
      }),
    ),
    http.get(`${API}/v3/organizations/o/usage_summary`, () => HttpResponse.json(usage(2048, 8))),
    // Packages: the stable app has p1 (READY); copies go to the new app and are READY at once.
    http.get(`${API}/v3/packages`, ({request}) => {
      const q = new URL(request.url).searchParams
      const app = q.get('app_guids')
      const states = q.get('states')?.split(',')
      const all = app === 'a1' ? [pkg('p1', 'a1')] : newPackages.filter((p) => p.relationships.app.data.guid === app)
      return HttpResponse.json(page(all.filter((p) => !states || states.includes(p.state)).reverse()))
    }),
    http.post(`${API}/v3/packages`, async ({request}) => {
      const body = (await request.json()) as {relationships: {app: {data: {guid: string}}}}
      const app = body.relationships.app.data.guid
      requests.packageCopies.push({source: new URL(request.url).searchParams.get('source_guid'), app})
      const made = pkg(`copy-${newPackages.length + 1}`, app, 'COPYING')
      newPackages.push(made)
      return HttpResponse.json(made, {status: 201})
    }),
    http.get(`${API}/v3/packages/:guid`, ({params}) => {
      const p = newPackages.find((x) => x.guid === params.guid)
      if (!p) return capiError(404, 'Package not found')
      p.state = 'READY'
      return HttpResponse.json(p)
    }),
    // Droplets: the new app has no current droplet until one is copied; copies are STAGED at once.
    http.get(`${API}/v3/apps/:guid/relationships/current_droplet`, () => capiError(404, 'Droplet not found')),
    http.post(`${API}/v3/droplets`, () => HttpResponse.json(droplet('d2', 'n1', 'COPYING'), {status: 201})),
    http.get(`${API}/v3/droplets/d2`, () => HttpResponse.json(droplet('d2', 'n1'))),
  )
  return requests
}

/** An OpState for app 'web' with a real client on a fake clock, and no snapshot yet. */
export function checkState(opts: Partial<DeployOptions> = {}, over: Partial<OpState> = {}): OpState {
  const s = opState({stagingTimeoutMs: 60_000, startupTimeoutMs: 60_000, ...opts}, {app: structuredClone(APP) as OpState['app'], snapshot: undefined, ...over})
  s.env = {
    capi: new CapiClient({apiUrl: API, clock: new FakeClock()}),
    clock: new FakeClock(),
    signal: new AbortController().signal,
  } as unknown as OpState['env']
  return s
}

/** What a step told its task row. */
export interface Told {
  output: string[]
  skipped?: string
}

/** Run one step of a plan by id, as actualize would, and return what it told its row. */
export async function runStep(steps: Step<OpState>[], id: string, s: OpState): Promise<Told> {
  const step = steps.find((x) => x.id === id)
  if (!step) throw new Error(`no step '${id}' in ${steps.map((x) => x.id).join(', ')}`)
  const told: Told = {output: []}
  const task: TaskHandle = {setTitle: () => {}, output: (l) => told.output.push(l), skip: (r) => (told.skipped = r)}
  await step.run(s, task)
  return told
}
