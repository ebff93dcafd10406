import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, ToOne, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'

export const Organization = z.object({
  ...resourceBase,
  name: z.string(),
  suspended: z.boolean().optional(),
  relationships: z.object({quota: ToOne.optional()}).default({}),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Organization = z.infer<typeof Organization>

export const OrganizationUsageSummary = z.object({
  usage_summary: z.object({started_instances: z.number(), memory_in_mb: z.number()}).passthrough(),
})

export class Organizations extends Resource {
  list(query: Query = {}) {
    return this.all('/v3/organizations', {order_by: 'name', ...query}, Organization)
  }

  get(guid: string) {
    return this.read(`/v3/organizations/${seg(guid)}`, Organization)
  }

  usageSummary(guid: string) {
    return this.read(`/v3/organizations/${seg(guid)}/usage_summary`, OrganizationUsageSummary)
  }

  async findByName(name: string): Promise<Organization | undefined> {
    const found = await this.all('/v3/organizations', {names: [name]}, Organization)
    return found.find((o) => o.name === name) ?? found.find((o) => o.name.toLowerCase() === name.toLowerCase())
  }
}
