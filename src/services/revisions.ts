/**
 * An app's revisions as `cfzd revisions` and `cfzd revision` show them. A revision is deployable while its droplet still exists and is STAGED
 * (Cloud Controller's `deployable`); which ones are deployed comes from
 * /v3/apps/:guid/revisions/deployed (more than one during a deployment).
 */
import type {CapiClient} from '../capi/client.js'
import type {App} from '../capi/resources/apps.js'
import {isDeployable, type Revision} from '../capi/resources/revisions.js'
import {refGuid} from '../capi/schemas.js'
import {NotFoundError} from '../errors.js'

export interface RevisionRow {
  version: number
  guid: string
  description: string
  deployed: boolean
  deployable: boolean
  droplet: string | null
  createdAt: string
}

export interface RevisionList {
  /** False when the app's `revisions` feature is off: updates then make no new revisions. */
  enabled: boolean
  revisions: RevisionRow[]
  /** Versions of the deployed revisions (none while the app is stopped, two or more mid-deployment). */
  deployed: number[]
}

function row(r: Revision, deployed: Set<string>): RevisionRow {
  return {
    version: r.version,
    guid: r.guid,
    description: r.description ?? '',
    deployed: deployed.has(r.guid),
    deployable: isDeployable(r),
    droplet: refGuid(r.droplet) ?? null,
    createdAt: r.created_at,
  }
}

export async function listRevisions(capi: CapiClient, app: App): Promise<RevisionList> {
  const [feature, revisions, deployed] = await Promise.all([
    capi.features.getOne(app.guid, 'revisions'),
    capi.revisions.forApp(app.guid),
    capi.revisions.deployedForApp(app.guid),
  ])
  const ids = new Set(deployed.map((r) => r.guid))
  return {
    enabled: feature.enabled,
    revisions: revisions.map((r) => row(r, ids)).sort((a, b) => a.version - b.version),
    deployed: deployed.map((r) => r.version).sort((a, b) => a - b),
  }
}

export interface RevisionDetail extends RevisionRow {
  processes: Record<string, string | null>
  sidecars: {name: string; command: string; processTypes: string[]}[]
  labels: Record<string, string | null>
  annotations: Record<string, string | null>
  /** Variable names, sorted; values only when asked for. */
  env: {name: string; value?: unknown}[]
}

/** The app's revision with this version, or a NotFoundError that lists the versions there are. */
export async function findRevision(capi: CapiClient, app: App, version: number): Promise<Revision> {
  const found = await capi.revisions.byVersion(app.guid, version)
  if (found) return found
  const all = await capi.revisions.forApp(app.guid)
  const versions = all.map((r) => r.version).sort((a, b) => a - b)
  throw new NotFoundError(
    `Revision ${version} not found for app '${app.name}'.${versions.length ? ` Its revisions are ${versions.join(', ')}.` : ' It has no revisions.'}`,
    [`Run 'cfzd revisions ${app.name}' to list them.`],
  )
}

export async function describeRevision(capi: CapiClient, app: App, version: number, showEnv: boolean): Promise<RevisionDetail> {
  const rev = await findRevision(capi, app, version)
  const [deployed, vars] = await Promise.all([capi.revisions.deployedForApp(app.guid), capi.revisions.environmentVariables(rev.guid)])
  return {
    ...row(rev, new Set(deployed.map((r) => r.guid))),
    processes: Object.fromEntries(Object.entries(rev.processes).map(([type, p]) => [type, p.command])),
    sidecars: rev.sidecars.map((s) => ({name: s.name, command: s.command, processTypes: s.process_types})),
    labels: rev.metadata.labels,
    annotations: rev.metadata.annotations,
    env: Object.keys(vars)
      .sort()
      .map((name) => (showEnv ? {name, value: vars[name]} : {name})),
  }
}
