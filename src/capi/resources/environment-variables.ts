import {z} from 'zod'
import {Links} from '../schemas.js'
import {Resource, seg} from './base.js'

/**
 * An app's (or revision's) own variables. Values are usually strings, but Cloud Controller stores
 * any JSON value given to POST /v3/apps, and presents it back as it was.
 */
export const EnvironmentVariables = z.object({
  var: z.record(z.string(), z.unknown()).default({}),
  links: Links.optional(),
})
export type EnvironmentVariables = z.infer<typeof EnvironmentVariables>

export class AppEnvironmentVariables extends Resource {
  async get(appGuid: string): Promise<Record<string, unknown>> {
    const res = await this.read(`/v3/apps/${seg(appGuid)}/environment_variables`, EnvironmentVariables)
    return stripNulls(res.var)
  }

  /** Merge: keys set to null are removed. Returns the full merged set. */
  async update(appGuid: string, vars: Record<string, string | null>): Promise<Record<string, unknown>> {
    const res = await this.http.request({
      method: 'PATCH',
      path: `/v3/apps/${seg(appGuid)}/environment_variables`,
      json: {var: vars},
      schema: EnvironmentVariables,
    })
    return stripNulls(res.data.var)
  }
}

function stripNulls(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, val] of Object.entries(v)) if (val !== null) out[k] = val
  return out
}
