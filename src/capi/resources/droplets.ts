import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, MetadataUpdate, ToOne, ToOneRequired, resourceBase} from '../schemas.js'
import {Resource, jobRef, seg} from './base.js'

export const DropletState = z.enum(['AWAITING_UPLOAD', 'PROCESSING_UPLOAD', 'STAGED', 'COPYING', 'FAILED', 'EXPIRED'])

export const DropletBuildpack = z.object({
  name: z.string().nullable(),
  detect_output: z.string().nullable().optional(),
  buildpack_name: z.string().nullable().optional(),
  version: z.string().nullable().optional(),
})
export type DropletBuildpack = z.infer<typeof DropletBuildpack>

export const Droplet = z.object({
  ...resourceBase,
  state: DropletState.or(z.string()),
  error: z.string().nullable().optional(),
  lifecycle: z.object({type: z.string(), data: z.record(z.string(), z.unknown()).default({})}),
  /** Redacted in lists. */
  execution_metadata: z.string().nullable().optional(),
  /** Redacted in lists as {redacted_message}. */
  process_types: z.record(z.string(), z.string()).nullable().optional(),
  checksum: z.object({type: z.string(), value: z.string().nullable()}).nullable().optional(),
  buildpacks: z.array(DropletBuildpack).nullable().optional(),
  stack: z.string().nullable().optional(),
  image: z.string().nullable().optional(),
  relationships: z.object({app: ToOne}).optional(),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Droplet = z.infer<typeof Droplet>

/** Body of POST /v3/droplets (a droplet without a package) and of a copy (?source_guid=). */
export const DropletCreate = z.object({
  relationships: z.object({app: ToOneRequired}),
  process_types: z.record(z.string(), z.string()).optional(),
  metadata: MetadataUpdate.optional(),
})

export interface DropletListQuery extends Query {
  guids?: string[]
  states?: string[]
  app_guids?: string[]
  space_guids?: string[]
  organization_guids?: string[]
  order_by?: string
}

export class Droplets extends Resource {
  list(query: DropletListQuery = {}, signal?: AbortSignal) {
    return this.iterate('/v3/droplets', query, Droplet, signal)
  }

  listPages(query: DropletListQuery = {}, signal?: AbortSignal) {
    return this.pages('/v3/droplets', query, Droplet, signal)
  }

  get(guid: string) {
    return this.read(`/v3/droplets/${seg(guid)}`, Droplet)
  }

  /** The app's current droplet, or undefined when none is set. */
  async currentForApp(appGuid: string): Promise<Droplet | undefined> {
    try {
      return await this.read(`/v3/apps/${seg(appGuid)}/droplets/current`, Droplet)
    } catch (e) {
      if ((e as {status?: number}).status === 404) return undefined
      throw e
    }
  }

  forApp(appGuid: string, query: Query = {}) {
    return this.all(`/v3/apps/${seg(appGuid)}/droplets`, query, Droplet)
  }

  /** The newest STAGED droplet of a package, if any. */
  stagedForPackage(packageGuid: string) {
    return this.first(`/v3/packages/${seg(packageGuid)}/droplets`, {states: ['STAGED']}, Droplet)
  }

  /** Copy a droplet into another app: POST /v3/droplets?source_guid=. */
  async copy(sourceGuid: string, appGuid: string): Promise<Droplet> {
    return (
      await this.http.request({
        method: 'POST',
        path: '/v3/droplets',
        query: {source_guid: sourceGuid},
        json: {relationships: {app: {data: {guid: appGuid}}}},
        schema: Droplet,
      })
    ).data
  }

  async delete(guid: string) {
    const res = await this.http.request({method: 'DELETE', path: `/v3/droplets/${seg(guid)}`, responseType: 'text'})
    return jobRef(res.location, 'the droplet delete')
  }
}
