import {z} from 'zod'
import {ToOneRequired, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'

export const Sidecar = z.object({
  ...resourceBase,
  name: z.string(),
  command: z.string(),
  process_types: z.array(z.string()),
  memory_in_mb: z.number().nullable().optional(),
  /** `user` sidecars are the app's own; `buildpack` ones come back with staging. */
  origin: z.string().nullable().optional(),
  relationships: z.object({app: ToOneRequired}),
})
export type Sidecar = z.infer<typeof Sidecar>

export const SidecarCreate = z.object({
  name: z.string(),
  command: z.string(),
  process_types: z.array(z.string()).min(1),
  memory_in_mb: z.number().int().optional(),
})
export type SidecarCreate = z.infer<typeof SidecarCreate>

export class Sidecars extends Resource {
  forApp(appGuid: string) {
    return this.all(`/v3/apps/${seg(appGuid)}/sidecars`, {}, Sidecar)
  }

  async create(appGuid: string, body: SidecarCreate): Promise<Sidecar> {
    return (await this.http.request({method: 'POST', path: `/v3/apps/${seg(appGuid)}/sidecars`, json: body, schema: Sidecar})).data
  }
}
