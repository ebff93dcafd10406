/**
 * Shared zod building blocks for CAPI v3 responses. Objects tolerate unknown keys (a newer Cloud
 * Controller may add fields) and require only the fields cfzd relies on. Response shapes follow
 * cloud_controller_ng's presenters, not the docs' examples: whatever a presenter can send as null
 * (a column that can be NULL, a relationship that is empty) is nullable here. The contract corpus
 * in test/fixtures/cc holds them to it.
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

/**
 * A to-one relationship that can be empty. Cloud Controller presents an empty one two ways:
 * `{data: null}` (a space with no quota) and `{data: {guid: null}}` (an app with no droplet).
 * Read it with relGuid().
 */
export const ToOne = z.object({data: z.object({guid: Guid.nullable()}).nullable()})
/** A to-one relationship that is always set (an app's space, a process's app); also request bodies. */
export const ToOneRequired = z.object({data: z.object({guid: Guid})})
export const ToMany = z.object({data: z.array(z.object({guid: Guid}))})

/** A JSON object that Cloud Controller presents as null while it is unset (an app's variables, an env group). */
export const JsonObject = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((v) => v ?? {})

export const GuidRef = z.object({guid: Guid})
/** A `{guid}` reference that can be empty, `{guid: null}`: a deployment's previous droplet, a revision's droplet. Read it with refGuid(). */
export const NullableGuidRef = z.object({guid: Guid.nullable()})

/** The guid of a to-one relationship, or undefined when it is empty in either of Cloud Controller's forms. */
export function relGuid(rel: {data: {guid: string | null} | null} | null | undefined): string | undefined {
  return rel?.data?.guid ?? undefined
}

/** The guid of a `{guid}` reference, or undefined when it is null or `{guid: null}`. */
export function refGuid(ref: {guid: string | null} | null | undefined): string | undefined {
  return ref?.guid ?? undefined
}

/** Lifecycle types cfzd knows; Cloud Controller has added types before (cnb), so others pass. */
export const LifecycleType = {BUILDPACK: 'buildpack', CNB: 'cnb', DOCKER: 'docker'} as const
export const Lifecycle = z.object({
  type: z.string(),
  data: z
    .object({
      buildpacks: z.array(z.string()).nullable().optional(),
      stack: z.string().nullable().optional(),
    })
    .passthrough()
    .default({}),
})
export type Lifecycle = z.infer<typeof Lifecycle>

export const Pagination = z.object({
  total_results: z.number().int().optional(),
  total_pages: z.number().int().optional(),
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
  /** Null on rows that were back-filled without it (processes from a 2018 migration). */
  updated_at: Timestamp.nullable(),
}

/** One error of an envelope. A job's stored errors and a broker's may lack a title or detail. */
export const ErrorItem = z.object({
  code: z.number().catch(0),
  title: z.string().catch(''),
  detail: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
})
export const ErrorEnvelope = z.object({errors: z.array(ErrorItem)})

/** A metadata PATCH: keys set to null are removed. */
export const MetadataUpdate = z.object({
  labels: z.record(z.string(), z.string().nullable()).optional(),
  annotations: z.record(z.string(), z.string().nullable()).optional(),
})
export type MetadataUpdate = z.infer<typeof MetadataUpdate>
