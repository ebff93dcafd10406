/**
 * A tiny in-memory Cloud Controller for the list endpoints discovery uses, served through msw,
 * that counts every request. Apps, droplets and buildpacks are generated compactly so 10,000
 * apps stay cheap.
 */
import {http, HttpResponse} from 'msw'
import type {SetupServer} from 'msw/node'
import {API} from '../../helpers/msw.js'

export interface FakeApp {
  guid: string
  name: string
  state?: 'STARTED' | 'STOPPED'
  lifecycle?: 'buildpack' | 'docker' | 'cnb'
  space: string
  /** undefined: the field is absent (old Cloud Controller); null: no droplet. */
  current?: string | null
  omitCurrent?: boolean
  labels?: Record<string, string>
  web?: {instances: number; memory: number}
}

export interface FakeDroplet {
  guid: string
  app: string
  createdAt: string
  stack?: string | null
  buildpacks?: {name: string; buildpack_name?: string | null; version?: string | null}[] | null
  state?: string
}

export interface FakeBuildpack {
  name: string
  stack: string | null
  updatedAt: string
}

export interface FakeWorld {
  orgs: {guid: string; name: string}[]
  spaces: {guid: string; name: string; org: string}[]
  apps: FakeApp[]
  droplets: FakeDroplet[]
  buildpacks: FakeBuildpack[]
  /** `include=space.organization` brings organizations only (no spaces). */
  includeOrgsOnly?: boolean
  /** `include` brings nothing at all. */
  noInclude?: boolean
}

const T0 = '2026-01-01T00:00:00Z'

export function appJson(a: FakeApp) {
  const relationships: Record<string, unknown> = {space: {data: {guid: a.space}}}
  // Cloud Controller's app presenter: an app with no droplet has {data: {guid: null}}.
  if (!a.omitCurrent) relationships.current_droplet = {data: {guid: a.current ?? null}}
  return {
    guid: a.guid,
    name: a.name,
    state: a.state ?? 'STARTED',
    created_at: T0,
    updated_at: T0,
    lifecycle: a.lifecycle === 'docker' ? {type: 'docker', data: {}} : {type: a.lifecycle ?? 'buildpack', data: {buildpacks: [], stack: 'cflinuxfs4'}},
    relationships,
    metadata: {labels: a.labels ?? {}, annotations: {}},
  }
}

export function dropletJson(d: FakeDroplet) {
  return {
    guid: d.guid,
    state: d.state ?? 'STAGED',
    error: null,
    lifecycle: {type: 'buildpack', data: {}},
    execution_metadata: '[PRIVATE DATA HIDDEN IN LISTS]',
    process_types: {redacted_message: '[PRIVATE DATA HIDDEN IN LISTS]'},
    checksum: {type: 'sha256', value: 'x'},
    buildpacks: d.buildpacks === undefined ? [] : d.buildpacks,
    stack: d.stack === undefined ? 'cflinuxfs4' : d.stack,
    image: null,
    created_at: d.createdAt,
    updated_at: d.createdAt,
    relationships: {app: {data: {guid: d.app}}},
    metadata: {labels: {}, annotations: {}},
  }
}

export function page<T>(url: URL, rows: T[], render: (x: T) => unknown, extra: Record<string, unknown> = {}) {
  const perPage = Number(url.searchParams.get('per_page') ?? 50)
  const pageNo = Number(url.searchParams.get('page') ?? 1)
  const slice = rows.slice((pageNo - 1) * perPage, pageNo * perPage)
  const totalPages = Math.max(1, Math.ceil(rows.length / perPage))
  const link = (p: number) => {
    const u = new URL(url)
    u.searchParams.set('page', String(p))
    u.searchParams.set('per_page', String(perPage))
    return {href: u.toString()}
  }
  return {
    pagination: {
      total_results: rows.length,
      total_pages: totalPages,
      first: link(1),
      last: link(totalPages),
      next: pageNo < totalPages ? link(pageNo + 1) : null,
      previous: pageNo > 1 ? link(pageNo - 1) : null,
    },
    resources: slice.map(render),
    ...extra,
    _slice: slice,
  }
}

/** Like Cloud Controller: split on raw commas, then decode each value (%2C is a comma inside a value). */
function list(url: URL, key: string): string[] | undefined {
  for (const pair of url.search.slice(1).split('&')) {
    const i = pair.indexOf('=')
    if (decodeURIComponent(pair.slice(0, i)) === key)
      return pair
        .slice(i + 1)
        .split(',')
        .map((v) => decodeURIComponent(v.replace(/\+/g, ' ')))
  }
  return undefined
}

/** Serve the world; returns the request log (method and path+query of every request). */
export function serveWorld(server: SetupServer, w: FakeWorld): string[] {
  const log: string[] = []
  const spaceOf = new Map(w.spaces.map((s) => [s.guid, s]))
  const appOf = new Map(w.apps.map((a) => [a.guid, a]))
  const dropletOf = new Map(w.droplets.map((d) => [d.guid, d]))
  const scopeOf = (url: URL) => {
    const spaces = list(url, 'space_guids')
    const orgs = list(url, 'organization_guids')
    return (spaceGuid: string) => (!spaces || spaces.includes(spaceGuid)) && (!orgs || orgs.includes(spaceOf.get(spaceGuid)?.org ?? ''))
  }
  const json = (body: Record<string, unknown>) => {
    delete body._slice
    return HttpResponse.json(body)
  }
  server.events.on('request:start', ({request}) => {
    const u = new URL(request.url)
    log.push(`${request.method} ${u.pathname}${u.search}`)
  })
  server.use(
    http.get(`${API}/v3/organizations`, ({request}) => {
      const url = new URL(request.url)
      const names = list(url, 'names')?.map((x) => x.toLowerCase())
      const guids = list(url, 'guids')
      const rows = w.orgs.filter((o) => (!names || names.includes(o.name.toLowerCase())) && (!guids || guids.includes(o.guid)))
      return json(page(url, rows, (o) => ({guid: o.guid, name: o.name, created_at: T0, updated_at: T0})))
    }),
    http.get(`${API}/v3/spaces`, ({request}) => {
      const url = new URL(request.url)
      const names = list(url, 'names')?.map((x) => x.toLowerCase())
      const orgs = list(url, 'organization_guids')
      const guids = list(url, 'guids')
      const rows = w.spaces.filter(
        (s) => (!names || names.includes(s.name.toLowerCase())) && (!orgs || orgs.includes(s.org)) && (!guids || guids.includes(s.guid)),
      )
      return json(page(url, rows, (s) => ({guid: s.guid, name: s.name, created_at: T0, updated_at: T0, relationships: {organization: {data: {guid: s.org}}}})))
    }),
    http.get(`${API}/v3/buildpacks`, ({request}) => {
      const url = new URL(request.url)
      return json(
        page(url, w.buildpacks, (b) => ({
          guid: `bp-${b.name}-${b.stack}`,
          name: b.name,
          stack: b.stack,
          state: 'READY',
          position: 1,
          enabled: true,
          locked: false,
          created_at: T0,
          updated_at: b.updatedAt,
        })),
      )
    }),
    http.get(`${API}/v3/apps`, ({request}) => {
      const url = new URL(request.url)
      const selector = url.searchParams.get('label_selector')
      const inScope = scopeOf(url)
      const guids = list(url, 'guids')
      const rows = w.apps.filter(
        (a) =>
          inScope(a.space) &&
          (!guids || guids.includes(a.guid)) &&
          (!selector ||
            selector.split(',').every((req) => {
              const [k, v] = req.split('=')
              return a.labels?.[k] === v
            })),
      )
      const body = page(url, rows, appJson)
      if (list(url, 'include')?.includes('space.organization') && !w.noInclude) {
        const slice = body._slice as FakeApp[]
        const spaces = [...new Set(slice.map((a) => a.space))].map((g) => spaceOf.get(g)!)
        const orgs = [...new Set(spaces.map((s) => s.org))].map((g) => w.orgs.find((o) => o.guid === g)!)
        Object.assign(body, {
          included: {
            ...(w.includeOrgsOnly ? {} : {spaces: spaces.map((s) => ({guid: s.guid, name: s.name, relationships: {organization: {data: {guid: s.org}}}}))}),
            organizations: orgs.map((o) => ({guid: o.guid, name: o.name})),
          },
        })
      }
      return json(body)
    }),
    http.get(`${API}/v3/apps/:guid`, ({params}) => {
      const a = appOf.get(String(params.guid))
      if (!a) return HttpResponse.json({errors: [{code: 10010, title: 'CF-ResourceNotFound', detail: 'App not found'}]}, {status: 404})
      return HttpResponse.json(appJson(a))
    }),
    http.get(`${API}/v3/apps/:guid/droplets/current`, ({params}) => {
      const a = appOf.get(String(params.guid))
      const d = a?.current ? dropletOf.get(a.current) : undefined
      if (!d) return HttpResponse.json({errors: [{code: 10010, title: 'CF-ResourceNotFound', detail: 'Droplet not found'}]}, {status: 404})
      return HttpResponse.json(dropletJson(d))
    }),
    http.get(`${API}/v3/apps/:guid/relationships/current_droplet`, ({params}) => {
      const a = appOf.get(String(params.guid))
      // Cloud Controller answers 404 "Droplet not found" for an app with no droplet.
      if (!a?.current) return HttpResponse.json({errors: [{code: 10010, title: 'CF-ResourceNotFound', detail: 'Droplet not found'}]}, {status: 404})
      return HttpResponse.json({data: {guid: a.current}, links: {}})
    }),
    http.get(`${API}/v3/droplets`, ({request}) => {
      const url = new URL(request.url)
      const states = list(url, 'states')
      const guids = list(url, 'guids')
      const inScope = scopeOf(url)
      const wanted = guids && new Set(guids)
      const rows = w.droplets.filter(
        (d) => (!states || states.includes(d.state ?? 'STAGED')) && (!wanted || wanted.has(d.guid)) && inScope(appOf.get(d.app)?.space ?? ''),
      )
      return json(page(url, rows, dropletJson))
    }),
    http.get(`${API}/v3/droplets/:guid`, ({params}) => {
      const d = dropletOf.get(String(params.guid))
      if (!d) return HttpResponse.json({errors: [{code: 10010, title: 'CF-ResourceNotFound', detail: 'Droplet not found'}]}, {status: 404})
      return HttpResponse.json(dropletJson(d))
    }),
    // restage-all's batched reads before each app (prefetch.ts): no deployment in flight, one READY package each.
    http.get(`${API}/v3/deployments`, ({request}) => json(page(new URL(request.url), [], () => ({})))),
    http.get(`${API}/v3/packages`, ({request}) => {
      const url = new URL(request.url)
      const apps = list(url, 'app_guids')
      const rows = w.apps.filter((a) => !apps || apps.includes(a.guid))
      return json(
        page(url, rows, (a) => ({
          guid: `pkg-${a.guid}`,
          type: 'bits',
          state: 'READY',
          data: {},
          relationships: {app: {data: {guid: a.guid}}},
          created_at: T0,
          updated_at: T0,
        })),
      )
    }),
    http.get(`${API}/v3/processes`, ({request}) => {
      const url = new URL(request.url)
      const apps = list(url, 'app_guids')
      const inScope = scopeOf(url)
      const rows = w.apps.filter((a) => a.web && (!apps || apps.includes(a.guid)) && inScope(a.space))
      return json(
        page(url, rows, (a) => ({
          guid: `p-${a.guid}`,
          type: 'web',
          command: '[PRIVATE DATA HIDDEN IN LISTS]',
          instances: a.web!.instances,
          memory_in_mb: a.web!.memory,
          disk_in_mb: 1024,
          health_check: {type: 'port', data: {}},
          relationships: {app: {data: {guid: a.guid}}},
          created_at: T0,
          updated_at: T0,
        })),
      )
    }),
  )
  return log
}

/**
 * A foundation of `n` apps across orgs and spaces: every 10th app uses ruby_buildpack (half of
 * them outdated), the rest go_buildpack; a few docker apps and a few never staged.
 */
export function bigWorld(n: number): FakeWorld {
  const orgs = Array.from({length: 10}, (_, i) => ({guid: `org-${i}`, name: `org${i}`}))
  const spaces = orgs.flatMap((o, i) => Array.from({length: 5}, (_, j) => ({guid: `space-${i}-${j}`, name: `space${j}`, org: o.guid})))
  const apps: FakeApp[] = []
  const droplets: FakeDroplet[] = []
  for (let i = 0; i < n; i++) {
    const space = spaces[i % spaces.length].guid
    const guid = `app-${i}`
    if (i % 500 === 7) {
      apps.push({guid, name: `docker-${i}`, space, lifecycle: 'docker', current: `d-${i}`})
      continue
    }
    if (i % 500 === 9) {
      apps.push({guid, name: `empty-${i}`, space, current: null})
      continue
    }
    const ruby = i % 10 === 0
    const outdated = i % 20 === 0
    apps.push({guid, name: `app-${i}`, space, current: `d-${i}`})
    droplets.push({
      guid: `d-${i}`,
      app: guid,
      createdAt: outdated ? '2026-01-10T00:00:00Z' : '2026-03-01T00:00:00Z',
      buildpacks: [ruby ? {name: 'ruby_buildpack', buildpack_name: 'ruby', version: '1.8.0'} : {name: 'go_buildpack', buildpack_name: 'go', version: '1.10.0'}],
    })
    // An older droplet of the same app, not current: listed in bulk, never kept.
    droplets.push({guid: `old-${i}`, app: guid, createdAt: '2025-01-01T00:00:00Z', buildpacks: [{name: 'go_buildpack'}]})
  }
  return {
    orgs,
    spaces,
    apps,
    droplets,
    buildpacks: [
      {name: 'ruby_buildpack', stack: 'cflinuxfs4', updatedAt: '2026-02-01T00:00:00Z'},
      {name: 'go_buildpack', stack: 'cflinuxfs4', updatedAt: '2026-02-01T00:00:00Z'},
    ],
  }
}
