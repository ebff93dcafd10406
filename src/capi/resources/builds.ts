import {z} from 'zod'
import type {Query} from '../http.js'
import {GuidRef, Lifecycle, Links, Metadata, MetadataUpdate, NullableGuidRef, ToOneRequired, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'

export const BuildState = z.enum(['STAGING', 'STAGED', 'FAILED'])
export const Build = z.object({
  ...resourceBase,
  state: BuildState.or(z.string()),
  error: z.string().nullable().optional(),
  lifecycle: Lifecycle.optional(),
  package: NullableGuidRef.nullable().optional(),
  /** Null until the droplet is in a final state. */
  droplet: GuidRef.nullable().optional(),
  staging_memory_in_mb: z.number().nullable().optional(),
  staging_disk_in_mb: z.number().nullable().optional(),
  staging_log_rate_limit_bytes_per_second: z.number().nullable().optional(),
  /** All three are null on builds from before Cloud Controller recorded who staged them. */
  created_by: z.object({guid: z.string().nullable(), name: z.string().nullable(), email: z.string().nullable()}).partial().nullable().optional(),
  relationships: z.object({app: ToOneRequired}),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Build = z.infer<typeof Build>

export const BuildCreate = z.object({
  package: GuidRef,
  lifecycle: Lifecycle.optional(),
  staging_memory_in_mb: z.number().int().optional(),
  staging_disk_in_mb: z.number().int().optional(),
  staging_log_rate_limit_bytes_per_second: z.number().int().optional(),
  metadata: MetadataUpdate.optional(),
})
export type BuildCreate = z.infer<typeof BuildCreate>

export class Builds extends Resource {
  list(query: Query = {}) {
    return this.iterate('/v3/builds', query, Build)
  }

  get(guid: string, signal?: AbortSignal) {
    return this.http.request({path: `/v3/builds/${seg(guid)}`, schema: Build, signal}).then((r) => r.data)
  }

  async create(body: BuildCreate): Promise<Build> {
    return (await this.http.request({method: 'POST', path: '/v3/builds', json: body, schema: Build})).data
  }

  /** Builds of this package, newest first (to find a build a failed POST may have created). */
  forPackage(packageGuid: string) {
    return this.all('/v3/builds', {package_guids: [packageGuid], order_by: '-created_at'}, Build)
  }
}
