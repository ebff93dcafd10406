import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'

export const Buildpack = z.object({
  ...resourceBase,
  name: z.string(),
  state: z.string().optional(),
  stack: z.string().nullable().optional(),
  lifecycle: z.string().optional(),
  filename: z.string().nullable().optional(),
  position: z.number().int().optional(),
  enabled: z.boolean().optional(),
  locked: z.boolean().optional(),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Buildpack = z.infer<typeof Buildpack>

export class Buildpacks extends Resource {
  list(query: Query = {}) {
    return this.all('/v3/buildpacks', {order_by: 'position', ...query}, Buildpack)
  }

  /** Buildpacks with this exact name (case-sensitive), one per stack. */
  byName(name: string) {
    return this.all('/v3/buildpacks', {names: [name]}, Buildpack)
  }

  get(guid: string) {
    return this.read(`/v3/buildpacks/${seg(guid)}`, Buildpack)
  }
}
