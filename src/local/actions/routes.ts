/** Routes and destinations (route_create.rb, the destinations controller's messages). */
import {unprocessable} from '../api/errors.js'
import type {Foundation} from '../kernel.js'
import {type DestinationRec, type DomainRec, emptyMetadata, type Metadata, type RouteRec} from '../state.js'
import {newGuid} from '../util.js'

/** "host.domain/path" → the longest domain it ends with (shared, or the org's own), the host and the path. */
export function parseRouteUrl(f: Foundation, url: string, orgGuid: string): {domain: DomainRec; host: string; path: string} | undefined {
  const clean = url.replace(/^https?:\/\//, '').toLowerCase()
  const slash = clean.indexOf('/')
  const hostPart = slash < 0 ? clean : clean.slice(0, slash)
  const domain = f.store.domains
    .all()
    .filter((d) => (d.orgGuid === null || d.orgGuid === orgGuid) && (hostPart === d.name || hostPart.endsWith(`.${d.name}`)))
    .sort((a, b) => b.name.length - a.name.length)[0]
  if (!domain) return undefined
  return {domain, host: hostPart === domain.name ? '' : hostPart.slice(0, -(domain.name.length + 1)), path: slash < 0 ? '' : clean.slice(slash)}
}

export interface RouteInput {
  spaceGuid: string
  domainGuid: string
  host?: string
  path?: string
  port?: number
  options?: Record<string, unknown>
  metadata?: Metadata
}

export function createRoute(f: Foundation, input: RouteInput): RouteRec {
  const s = f.store
  const space = s.spaces.get(input.spaceGuid)
  if (!space) throw unprocessable('Invalid space. Ensure that the space exists and you have access to it.')
  const domain = s.domains.get(input.domainGuid)
  if (!domain) throw unprocessable('Invalid domain. Ensure that the domain exists and you have access to it.')
  if (domain.orgGuid && domain.orgGuid !== space.orgGuid) {
    throw unprocessable(`Invalid domain. Domain '${domain.name}' is not available in organization '${s.orgs.get(space.orgGuid)?.name}'.`)
  }
  const host = (input.host ?? '').toLowerCase()
  const path = input.path ?? ''
  if (host && !/^(\*|[a-z0-9_-]+)$/.test(host)) throw unprocessable('Host must be either "*" or contain only alphanumeric characters, "_", or "-"')
  if (host.length > 63) throw unprocessable('Host is too long (maximum is 63 characters)')
  if (!host && !domain.orgGuid) throw unprocessable('Missing host. Routes in shared domains must have a host defined.')
  if (path && !path.startsWith('/')) throw unprocessable('Path must begin with /')
  if (path === '/') throw unprocessable("Path cannot be a single '/'.")
  if (path.includes('?')) throw unprocessable("Path cannot contain '?'.")
  if (input.port !== undefined) throw unprocessable(`Routes with protocol 'http' do not support ports.`)
  const clash = s.routes.by('domain', domain.guid).find((r) => r.host === host && r.path === path)
  if (clash) {
    if (!host && !path) throw unprocessable(`Route already exists for domain '${domain.name}'.`)
    if (!path) throw unprocessable(`Route already exists with host '${host}' for domain '${domain.name}'.`)
    if (!host) throw unprocessable(`Route already exists with path '${path}' for domain '${domain.name}'.`)
    throw unprocessable(`Route already exists with host '${host}' and path '${path}' for domain '${domain.name}'.`)
  }
  const route = s.routes.insert(
    s.stamp<RouteRec>(
      {
        spaceGuid: space.guid,
        domainGuid: domain.guid,
        host,
        path,
        port: null,
        protocol: 'http',
        options: input.options ?? {},
        destinations: [],
        metadata: input.metadata ?? emptyMetadata(),
      },
      f.now(),
    ),
  )
  f.audit('audit.route.create', {guid: route.guid, type: 'route', name: host}, space.guid)
  f.routesChanged()
  return route
}

export interface DestinationInput {
  app: {guid: string; process?: {type: string}}
  port?: number
  protocol?: string | null
  weight?: number | null
}

function toDestinations(f: Foundation, route: RouteRec, input: DestinationInput[]): DestinationRec[] {
  // routes_controller.rb#validate_app_guids! and #validate_app_spaces!.
  const missing = input.filter((d) => !f.store.apps.get(d.app.guid)).map((d) => d.app.guid)
  if (missing.length > 0) throw unprocessable(`App(s) with guid(s) "${missing.join('", "')}" do not exist.`)
  if (input.some((d) => f.store.apps.get(d.app.guid)!.spaceGuid !== route.spaceGuid))
    throw unprocessable("Routes destinations must be in either the route's space or the route's shared spaces")
  const now = f.now()
  return input.map((d) => ({
    guid: newGuid(),
    appGuid: d.app.guid,
    processType: d.app.process?.type ?? 'web',
    port: d.port ?? 8080,
    protocol: d.protocol ?? (route.protocol === 'tcp' ? 'tcp' : 'http1'),
    weight: d.weight ?? null,
    createdAt: now,
    updatedAt: now,
  }))
}

const sameTarget = (a: DestinationRec, b: DestinationRec) =>
  a.appGuid === b.appGuid && a.processType === b.processType && a.port === b.port && a.protocol === b.protocol

/** POST destinations (map): existing destinations are kept, duplicates ignored. */
export function insertDestinations(f: Foundation, route: RouteRec, input: DestinationInput[]): void {
  for (const d of toDestinations(f, route, input)) {
    if (!route.destinations.some((x) => sameTarget(x, d))) {
      route.destinations.push(d)
      const app = f.store.apps.get(d.appGuid)!
      f.audit('audit.app.map-route', {guid: app.guid, type: 'app', name: app.name}, app.spaceGuid, {route_guid: route.guid})
    }
  }
  route.updatedAt = f.now()
  f.routesChanged()
}

/** PATCH destinations (replace): any destination not in the list is removed. */
export function replaceDestinations(f: Foundation, route: RouteRec, input: DestinationInput[]): void {
  const next = toDestinations(f, route, input).map((d) => route.destinations.find((x) => sameTarget(x, d)) ?? d)
  route.destinations = next.filter((d, i) => next.findIndex((x) => sameTarget(x, d)) === i)
  route.updatedAt = f.now()
  f.routesChanged()
}

export function removeDestination(f: Foundation, route: RouteRec, destinationGuid: string): boolean {
  const before = route.destinations.length
  route.destinations = route.destinations.filter((d) => d.guid !== destinationGuid)
  route.updatedAt = f.now()
  f.routesChanged()
  return route.destinations.length !== before
}

export function deleteRoute(f: Foundation, route: RouteRec): void {
  f.store.routes.delete(route.guid)
  f.routesChanged()
}
