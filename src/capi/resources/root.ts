import {z} from 'zod'
import {Resource} from './base.js'

const RootLink = z
  .object({href: z.string(), meta: z.record(z.string(), z.unknown()).optional()})
  .nullable()
  .optional()

export const Root = z.object({
  links: z
    .object({
      self: RootLink,
      cloud_controller_v2: RootLink,
      cloud_controller_v3: RootLink,
      login: RootLink,
      uaa: RootLink,
      logging: RootLink,
      log_cache: RootLink,
      log_stream: RootLink,
      routing: RootLink,
      network_policy_v0: RootLink,
      network_policy_v1: RootLink,
      credhub: RootLink,
      app_ssh: RootLink,
    })
    .passthrough(),
})
export type Root = z.infer<typeof Root>

export const Info = z.object({
  build: z.string().nullable().optional(),
  cli_version: z.object({minimum: z.string().nullable().optional(), recommended: z.string().nullable().optional()}).partial().optional(),
  /**
   * The operator's own keys (info.custom), anything at all; a cfzd local foundation names its
   * router here (cfzd_local.router_url). A shape we don't expect reads as none.
   */
  custom: z
    .object({cfzd_local: z.object({router_url: z.string().optional()}).nullable().optional()})
    .nullable()
    .optional()
    .catch(null),
  description: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  version: z.union([z.number(), z.string()]).nullable().optional(),
  rate_limits: z
    .object({
      enabled: z.boolean().optional(),
      /** A number, or "" where the operator configured none. */
      general_limit: z.union([z.number(), z.string()]).nullable().optional(),
      reset_interval_in_minutes: z.union([z.number(), z.string()]).nullable().optional(),
    })
    .optional(),
})
export type Info = z.infer<typeof Info>

export class RootResource extends Resource {
  root() {
    return this.http.request({path: '/', schema: Root, auth: false}).then((r) => r.data)
  }

  info() {
    return this.http.request({path: '/v3/info', schema: Info, auth: false}).then((r) => r.data)
  }
}
