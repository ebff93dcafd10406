/**
 * Lean bulk lists for discovery. A page of 5,000 apps is ~16 MB of JSON; parsed whole (links,
 * metadata, lifecycle data) and then validated into a second full copy, two such pages took a
 * 10,000-app discovery past 250 MB of RSS. Here the page is read as text through the same
 * transport (auth, retries, 429 handling, observers), and JSON.parse's reviver drops every field
 * selection does not use while it parses, so only small objects ever reach the old generation; a
 * slim schema then checks what is left.
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import {z} from 'zod'
import type {CapiClient} from '../capi/client.js'
import {SchemaError} from '../capi/errors.js'
import {formatPath, type Query} from '../capi/http.js'
import {MAX_PER_PAGE} from '../capi/pagination.js'
import {Pagination, ToOne, ToOneRequired} from '../capi/schemas.js'

/** Keys dropped from every lean page: links, metadata, timestamps selection does not read, pagination links but `next`. */
const COMMON = ['links', 'metadata', 'updated_at', 'first', 'last', 'previous']

/** Apps: lifecycle data (buildpacks, stack) is not needed; the app's own created_at neither. */
export const APP_DROPS = new Set([...COMMON, 'created_at', 'buildpacks', 'stack', 'environment_variables'])
/** Droplets: keep created_at, stack, buildpacks[{name, buildpack_name, version}]. */
export const DROPLET_DROPS = new Set([
  ...COMMON,
  'detect_output',
  'checksum',
  'process_types',
  'execution_metadata',
  'error',
  'image',
  'lifecycle',
  'relationships',
])
/** Processes (dry run): type, instances, memory, the app. */
export const PROCESS_DROPS = new Set([
  ...COMMON,
  'created_at',
  'command',
  'health_check',
  'readiness_health_check',
  'revision',
  'user',
  'version',
  'disk_in_mb',
  'log_rate_limit_in_bytes_per_second',
])

export const LeanApp = z.object({
  guid: z.string(),
  name: z.string(),
  state: z.string(),
  lifecycle: z.object({type: z.string()}),
  relationships: z.object({space: ToOneRequired, current_droplet: ToOne.optional()}),
})
export type LeanApp = z.infer<typeof LeanApp>

export const LeanDroplet = z.object({
  guid: z.string(),
  created_at: z.string(),
  stack: z.string().nullable().optional(),
  buildpacks: z
    .array(z.object({name: z.string().nullable(), buildpack_name: z.string().nullable().optional(), version: z.string().nullable().optional()}))
    .nullable()
    .optional(),
})
export type LeanDroplet = z.infer<typeof LeanDroplet>

export const LeanProcess = z.object({
  type: z.string(),
  instances: z.number(),
  memory_in_mb: z.number(),
  relationships: z.object({app: ToOneRequired}),
})
export type LeanProcess = z.infer<typeof LeanProcess>

const Included = z
  .object({
    spaces: z.array(z.object({guid: z.string(), name: z.string(), relationships: z.object({organization: ToOne.optional()}).optional()})).optional(),
    organizations: z.array(z.object({guid: z.string(), name: z.string()})).optional(),
  })
  .optional()

export interface LeanPage<T> {
  pagination: z.infer<typeof Pagination>
  resources: T[]
  included?: z.infer<typeof Included>
}

/** Every page of a list, per_page=5000, following pagination.next, each parsed lean. */
export async function* leanPages<T extends z.ZodTypeAny>(
  capi: CapiClient,
  path: string,
  query: Query,
  item: T,
  drops: Set<string>,
  signal?: AbortSignal,
): AsyncGenerator<LeanPage<z.infer<T>>> {
  const schema = z.object({pagination: Pagination, resources: z.array(item), included: Included})
  const reviver = (key: string, value: unknown) => (drops.has(key) ? undefined : value)
  let next: string | null = capi.http.url(path, {per_page: MAX_PER_PAGE, ...query})
  while (next) {
    let page: LeanPage<z.infer<T>> | undefined = await readPage(capi, next, schema, reviver, signal)
    next = page.pagination.next?.href ?? null
    const big = page.resources.length >= BIG_PAGE
    yield page
    // The consumer is done with this page: drop it, and on big lists collect before the next.
    page = undefined
    if (big) collectGarbage()
  }
}

/** One page, read as text and parsed lean; nothing but the result outlives the call. */
async function readPage<S extends z.ZodTypeAny>(capi: CapiClient, url: string, schema: S, reviver: (k: string, v: unknown) => unknown, signal?: AbortSignal) {
  const res = await capi.http.request<string>({path: url, responseType: 'text', signal})
  let raw: unknown
  try {
    raw = JSON.parse(res.data, reviver)
  } catch {
    throw new SchemaError([{path: '', message: `expected JSON, got ${JSON.stringify(res.data.slice(0, 80))}`}], {method: 'GET', url})
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    throw new SchemaError(
      parsed.error.issues.map((i) => ({path: formatPath(i.path as PropertyKey[]), message: i.message})),
      {method: 'GET', url},
    )
  }
  return parsed.data as z.infer<S>
}

/** Pages at least this long are collected right after use. */
const BIG_PAGE = 1000

let gc: (() => void) | null | undefined

/**
 * A full garbage collection, if V8 lets us. V8 collects the old generation lazily, so a few
 * dead 16 MB pages pile up into RSS although little is alive (a 10,000-app discovery peaked near
 * 290 MB and fits in 64 MB of old space). Collecting after each big page keeps the peak near
 * what is live. `--expose-gc` set at run time only makes `gc` callable; it changes nothing else.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc')
      gc = vm.runInNewContext('gc') as () => void
    } catch {
      gc = null
    }
  }
  gc?.()
}

/**
 * Collect when RSS passes `softLimitBytes`, at most once per `everyMs`: called as apps finish, it
 * keeps a long run from drifting upwards on garbage V8 has not got round to.
 */
export function memoryGuard(softLimitBytes = 150 * 1024 * 1024, everyMs = 5000, now: () => number = Date.now): () => void {
  let last = 0
  return () => {
    const t = now()
    if (t - last < everyMs || process.memoryUsage.rss() < softLimitBytes) return
    last = t
    collectGarbage()
  }
}
