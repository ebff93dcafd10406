import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, NullableGuidRef, ToOneRequired, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'
import {EnvironmentVariables} from './environment-variables.js'

export const Revision = z.object({
  ...resourceBase,
  version: z.number().int(),
  /** `{guid: null}` once the droplet is gone; then the revision is not deployable. */
  droplet: NullableGuidRef.nullable(),
  processes: z.record(z.string(), z.object({command: z.string().nullable()})).default({}),
  sidecars: z
    .array(z.object({name: z.string(), command: z.string(), process_types: z.array(z.string()), memory_in_mb: z.number().nullable().optional()}))
    .default([]),
  description: z.string().nullable().optional(),
  deployable: z.boolean().optional(),
  relationships: z.object({app: ToOneRequired}),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Revision = z.infer<typeof Revision>

/** Cloud Controller's `deployable` (its droplet exists and is STAGED); older ones don't send it, so then: it has a droplet. */
export function isDeployable(r: Revision): boolean {
  return r.deployable ?? r.droplet?.guid != null
}

export class Revisions extends Resource {
  forApp(appGuid: string, query: Query = {}) {
    return this.all(`/v3/apps/${seg(appGuid)}/revisions`, query, Revision)
  }

  /** The app's revision with this version, or undefined. */
  async byVersion(appGuid: string, version: number): Promise<Revision | undefined> {
    return (await this.forApp(appGuid, {versions: [String(version)]})).find((r) => r.version === version)
  }

  deployedForApp(appGuid: string) {
    return this.all(`/v3/apps/${seg(appGuid)}/revisions/deployed`, {}, Revision)
  }

  get(guid: string) {
    return this.read(`/v3/revisions/${seg(guid)}`, Revision)
  }

  async environmentVariables(guid: string): Promise<Record<string, unknown>> {
    return (await this.read(`/v3/revisions/${seg(guid)}/environment_variables`, EnvironmentVariables)).var
  }
}
