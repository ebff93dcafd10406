/**
 * Lists as Cloud Controller serves them (paginated_list_presenter.rb, list_message.rb): `per_page` 1..5000
 * (default 50), `page` ≥ 1, absolute page links repeating the active parameters, filters ORed
 * within a parameter and ANDed across, `order_by` with a leading '-' for descending,
 * `label_selector`, `created_ats`/`updated_ats` (exact or [lt|lte|gt|gte]), `include`, and 400
 * CF-BadQueryParameter for anything unknown.
 */
import type {Metadata} from '../state.js'
import {badQuery} from './errors.js'
import type {Query} from './query.js'
import type {Ctx, Reply} from './routes.js'

export type Filter<T> = (row: T, values: string[]) => boolean

export interface ListSpec<T extends {guid: string; createdAt: number; updatedAt: number; metadata?: Metadata}> {
  /** Filters by query parameter name. `guids` is built in. */
  filters?: Record<string, Filter<T>>
  /** Extra sort keys beyond created_at and updated_at, e.g. name. */
  orderBy?: Record<string, (row: T) => string | number>
  /** Default order when no order_by is given (creation order otherwise). */
  defaultOrder?: (a: T, b: T) => number
  /** Allowed `include` values and how to resolve them. */
  include?: Record<string, (rows: T[]) => [string, unknown[]]>
  /** The row's space: enables the space_guids and organization_guids filters. */
  space?: (row: T) => string | null | undefined
  /** Other parameters the endpoint accepts and handles itself (e.g. embed). */
  extra?: string[]
  /** Disable label_selector (resources without metadata). */
  noLabels?: boolean
  /** Disable created_ats/updated_ats. */
  noTimestamps?: boolean
}

const PAGING = ['page', 'per_page', 'order_by']
const OPS = ['lt', 'lte', 'gt', 'gte']

/** 400 for any parameter outside `allowed` (base_message.rb's message). */
export function assertKnownParams(query: Query, allowed: string[]): void {
  const unknown = query.keys().filter((k) => !allowed.includes(k) && !allowed.includes(k.replace(/\[(lt|lte|gt|gte|not)\]$/, '')))
  if (unknown.length > 0) {
    throw badQuery(`Unknown query parameter(s): '${unknown.join("', '")}'. Valid parameters are: '${allowed.join("', '")}'`)
  }
}

export interface ListOptions {
  /** The path the page links point at (defaults to the request path). */
  path?: string
}

export function list<T extends {guid: string; createdAt: number; updatedAt: number; seq?: number; metadata?: Metadata}>(
  ctx: Ctx,
  rows: T[],
  spec: ListSpec<T>,
  present: (row: T) => unknown,
  opts: ListOptions = {},
): Reply {
  const q = ctx.query
  const filters: Record<string, Filter<T>> = {guids: (r, v) => v.includes(r.guid), ...spaceFilters(ctx, spec.space), ...spec.filters}
  const timestampKeys = spec.noTimestamps ? [] : ['created_ats', 'updated_ats']
  const allowed = [
    ...PAGING,
    ...Object.keys(filters),
    ...timestampKeys,
    ...(spec.noLabels ? [] : ['label_selector']),
    ...(spec.include ? ['include'] : []),
    ...(spec.extra ?? []),
  ]
  assertKnownParams(q, allowed)

  const {page, perPage} = pagingParams(q)
  const orderKeys: Record<string, (row: T) => string | number> = {created_at: (r) => r.createdAt, updated_at: (r) => r.updatedAt, ...spec.orderBy}
  const orderBy = q.get('order_by')
  if (orderBy !== undefined) {
    const field = orderBy.replace(/^[-+]/, '')
    if (!orderKeys[field])
      throw badQuery(
        `Order by can only be: ${Object.keys(orderKeys)
          .map((k) => `'${k}'`)
          .join(', ')}`,
      )
  }

  // Filter.
  let out = rows
  for (const [name, fn] of Object.entries(filters)) {
    const values = q.list(name)
    if (values !== undefined) out = out.filter((r) => fn(r, values))
  }
  for (const key of timestampKeys) {
    const field = key === 'created_ats' ? 'createdAt' : 'updatedAt'
    const exact = q.list(key)
    if (exact) {
      const wanted = new Set(exact.map(toSeconds))
      out = out.filter((r) => wanted.has(Math.floor(r[field] / 1000)))
    }
    for (const op of OPS) {
      const v = q.get(`${key}[${op}]`)
      if (v === undefined) continue
      const t = toSeconds(v)
      if (Number.isNaN(t))
        throw badQuery(
          `${key === 'created_ats' ? 'Created ats' : 'Updated ats'} has an invalid timestamp format. Timestamps should be formatted as 'YYYY-MM-DDThh:mm:ssZ'`,
        )
      out = out.filter((r) => compare(Math.floor(r[field] / 1000), op, t))
    }
  }
  const selector = spec.noLabels ? undefined : q.get('label_selector')
  if (selector !== undefined) {
    const requirements = parseLabelSelector(selector)
    out = out.filter((r) => requirements.every((req) => req(r.metadata?.labels ?? {})))
  }

  // Order (stable; creation order by default).
  if (orderBy !== undefined) {
    const desc = orderBy.startsWith('-')
    const key = orderKeys[orderBy.replace(/^[-+]/, '')]
    out = [...out].sort((a, b) => {
      const x = key(a)
      const y = key(b)
      const c = x < y ? -1 : x > y ? 1 : (a.seq ?? 0) - (b.seq ?? 0)
      return desc ? -c : c
    })
  } else if (spec.defaultOrder) {
    out = [...out].sort(spec.defaultOrder)
  }

  const total = out.length
  const slice = out.slice((page - 1) * perPage, page * perPage)
  const body: Record<string, unknown> = {
    pagination: pagination(ctx, opts.path ?? ctx.path, page, perPage, total),
    resources: slice.map(present),
  }
  const include = q.list('include')
  if (include && spec.include) body.included = resolveIncludes(include, spec.include, slice)
  return {status: 200, body}
}

function spaceFilters<T>(ctx: Ctx, spaceOf: ((row: T) => string | null | undefined) | undefined): Record<string, Filter<T>> {
  if (!spaceOf) return {}
  let inOrgs: Set<string> | undefined
  return {
    space_guids: (r, v) => v.includes(spaceOf(r) ?? ''),
    organization_guids: (r, v) => (inOrgs ??= spaceGuidsOfOrgs(ctx, v)).has(spaceOf(r) ?? ''),
  }
}

function spaceGuidsOfOrgs(ctx: Ctx, orgGuids: string[]): Set<string> {
  const out = new Set<string>()
  for (const o of orgGuids) for (const s of ctx.f.store.spaces.by('org', o)) out.add(s.guid)
  return out
}

export function pagingParams(q: Query): {page: number; perPage: number} {
  const pageRaw = q.get('page')
  const perPageRaw = q.get('per_page')
  const page = pageRaw === undefined ? 1 : Number(pageRaw)
  const perPage = perPageRaw === undefined ? 50 : Number(perPageRaw)
  if (!Number.isInteger(page) || page < 1) throw badQuery('Page must be a positive integer')
  if (!Number.isInteger(perPage) || perPage < 1) throw badQuery('Per page must be a positive integer')
  if (perPage > 5000) throw badQuery('Per page must be between 1 and 5000')
  return {page, perPage}
}

/** The pagination object with absolute links; the query repeats the active parameters. */
export function pagination(ctx: Ctx, path: string, page: number, perPage: number, total: number) {
  const totalPages = Math.max(1, Math.ceil(total / perPage))
  const params = ctx.query
    .keys()
    .filter((k) => k !== 'page' && k !== 'per_page')
    .sort()
    .map((k) => `${encodeKey(k)}=${ctx.query.raw.get(k)}`)
  const link = (n: number) => ({href: `${ctx.f.settings.apiUrl}${path}?${[...params, `page=${n}`, `per_page=${perPage}`].join('&')}`})
  return {
    total_results: total,
    total_pages: totalPages,
    first: link(1),
    last: link(totalPages),
    next: page < totalPages ? link(page + 1) : null,
    previous: page > 1 ? link(Math.min(page - 1, totalPages)) : null,
  }
}

export function resolveIncludes<T>(include: string[], resolvers: Record<string, (rows: T[]) => [string, unknown[]]>, rows: T[]): Record<string, unknown[]> {
  const unknown = include.filter((i) => !resolvers[i])
  if (unknown.length > 0)
    throw badQuery(`Invalid included resource: '${unknown.join("', '")}'. Valid included resources are: '${Object.keys(resolvers).join("', '")}'`)
  // As in Cloud Controller, a nested include brings its parents: space.organization includes spaces too.
  const wanted = new Set<string>()
  for (const name of include) {
    const parts = name.split('.')
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('.')
      if (resolvers[prefix]) wanted.add(prefix)
    }
  }
  const out: Record<string, unknown[]> = {}
  for (const name of wanted) {
    const [key, values] = resolvers[name](rows)
    out[key] = values
  }
  return out
}

/** For single-resource GETs: `?include=` only. */
export function includedFor<T>(ctx: Ctx, resolvers: Record<string, (rows: T[]) => [string, unknown[]]>, row: T): Record<string, unknown[]> | undefined {
  const include = ctx.query.list('include')
  return include ? resolveIncludes(include, resolvers, [row]) : undefined
}

/** Distinct values in first-seen order. */
export function uniqueBy<T>(items: (T | undefined)[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>()
  for (const i of items) if (i && !seen.has(key(i))) seen.set(key(i), i)
  return [...seen.values()]
}

function encodeKey(k: string): string {
  return encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')
}

function toSeconds(s: string): number {
  return Math.floor(Date.parse(s) / 1000)
}

function compare(x: number, op: string, y: number): boolean {
  return op === 'lt' ? x < y : op === 'lte' ? x <= y : op === 'gt' ? x > y : x >= y
}

type Requirement = (labels: Record<string, string>) => boolean

/**
 * label_selector: comma-separated requirements, ANDed: `key`, `!key`, `key=v` (or `==`),
 * `key!=v`, `key in (a,b)`, `key notin (a,b)`.
 */
export function parseLabelSelector(selector: string): Requirement[] {
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of selector) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += ch
  }
  parts.push(cur)
  return parts.map((raw) => {
    const p = raw.trim()
    let m: RegExpExecArray | null
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
      const [, key, op, list] = m
      const values = list.split(',').map((v) => v.trim())
      return op === 'in' ? (l) => key in l && values.includes(l[key]) : (l) => !(key in l) || !values.includes(l[key])
    }
    if ((m = /^([\w./-]+)\s*!=\s*([\w.-]*)$/.exec(p))) {
      const [, key, v] = m
      return (l) => l[key] !== v
    }
    if ((m = /^([\w./-]+)\s*==?\s*([\w.-]*)$/.exec(p))) {
      const [, key, v] = m
      return (l) => l[key] === v
    }
    if ((m = /^!([\w./-]+)$/.exec(p))) {
      const key = m[1]
      return (l) => !(key in l)
    }
    if ((m = /^([\w./-]+)$/.exec(p))) {
      const key = m[1]
      return (l) => key in l
    }
    throw badQuery(`Invalid label_selector value: '${p}'`)
  })
}
