/** Helpers shared by the resource handlers. */
import {MetadataUpdate} from '../../../capi/schemas.js'
import type {Foundation} from '../../foundation.js'
import type {Base, Metadata, OrgRec, SpaceRec, Table} from '../../state.js'
import {parseJson, validate} from '../body.js'
import {notFound} from '../errors.js'
import {uniqueBy} from '../list.js'
import {presentOrg, presentSpace} from '../presenters.js'
import type {Ctx} from '../routes.js'

/** The row, or 404 CF-ResourceNotFound "<Resource> not found". */
export function find<T extends Base>(table: Table<T>, guid: string | undefined, resource: string): T {
  const row = table.get(guid)
  if (!row) throw notFound(resource)
  return row
}

export const jsonBody = (ctx: Ctx) => parseJson(ctx.body)

/** Merge a metadata PATCH: keys set to null are removed. */
export function applyMetadata(target: {metadata: Metadata; updatedAt: number}, patch: unknown, now: number): void {
  if (patch === undefined) return
  const m = validate(MetadataUpdate, patch)
  for (const kind of ['labels', 'annotations'] as const) {
    for (const [k, v] of Object.entries(m[kind] ?? {})) {
      if (v === null) delete target.metadata[kind][k]
      else target.metadata[kind][k] = v
    }
  }
  target.updatedAt = now
}

/** Metadata for a new resource from a request body. */
export function newMetadata(patch: unknown): Metadata {
  const target = {metadata: {labels: {}, annotations: {}}, updatedAt: 0}
  applyMetadata(target, patch, 0)
  return target.metadata
}

/** include=space / space.organization resolvers for resources that belong to a space. */
export function spaceIncludes<T>(f: Foundation, spaceGuidOf: (row: T) => string) {
  const spaces = (rows: T[]) => uniqueBy(rows.map((r) => f.store.spaces.get(spaceGuidOf(r))), (s: SpaceRec) => s.guid)
  return {
    space: (rows: T[]): [string, unknown[]] => ['spaces', spaces(rows).map((s) => presentSpace(f, s))],
    'space.organization': (rows: T[]): [string, unknown[]] => [
      'organizations',
      uniqueBy(spaces(rows).map((s) => f.store.orgs.get(s.orgGuid)), (o: OrgRec) => o.guid).map((o) => presentOrg(f, o)),
    ],
  }
}

/** Comma-list filter on names, case-insensitively (apps, orgs, spaces, domains). */
export const namesCi = (name: string, values: string[]) => values.some((v) => v.toLowerCase() === name.toLowerCase())
