import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'

export const Stack = z.object({
  ...resourceBase,
  name: z.string(),
  description: z.string().nullable().optional(),
  state: z.string().optional(),
  state_reason: z.string().nullable().optional(),
  build_rootfs_image: z.string().nullable().optional(),
  run_rootfs_image: z.string().nullable().optional(),
  default: z.boolean().optional(),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Stack = z.infer<typeof Stack>

export class Stacks extends Resource {
  list(query: Query = {}) {
    return this.all('/v3/stacks', query, Stack)
  }

  get(guid: string) {
    return this.read(`/v3/stacks/${seg(guid)}`, Stack)
  }
}
