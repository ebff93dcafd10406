import {z} from 'zod'
import {Links, ToMany, ToOne, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'

const AppsLimits = z.object({
  total_memory_in_mb: z.number().nullable(),
  per_process_memory_in_mb: z.number().nullable(),
  log_rate_limit_in_bytes_per_second: z.number().nullable().optional(),
  total_instances: z.number().nullable(),
  per_app_tasks: z.number().nullable().optional(),
})

export const SpaceQuota = z.object({
  ...resourceBase,
  name: z.string(),
  apps: AppsLimits,
  services: z.record(z.string(), z.unknown()).optional(),
  routes: z.record(z.string(), z.unknown()).optional(),
  relationships: z.object({organization: ToOne, spaces: ToMany.optional()}),
  links: Links.optional(),
})
export type SpaceQuota = z.infer<typeof SpaceQuota>

export const OrganizationQuota = z.object({
  ...resourceBase,
  name: z.string(),
  apps: AppsLimits,
  services: z.record(z.string(), z.unknown()).optional(),
  routes: z.record(z.string(), z.unknown()).optional(),
  domains: z.record(z.string(), z.unknown()).optional(),
  relationships: z.object({organizations: ToMany.optional()}).optional(),
  links: Links.optional(),
})
export type OrganizationQuota = z.infer<typeof OrganizationQuota>

/** The app-related limits that matter for headroom: null means unlimited. */
export type AppLimits = z.infer<typeof AppsLimits>

export class SpaceQuotas extends Resource {
  get(guid: string) {
    return this.read(`/v3/space_quotas/${seg(guid)}`, SpaceQuota)
  }
}

export class OrganizationQuotas extends Resource {
  get(guid: string) {
    return this.read(`/v3/organization_quotas/${seg(guid)}`, OrganizationQuota)
  }
}
