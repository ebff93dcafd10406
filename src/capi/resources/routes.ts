import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, MetadataUpdate, ToOneRequired, resourceBase} from '../schemas.js'
import {Resource, jobRef, seg} from './base.js'

export const Destination = z.object({
  guid: z.string(),
  app: z.object({guid: z.string(), process: z.object({type: z.string()}).nullable().optional()}),
  weight: z.number().nullable().optional(),
  port: z.number().nullable().optional(),
  protocol: z.string().nullable().optional(),
  created_at: z.string().nullable().optional(),
  updated_at: z.string().nullable().optional(),
})
export type Destination = z.infer<typeof Destination>

export const Route = z.object({
  ...resourceBase,
  protocol: z.string(),
  host: z.string().default(''),
  path: z.string().default(''),
  port: z.number().nullable().optional(),
  url: z.string(),
  destinations: z.array(Destination).default([]),
  options: z.record(z.string(), z.unknown()).optional(),
  relationships: z.object({space: ToOneRequired, domain: ToOneRequired}),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Route = z.infer<typeof Route>

export const Destinations = z.object({destinations: z.array(Destination), links: Links.optional()})

export const RouteCreate = z.object({
  host: z.string().optional(),
  path: z.string().optional(),
  port: z.number().int().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  relationships: z.object({space: ToOneRequired, domain: ToOneRequired}),
  metadata: MetadataUpdate.optional(),
})
export type RouteCreate = z.infer<typeof RouteCreate>

/** Body of POST (insert) and PATCH (replace) /v3/routes/:guid/destinations. */
export const DestinationsWrite = z.object({
  destinations: z.array(
    z.object({
      app: z.object({guid: z.string().min(1), process: z.object({type: z.string().min(1)}).optional()}),
      port: z.number().int().optional(),
      protocol: z.string().nullable().optional(),
      weight: z.number().nullable().optional(),
    }),
  ),
})
/** Body of PATCH /v3/routes/:guid/destinations/:dest_guid. */
export const DestinationUpdate = z.object({protocol: z.string().nullable().optional()})

export interface NewDestination {
  app: {guid: string; process?: {type: string}}
  port?: number
  protocol?: string
}

export class Routes extends Resource {
  list(query: Query = {}) {
    return this.iterate('/v3/routes', query, Route)
  }

  listAll(query: Query = {}) {
    return this.all('/v3/routes', query, Route)
  }

  forApp(appGuid: string) {
    return this.all(`/v3/apps/${seg(appGuid)}/routes`, {}, Route)
  }

  get(guid: string) {
    return this.read(`/v3/routes/${seg(guid)}`, Route)
  }

  async find(domainGuid: string, host: string, path = '', port?: number): Promise<Route | undefined> {
    const found = await this.all(
      '/v3/routes',
      {domain_guids: [domainGuid], hosts: [host], paths: [path], ports: port === undefined ? undefined : [port]},
      Route,
    )
    return found.find((r) => r.host === host && (r.path ?? '') === path && (port === undefined || r.port === port))
  }

  async create(body: RouteCreate): Promise<Route> {
    return (await this.http.request({method: 'POST', path: '/v3/routes', json: body, schema: Route})).data
  }

  async delete(guid: string) {
    const res = await this.http.request({method: 'DELETE', path: `/v3/routes/${seg(guid)}`, responseType: 'text'})
    return jobRef(res.location, 'the route delete')
  }

  async destinations(routeGuid: string): Promise<Destination[]> {
    return (await this.read(`/v3/routes/${seg(routeGuid)}/destinations`, Destinations)).destinations
  }

  /** Map: insert destinations, keeping existing ones. Inserting a destination that exists changes nothing, so this is safe to repeat. */
  async insertDestinations(routeGuid: string, destinations: NewDestination[]): Promise<Destination[]> {
    return (
      await this.http.request({
        method: 'POST',
        path: `/v3/routes/${seg(routeGuid)}/destinations`,
        json: {destinations},
        schema: Destinations,
        idempotent: true,
      })
    ).data.destinations
  }

  /** Unmap one destination. */
  async removeDestination(routeGuid: string, destinationGuid: string): Promise<void> {
    await this.http.request({method: 'DELETE', path: `/v3/routes/${seg(routeGuid)}/destinations/${seg(destinationGuid)}`, responseType: 'text'})
  }
}
