/** Routes, destinations, domains and route reservations (routes_controller.rb, domains_controller.rb). */
import {enqueueJob} from '../../actions/jobs.js'
import {createRoute, type DestinationInput, deleteRoute, insertDestinations, removeDestination, replaceDestinations} from '../../actions/routes.js'
import type {Foundation} from '../../kernel.js'
import type {DomainRec, RouteRec} from '../../state.js'
import {parseJson} from '../body.js'
import {
  check,
  dig,
  metadataUpdateMessage,
  type Obj,
  routeCreateMessage,
  routeDestinationUpdateMessage,
  routeUpdateDestinationsMessage,
  routeUpdateMessage,
  toNumber,
} from '../messages.js'
import {unprocessable, uniqueness} from '../errors.js'
import {includedFor, list, uniqueBy} from '../list.js'
import {presentDestination, presentDestinations, presentDomain, presentRoute} from '../presenters.js'
import {json, noContent, type Routes} from '../routes.js'
import {applyMetadata, find, namesCi, newMetadata, spaceIncludes} from './common.js'

export const domainFilters = {
  names: (d: DomainRec, v: string[]) => namesCi(d.name, v),
  organization_guids: (d: DomainRec, v: string[]) => d.orgGuid !== null && v.includes(d.orgGuid),
}

/** Shared domains plus the org's own. */
export function domainsVisibleTo(f: Foundation, orgGuid: string): DomainRec[] {
  return f.store.domains.all().filter((d) => d.orgGuid === null || d.orgGuid === orgGuid)
}

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  const includes = {
    ...spaceIncludes<RouteRec>(f, (x) => x.spaceGuid),
    domain: (rows: RouteRec[]): [string, unknown[]] => [
      'domains',
      uniqueBy(
        rows.map((x) => s.domains.get(x.domainGuid)),
        (d) => d.guid,
      ).map((d) => presentDomain(f, d)),
    ],
  }
  const filters = {
    domain_guids: (x: RouteRec, v: string[]) => v.includes(x.domainGuid),
    hosts: (x: RouteRec, v: string[]) => v.includes(x.host),
    paths: (x: RouteRec, v: string[]) => v.includes(x.path),
    ports: (x: RouteRec, v: string[]) => v.includes(String(x.port ?? '')),
    app_guids: (x: RouteRec, v: string[]) => x.destinations.some((d) => v.includes(d.appGuid)),
  }
  const space = (x: RouteRec) => x.spaceGuid
  r.get('/v3/routes', (ctx) => list(ctx, s.routes.all(), {filters, space, include: includes, extra: ['service_instance_guids']}, (x) => presentRoute(f, x)))
  r.get('/v3/apps/:guid/routes', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const rows = s.routes.by('space', app.spaceGuid).filter((x) => x.destinations.some((d) => d.appGuid === app.guid))
    const {app_guids: _omit, ...rest} = filters
    return list(ctx, rows, {filters: rest, space}, (x) => presentRoute(f, x))
  })
  r.get('/v3/routes/:guid', (ctx) => {
    const route = find(s.routes, ctx.params.guid, 'Route')
    const included = includedFor(ctx, includes, route)
    return json(200, included ? {...presentRoute(f, route), included} : presentRoute(f, route))
  })
  r.post('/v3/routes', (ctx) => {
    const raw = parseJson(ctx.body)
    check(routeCreateMessage(raw))
    const route = createRoute(f, {
      spaceGuid: dig(raw.relationships, 'space', 'data', 'guid') as string,
      domainGuid: dig(raw.relationships, 'domain', 'data', 'guid') as string,
      host: (raw.host ?? undefined) as string | undefined,
      path: (raw.path ?? undefined) as string | undefined,
      port: toNumber(raw.port),
      // route_create.rb: no options is {}; nil values are dropped.
      options: raw.options ? Object.fromEntries(Object.entries(raw.options as Obj).filter(([, v]) => v !== null)) : {},
      metadata: newMetadata(raw.metadata),
    })
    return json(201, presentRoute(f, route))
  })
  // The route controller checks each message before it looks the route up.
  r.patch('/v3/routes/:guid', (ctx) => {
    const raw = parseJson(ctx.body)
    check(routeUpdateMessage(raw))
    const route = find(s.routes, ctx.params.guid, 'Route')
    applyMetadata(route, raw.metadata, f.now())
    if ('options' in raw) route.options = Object.fromEntries(Object.entries({...route.options, ...(raw.options as Obj)}).filter(([, v]) => v !== null))
    route.updatedAt = f.now()
    return json(200, presentRoute(f, route))
  })
  r.delete('/v3/routes/:guid', (ctx) => {
    const route = find(s.routes, ctx.params.guid, 'Route')
    return enqueueJob(f, 'route.delete', {name: 'route', path: `/v3/routes/${route.guid}`}, () => deleteRoute(f, route))
  })

  r.get('/v3/routes/:guid/destinations', (ctx) => {
    const route = find(s.routes, ctx.params.guid, 'Route')
    const guids = ctx.query.list('guids')
    const apps = ctx.query.list('app_guids')
    const out = presentDestinations(f, route)
    out.destinations = out.destinations.filter((d) => (!guids || guids.includes(d.guid)) && (!apps || apps.includes(d.app.guid)))
    return json(200, out)
  })
  /** RouteUpdateDestinationsMessage#destinations_array. */
  const destinationsOf = (raw: Obj): DestinationInput[] =>
    (raw.destinations as Obj[]).map((d) => ({
      app: {guid: dig(d, 'app', 'guid') as string, process: {type: (dig(d, 'app', 'process', 'type') as string | undefined) ?? 'web'}},
      port: (d.port ?? undefined) as number | undefined,
      protocol: (d.protocol ?? null) as string | null,
      weight: (d.weight ?? null) as number | null,
    }))
  r.post('/v3/routes/:guid/destinations', (ctx) => {
    const raw = parseJson(ctx.body)
    check(routeUpdateDestinationsMessage(raw, false))
    const route = find(s.routes, ctx.params.guid, 'Route')
    insertDestinations(f, route, destinationsOf(raw))
    return json(200, presentDestinations(f, route))
  })
  r.patch('/v3/routes/:guid/destinations', (ctx) => {
    const raw = parseJson(ctx.body)
    check(routeUpdateDestinationsMessage(raw, true))
    const route = find(s.routes, ctx.params.guid, 'Route')
    replaceDestinations(f, route, destinationsOf(raw))
    return json(200, presentDestinations(f, route))
  })
  // update_destination: the message, then the route (404), then the destination (422).
  r.patch('/v3/routes/:guid/destinations/:dest', (ctx) => {
    const raw = parseJson(ctx.body)
    check(routeDestinationUpdateMessage(raw))
    const route = find(s.routes, ctx.params.guid, 'Route')
    const dest = route.destinations.find((d) => d.guid === ctx.params.dest)
    if (!dest) throw unprocessable('Unable to unmap route from destination. Ensure the route has a destination with this guid.')
    if ('protocol' in raw) dest.protocol = raw.protocol as string
    dest.updatedAt = f.now()
    const api = f.settings.apiUrl
    return json(200, {
      ...presentDestination(dest),
      links: {destinations: {href: `${api}/v3/routes/${route.guid}/destinations`}, route: {href: `${api}/v3/routes/${route.guid}`}},
    })
  })
  r.delete('/v3/routes/:guid/destinations/:dest', (ctx) => {
    const route = find(s.routes, ctx.params.guid, 'Route')
    if (!removeDestination(f, route, ctx.params.dest))
      throw unprocessable('Unable to unmap route from destination. Ensure the route has a destination with this guid.')
    return noContent()
  })

  r.get('/v3/domains', (ctx) => list(ctx, s.domains.all(), {filters: domainFilters}, (d) => presentDomain(f, d)))
  r.get('/v3/domains/:guid', (ctx) => json(200, presentDomain(f, find(s.domains, ctx.params.guid, 'Domain'))))
  r.post('/v3/domains', (ctx) => {
    const raw = parseJson(ctx.body)
    const name = raw.name
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/i.test(name)) throw unprocessable('Name does not comply with RFC 1035 standards')
    if (s.domains.all().some((d) => d.name.toLowerCase() === name.toLowerCase())) throw uniqueness(`The domain name "${name}" is already in use`)
    const orgGuid = ((raw.relationships as {organization?: {data?: {guid?: string}}} | undefined)?.organization?.data?.guid ?? null) as string | null
    if (orgGuid && !s.orgs.get(orgGuid)) throw unprocessable(`Organization with guid '${orgGuid}' does not exist or you do not have access to it.`)
    const domain = s.domains.insert(
      s.stamp<DomainRec>({name: name.toLowerCase(), internal: raw.internal === true, orgGuid, metadata: newMetadata(raw.metadata)}, f.now()),
    )
    f.routesChanged()
    return json(201, presentDomain(f, domain))
  })
  r.patch('/v3/domains/:guid', (ctx) => {
    const d = find(s.domains, ctx.params.guid, 'Domain')
    const raw = parseJson(ctx.body)
    check(metadataUpdateMessage(raw))
    applyMetadata(d, raw.metadata, f.now())
    return json(200, presentDomain(f, d))
  })
  r.get('/v3/domains/:guid/route_reservations', (ctx) => {
    const d = find(s.domains, ctx.params.guid, 'Domain')
    const host = (ctx.query.get('host') ?? '').toLowerCase()
    const path = ctx.query.get('path') ?? ''
    return json(200, {matching_route: s.routes.by('domain', d.guid).some((x) => x.host === host && x.path === path)})
  })
}
