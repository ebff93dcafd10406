import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, ToMany, ToOne, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'

export const Domain = z.object({
  ...resourceBase,
  name: z.string(),
  internal: z.boolean().default(false),
  router_group: z.object({guid: z.string()}).nullable().optional(),
  supported_protocols: z.array(z.string()).default(['http']),
  relationships: z.object({organization: ToOne, shared_organizations: ToMany.optional()}),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Domain = z.infer<typeof Domain>

export const RouteReservation = z.object({matching_route: z.boolean()})

export class Domains extends Resource {
  list(query: Query = {}) {
    return this.all('/v3/domains', query, Domain)
  }

  get(guid: string) {
    return this.read(`/v3/domains/${seg(guid)}`, Domain)
  }

  async findByName(name: string): Promise<Domain | undefined> {
    const found = await this.all('/v3/domains', {names: [name]}, Domain)
    return found.find((d) => d.name.toLowerCase() === name.toLowerCase())
  }

  forOrganization(orgGuid: string) {
    return this.all(`/v3/organizations/${seg(orgGuid)}/domains`, {}, Domain)
  }

  defaultForOrganization(orgGuid: string) {
    return this.read(`/v3/organizations/${seg(orgGuid)}/domains/default`, Domain)
  }

  async routeReserved(domainGuid: string, r: {host?: string; path?: string; port?: number}): Promise<boolean> {
    return (await this.read(`/v3/domains/${seg(domainGuid)}/route_reservations`, RouteReservation, r)).matching_route
  }
}
