/** Helpers shared by the resource handlers. */
import type {Foundation} from '../../kernel.js'
import type {Base, Metadata, OrgRec, SpaceRec, Table} from '../../state.js'
import {parseJson} from '../body.js'
import {notFound} from '../errors.js'
import {isObj} from '../messages.js'
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

/**
 * Merge request metadata (its message has checked it: MetadataValidator): keys set to null are
 * removed, label values are kept as strings (labels_update.rb, annotations_update.rb).
 */
export function applyMetadata(target: {metadata: Metadata; updatedAt: number}, patch: unknown, now: number): void {
  if (!isObj(patch)) return
  for (const kind of ['labels', 'annotations'] as const) {
    const entries = patch[kind]
    if (!isObj(entries)) continue
    for (const [k, v] of Object.entries(entries)) {
      if (v === null) delete target.metadata[kind][k]
      else target.metadata[kind][k] = typeof v === 'string' ? v : JSON.stringify(v)
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
  const spaces = (rows: T[]) =>
    uniqueBy(
      rows.map((r) => f.store.spaces.get(spaceGuidOf(r))),
      (s: SpaceRec) => s.guid,
    )
  return {
    space: (rows: T[]): [string, unknown[]] => ['spaces', spaces(rows).map((s) => presentSpace(f, s))],
    'space.organization': (rows: T[]): [string, unknown[]] => [
      'organizations',
      uniqueBy(
        spaces(rows).map((s) => f.store.orgs.get(s.orgGuid)),
        (o: OrgRec) => o.guid,
      ).map((o) => presentOrg(f, o)),
    ],
  }
}

/** Comma-list filter on names, case-insensitively (apps, orgs, spaces, domains). */
export const namesCi = (name: string, values: string[]) => values.some((v) => v.toLowerCase() === name.toLowerCase())
