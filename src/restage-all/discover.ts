/**
 * Discovery in a handful of requests, whatever the size of the foundation:
 *
 *   GET /v3/organizations?names=…, /v3/spaces?names=…   only for --org / --space (1 each)
 *   GET /v3/buildpacks                                  every admin buildpack (1)
 *   GET /v3/apps?include=space.organization&per_page=5000[&space_guids|organization_guids|label_selector]
 *   GET /v3/droplets?states=STAGED&per_page=5000[&scope]  or ?guids=… in chunks when few apps are in scope
 *
 * 10,000 apps take 2 app pages and a few droplet pages. Only where an app does not carry
 * relationships.current_droplet (older Cloud Controllers) is its droplet read on its own.
 *
 * Memory stays small: each page is reduced to the few fields selection needs (AppRef, DropletRef)
 * and dropped; droplets that are nobody's current droplet are never kept.
 */
import pLimit from 'p-limit'
import type {CapiClient} from '../capi/client.js'
import {CapiNotFound} from '../capi/errors.js'
import type {Droplet} from '../capi/resources/droplets.js'
import type {Query} from '../capi/http.js'
import type {Clock} from '../clock.js'
import {NotFoundError} from '../errors.js'
import type {Target} from '../auth/session.js'
import {APP_DROPS, DROPLET_DROPS, LeanApp, LeanDroplet, leanPages} from './lean.js'
import {classify, indexReleases, type SelectionRules} from './select.js'
import type {AppRef, BuildpackRelease, Decision, DropletRef, IgnoreReason} from './types.js'

export interface ScopeFlags {
  orgs: string[]
  spaces: string[]
  labelSelector?: string
}

export interface Scope {
  orgs: Target[]
  spaces: Target[]
  labelSelector?: string
}

export interface Candidate {
  app: AppRef
  decision: Extract<Decision, {kind: 'restage' | 'skip'}>
}

export interface Discovery {
  scope: Scope
  /** Admin buildpacks named like the one asked for (one per stack). */
  releases: BuildpackRelease[]
  selected: Candidate[]
  skipped: Candidate[]
  ignored: Record<IgnoreReason, number>
  /** Apps in scope. */
  apps: number
  /** API requests discovery made (retries included). */
  requests: number
  /** Of those, requests made for a single app (current_droplet missing, droplet not in the bulk list). */
  perAppRequests: number
  durationMs: number
}

export interface DiscoverOptions {
  scope: ScopeFlags
  rules: SelectionRules
  /** Apps already restaged, per a --resume report. */
  done?: (app: AppRef) => boolean
  signal?: AbortSignal
  clock: Clock
}

/** Droplet GUIDs per request when asking by guids (keeps URLs well under 8 KB). */
export const GUID_CHUNK = 100
/** Concurrency of per-app fallback reads. */
const FALLBACK_CONCURRENCY = 8

export async function discover(capi: CapiClient, o: DiscoverOptions): Promise<Discovery> {
  const started = o.clock.now()
  let requests = 0
  const stop = capi.http.observe(() => requests++)
  try {
    const scope = await resolveScope(capi, o.scope)
    const filter = scopeQuery(scope)

    const all = await capi.buildpacks.list()
    const releases: BuildpackRelease[] = all.map((b) => ({name: b.name, stack: b.stack ?? null, updatedAt: b.updated_at ?? b.created_at}))

    const found = await listApps(capi, filter, scope.labelSelector, o.signal)
    const {apps, ignored} = found

    // Current droplets: in bulk, except where the app did not say which one it has.
    let perAppRequests = 0
    const wanted = new Set<string>()
    for (const a of apps) if (a.currentDroplet) wanted.add(a.currentDroplet)
    const droplets = new Map<string, DropletRef>()
    if (wanted.size > 0) {
      const list = (query: Query) => leanPages(capi, '/v3/droplets', query, LeanDroplet, DROPLET_DROPS, o.signal)
      if (Math.ceil(wanted.size / GUID_CHUNK) <= Math.max(2, found.pages)) {
        const guids = [...wanted]
        for (let i = 0; i < guids.length; i += GUID_CHUNK) {
          for await (const page of list({guids: guids.slice(i, i + GUID_CHUNK)})) for (const d of page.resources) droplets.set(d.guid, dropletRef(d))
        }
      } else {
        for await (const page of list({states: ['STAGED'], ...filter})) {
          for (const d of page.resources) if (wanted.has(d.guid)) droplets.set(d.guid, dropletRef(d))
        }
      }
    }
    const limit = pLimit(FALLBACK_CONCURRENCY)
    const current = new Map<string, DropletRef | null>()
    await Promise.all(
      apps.map((a) =>
        limit(async () => {
          if (a.currentDroplet === undefined) {
            perAppRequests++
            const d = await capi.droplets.currentForApp(a.guid)
            current.set(a.guid, d ? dropletRef(d) : null)
          } else if (a.currentDroplet && !droplets.has(a.currentDroplet)) {
            // Staged after the bulk read, or not listed for another reason: read it on its own.
            perAppRequests++
            const d = await capi.droplets.get(a.currentDroplet).catch((e: unknown) => {
              if (e instanceof CapiNotFound) return undefined
              throw e
            })
            current.set(a.guid, d ? dropletRef(d) : null)
          }
        }),
      ),
    )

    const names = found.names
    const facts = {
      releases: indexReleases(releases),
      hasApp: (spaceGuid: string, lowerName: string) => names.has(`${spaceGuid}/${lowerName}`),
      done: o.done ?? (() => false),
    }
    const selected: Candidate[] = []
    const skipped: Candidate[] = []
    for (const app of apps) {
      const droplet = current.has(app.guid) ? current.get(app.guid)! : app.currentDroplet ? (droplets.get(app.currentDroplet) ?? null) : null
      const decision = classify(app, droplet, o.rules, facts)
      if (decision.kind === 'ignore') ignored[decision.reason]++
      else (decision.kind === 'restage' ? selected : skipped).push({app, decision})
    }
    const order = (a: Candidate, b: Candidate) =>
      a.app.org.localeCompare(b.app.org) || a.app.space.localeCompare(b.app.space) || a.app.name.localeCompare(b.app.name)
    selected.sort(order)
    skipped.sort(order)
    return {
      scope,
      releases: releases.filter((r) => r.name === o.rules.buildpack),
      selected,
      skipped,
      ignored,
      apps: found.total,
      requests,
      perAppRequests,
      durationMs: o.clock.now() - started,
    }
  } finally {
    stop()
  }
}

function scopeQuery(scope: Scope): {space_guids?: string[]; organization_guids?: string[]} {
  if (scope.spaces.length > 0) return {space_guids: scope.spaces.map((s) => s.guid)}
  if (scope.orgs.length > 0) return {organization_guids: scope.orgs.map((o) => o.guid)}
  return {}
}

/** --org and --space names to GUIDs, one request each; a name that matches nothing is an error, not an empty run. */
export async function resolveScope(capi: CapiClient, flags: ScopeFlags): Promise<Scope> {
  const orgs: Target[] = []
  if (flags.orgs.length > 0) {
    const found = await capi.organizations.list({names: flags.orgs})
    for (const name of flags.orgs) {
      const org = found.find((x) => x.name === name) ?? found.find((x) => x.name.toLowerCase() === name.toLowerCase())
      if (!org) throw new NotFoundError(`Organization '${name}' not found.`, ['Check the name, and that you can see the org.'])
      if (!orgs.some((x) => x.guid === org.guid)) orgs.push({guid: org.guid, name: org.name})
    }
  }
  const spaces: Target[] = []
  if (flags.spaces.length > 0) {
    const found = await capi.spaces.list({names: flags.spaces, ...(orgs.length > 0 ? {organization_guids: orgs.map((x) => x.guid)} : {})})
    for (const name of flags.spaces) {
      // Every space of that name, in any of the orgs given (or any org at all).
      const matches = found.filter((x) => x.name.toLowerCase() === name.toLowerCase())
      if (matches.length === 0) {
        const where = orgs.length > 0 ? ` in org${orgs.length > 1 ? 's' : ''} ${orgs.map((x) => `'${x.name}'`).join(', ')}` : ''
        throw new NotFoundError(`Space '${name}' not found${where}.`, ['Check the name, or give the org with --org.'])
      }
      for (const sp of matches) if (!spaces.some((x) => x.guid === sp.guid)) spaces.push({guid: sp.guid, name: sp.name})
    }
  }
  return {orgs, spaces, labelSelector: flags.labelSelector}
}

async function listApps(capi: CapiClient, filter: ReturnType<typeof scopeQuery>, labelSelector: string | undefined, signal?: AbortSignal) {
  const spaceInfo = new Map<string, {name: string; orgGuid: string}>()
  const orgNames = new Map<string, string>()
  const apps: AppRef[] = []
  const names = new Set<string>()
  const ignored: Record<IgnoreReason, number> = {'other-buildpack': 0, docker: 0, 'no-droplet': 0}
  let pages = 0
  let total = 0
  // Cloud Controller includes spaces for `space.organization` too; asking for both costs nothing.
  const query: Query = {...filter, include: ['space', 'space.organization'], ...(labelSelector ? {label_selector: labelSelector} : {})}
  for await (const page of leanPages(capi, '/v3/apps', query, LeanApp, APP_DROPS, signal)) {
    pages++
    for (const s of page.included?.spaces ?? []) spaceInfo.set(s.guid, {name: s.name, orgGuid: s.relationships?.organization?.data?.guid ?? ''})
    for (const org of page.included?.organizations ?? []) orgNames.set(org.guid, org.name)
    for (const a of page.resources) {
      total++
      const spaceGuid = a.relationships.space.data.guid
      names.add(`${spaceGuid}/${a.name.toLowerCase()}`)
      if (a.lifecycle.type === 'docker') {
        ignored.docker++
        continue
      }
      const rel = a.relationships.current_droplet
      const currentDroplet = rel === undefined ? undefined : (rel.data?.guid ?? null)
      if (currentDroplet === null) {
        ignored['no-droplet']++
        continue
      }
      apps.push({guid: a.guid, name: a.name, state: a.state, lifecycle: a.lifecycle.type, spaceGuid, space: '', orgGuid: '', org: '', currentDroplet})
    }
  }
  await fillNames(capi, apps, spaceInfo, orgNames)
  for (const a of apps) {
    const s = spaceInfo.get(a.spaceGuid)
    a.space = s?.name ?? a.spaceGuid
    a.orgGuid = s?.orgGuid ?? ''
    a.org = orgNames.get(a.orgGuid) ?? (a.orgGuid || '?')
  }
  return {apps, names, ignored, pages, total}
}

/** Spaces and orgs that `include` did not bring, read in bulk by GUID. */
async function fillNames(capi: CapiClient, apps: AppRef[], spaces: Map<string, {name: string; orgGuid: string}>, orgs: Map<string, string>) {
  const missing = [...new Set(apps.map((a) => a.spaceGuid))].filter((g) => !spaces.has(g))
  for (let i = 0; i < missing.length; i += GUID_CHUNK) {
    for (const s of await capi.spaces.list({guids: missing.slice(i, i + GUID_CHUNK)}))
      spaces.set(s.guid, {name: s.name, orgGuid: s.relationships.organization.data.guid})
  }
  const missingOrgs = [...new Set([...spaces.values()].map((s) => s.orgGuid))].filter((g) => g && !orgs.has(g))
  for (let i = 0; i < missingOrgs.length; i += GUID_CHUNK) {
    for (const o of await capi.organizations.list({guids: missingOrgs.slice(i, i + GUID_CHUNK)})) orgs.set(o.guid, o.name)
  }
}

export function dropletRef(d: Droplet | LeanDroplet): DropletRef {
  return {
    guid: d.guid,
    createdAt: d.created_at,
    stack: d.stack ?? null,
    buildpacks: (d.buildpacks ?? []).map((b: {name: string | null; buildpack_name?: string | null; version?: string | null}) => ({
      name: b.name ?? b.buildpack_name ?? '',
      buildpackName: b.buildpack_name ?? null,
      version: b.version ?? null,
    })),
  }
}
