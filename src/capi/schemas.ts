/**
 * Shared zod building blocks for CAPI v3 responses. Objects tolerate unknown keys (a newer Cloud
 * Controller may add fields) and require the fields cfzd relies on.
 */
import {z} from 'zod'

export const Guid = z.string().min(1)
export const Timestamp = z.string()

export const Link = z.object({href: z.string(), method: z.string().optional()})
export const Links = z.record(z.string(), Link.nullable())

export const Metadata = z.object({
  labels: z.record(z.string(), z.string().nullable()).default({}),
  annotations: z.record(z.string(), z.string().nullable()).default({}),
})
export type Metadata = z.infer<typeof Metadata>

export const ToOne = z.object({data: z.object({guid: Guid}).nullable()})
export const ToOneRequired = z.object({data: z.object({guid: Guid})})
export const ToMany = z.object({data: z.array(z.object({guid: Guid}))})

export const GuidRef = z.object({guid: Guid})

export const Lifecycle = z.object({
  type: z.enum(['buildpack', 'cnb', 'docker']).or(z.string()),
  data: z
    .object({
      buildpacks: z.array(z.string()).optional(),
      stack: z.string().nullable().optional(),
    })
    .passthrough()
    .default({}),
})
export type Lifecycle = z.infer<typeof Lifecycle>

export const Pagination = z.object({
  total_results: z.number().int(),
  total_pages: z.number().int(),
  first: Link.nullable().optional(),
  last: Link.nullable().optional(),
  next: Link.nullable(),
  previous: Link.nullable().optional(),
})
export type Pagination = z.infer<typeof Pagination>

export function Page<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    pagination: Pagination,
    resources: z.array(item),
    included: z.record(z.string(), z.array(z.unknown())).optional(),
  })
}
export type PageOf<T> = {pagination: Pagination; resources: T[]; included?: Record<string, unknown[]>}

/** Common fields of a top-level resource. */
export const resourceBase = {
  guid: Guid,
  created_at: Timestamp,
  updated_at: Timestamp,
}

export const ErrorItem = z.object({code: z.number(), title: z.string(), detail: z.string()})
export const ErrorEnvelope = z.object({errors: z.array(ErrorItem)})

/** A metadata PATCH: keys set to null are removed. */
export const MetadataUpdate = z.object({
  labels: z.record(z.string(), z.string().nullable()).optional(),
  annotations: z.record(z.string(), z.string().nullable()).optional(),
})
export type MetadataUpdate = z.infer<typeof MetadataUpdate>
