import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, ToOne, ToOneRequired, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'
import {Feature} from './features.js'

export const Space = z.object({
  ...resourceBase,
  name: z.string(),
  suspended: z.boolean().optional(),
  relationships: z.object({organization: ToOneRequired, quota: ToOne.optional()}),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Space = z.infer<typeof Space>

export const SpaceUsageSummary = z.object({
  usage_summary: z.object({started_instances: z.number(), memory_in_mb: z.number(), routes: z.number().optional()}).passthrough(),
})

export class Spaces extends Resource {
  list(query: Query = {}) {
    return this.all('/v3/spaces', {order_by: 'name', ...query}, Space)
  }

  get(guid: string) {
    return this.read(`/v3/spaces/${seg(guid)}`, Space)
  }

  async findByName(orgGuid: string, name: string): Promise<Space | undefined> {
    const found = await this.all('/v3/spaces', {names: [name], organization_guids: [orgGuid]}, Space)
    return found.find((s) => s.name === name) ?? found.find((s) => s.name.toLowerCase() === name.toLowerCase())
  }

  usageSummary(guid: string) {
    return this.read(`/v3/spaces/${seg(guid)}/usage_summary`, SpaceUsageSummary)
  }

  sshFeature(guid: string) {
    return this.read(`/v3/spaces/${seg(guid)}/features/ssh`, Feature)
  }
}
