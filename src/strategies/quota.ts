/**
 * Quota headroom, checked before anything changes: a rolling deployment needs room for its extra
 * instances, a blue-green one for a full copy of the app. Space and org quotas both count; a null
 * limit is unlimited. A quota cfzd can't read (403, 404) is not checked: it warns and goes on.
 *
 * Requests: a space, an organization and their quota definitions don't change while cfzd runs, so
 * a run that checks many apps (restage-all) reads each once through a shared ReadCache. Usage
 * changes all the time, and is read only where a quota has a limit to compare it with.
 */
import type {CapiClient} from '../capi/client.js'
import type {Organization} from '../capi/resources/organizations.js'
import type {AppLimits} from '../capi/resources/quotas.js'
import type {Space} from '../capi/resources/spaces.js'
import {CfzdError, ExitCode} from '../errors.js'
import {readForInformation} from './advisory.js'

export interface Need {
  memoryMb: number
  instances: number
  /** What the room is for, e.g. "a rolling restart (1 extra instance of 256 MB)". */
  purpose: string
}

export interface Headroom {
  scope: 'space' | 'organization'
  name: string
  memory: {usedMb: number; limitMb: number | null}
  instances: {used: number; limit: number | null}
}

/** What the quota reads found: the rooms cfzd could check, and a warning for each it could not. */
export interface HeadroomReading {
  rooms: Headroom[]
  /** One line per quota cfzd could not check: which read failed, why, and that it goes on. */
  unchecked: string[]
}

/** Reads that stay valid for one run, shared by its operations: key → the read's promise. */
export type ReadCache = Map<string, Promise<unknown>>

function once<T>(cache: ReadCache | undefined, key: string, read: () => Promise<T>): Promise<T> {
  if (!cache) return read()
  let p = cache.get(key) as Promise<T> | undefined
  if (!p) {
    p = read()
    cache.set(key, p)
    // A failed read is not remembered: the next app tries again.
    p.catch(() => cache.delete(key))
  }
  return p
}

/**
 * Put a space and organization read some other way (say, included with the app's lookup) into the
 * run's cache, so the quota check doesn't read them again.
 */
export function rememberScope(cache: ReadCache, found: {space?: Space; organization?: Organization}): ReadCache {
  if (found.space) cache.set(`space:${found.space.guid}`, Promise.resolve(found.space))
  if (found.organization) cache.set(`organization:${found.organization.guid}`, Promise.resolve(found.organization))
  return cache
}

const limited = (l: AppLimits) => l.total_memory_in_mb !== null || l.total_instances !== null

/**
 * Read the space's and the organization's quota and usage. A read refused for the user's role
 * (403) or missing (404) leaves that quota unchecked, with a warning, rather than failing: the
 * check only informs, and Cloud Controller enforces the quota anyway. `orgGuid` lets the
 * organization be checked even when the space can't be read.
 */
export async function readHeadroom(capi: CapiClient, spaceGuid: string, orgGuid?: string, cache?: ReadCache): Promise<HeadroomReading> {
  const rooms: Headroom[] = []
  const unchecked: string[] = []
  const note = (check: string, failures: string[]) => unchecked.push(`Could not check ${check}: ${failures.join('; ')}. cfzd goes on without this check.`)

  const spaceFailures: string[] = []
  const space = await readForInformation(
    `reading space ${spaceGuid} (GET /v3/spaces/${spaceGuid})`,
    () => once(cache, `space:${spaceGuid}`, () => capi.spaces.get(spaceGuid)),
    (l) => spaceFailures.push(l),
  )
  if (!space) note(orgGuid ? 'the space quota' : 'the space and organization quotas', spaceFailures)
  const spaceQuotaGuid = space?.relationships.quota?.data?.guid
  if (space && spaceQuotaGuid) {
    const failures: string[] = []
    const quota = await readForInformation(
      `reading its quota (GET /v3/space_quotas/${spaceQuotaGuid})`,
      () => once(cache, `space_quota:${spaceQuotaGuid}`, () => capi.spaceQuotas.get(spaceQuotaGuid)),
      (l) => (failures[0] = l),
    )
    const usage =
      quota && limited(quota.apps)
        ? await readForInformation(
            `reading its usage summary (GET /v3/spaces/${spaceGuid}/usage_summary)`,
            () => capi.spaces.usageSummary(spaceGuid),
            (l) => (failures[1] = l),
          )
        : undefined
    if (quota && !limited(quota.apps)) rooms.push(unlimited('space', space.name))
    else if (quota && usage) rooms.push(headroom('space', space.name, quota.apps, usage.usage_summary))
    else note(`the quota of space '${space.name}'`, failures.filter(Boolean))
  }

  const theOrg = space?.relationships.organization.data.guid ?? orgGuid
  if (!theOrg) return {rooms, unchecked}
  const orgFailures: string[] = []
  const org = await readForInformation(
    `reading organization ${theOrg} (GET /v3/organizations/${theOrg})`,
    () => once(cache, `organization:${theOrg}`, () => capi.organizations.get(theOrg)),
    (l) => orgFailures.push(l),
  )
  if (!org) note('the organization quota', orgFailures)
  const orgQuotaGuid = org?.relationships.quota?.data?.guid
  if (org && orgQuotaGuid) {
    const failures: string[] = []
    const quota = await readForInformation(
      `reading its quota (GET /v3/organization_quotas/${orgQuotaGuid})`,
      () => once(cache, `organization_quota:${orgQuotaGuid}`, () => capi.organizationQuotas.get(orgQuotaGuid)),
      (l) => (failures[0] = l),
    )
    const usage =
      quota && limited(quota.apps)
        ? await readForInformation(
            `reading its usage summary (GET /v3/organizations/${theOrg}/usage_summary)`,
            () => capi.organizations.usageSummary(theOrg),
            (l) => (failures[1] = l),
          )
        : undefined
    if (quota && !limited(quota.apps)) rooms.push(unlimited('organization', org.name))
    else if (quota && usage) rooms.push(headroom('organization', org.name, quota.apps, usage.usage_summary))
    else note(`the quota of organization '${org.name}'`, failures.filter(Boolean))
  }
  return {rooms, unchecked}
}

/** A quota with no memory or instance limit: nothing to compare usage with, so usage is not read. */
function unlimited(scope: Headroom['scope'], name: string): Headroom {
  return {scope, name, memory: {usedMb: 0, limitMb: null}, instances: {used: 0, limit: null}}
}

function headroom(scope: Headroom['scope'], name: string, limits: AppLimits, usage: {started_instances: number; memory_in_mb: number}): Headroom {
  return {
    scope,
    name,
    memory: {usedMb: usage.memory_in_mb, limitMb: limits.total_memory_in_mb},
    instances: {used: usage.started_instances, limit: limits.total_instances},
  }
}

/** The first quota the need does not fit in, described for a human, or undefined when it fits. */
export function findShortfall(rooms: Headroom[], need: Need): string | undefined {
  for (const r of rooms) {
    if (r.memory.limitMb !== null && r.memory.usedMb + need.memoryMb > r.memory.limitMb) {
      return `${need.purpose} needs ${need.memoryMb} MB more memory, but ${r.scope} '${r.name}' uses ${r.memory.usedMb} MB of its ${r.memory.limitMb} MB quota (${Math.max(0, r.memory.limitMb - r.memory.usedMb)} MB free).`
    }
    if (r.instances.limit !== null && r.instances.limit >= 0 && r.instances.used + need.instances > r.instances.limit) {
      return `${need.purpose} needs ${need.instances} more instance(s), but ${r.scope} '${r.name}' runs ${r.instances.used} of its ${r.instances.limit} allowed.`
    }
  }
  return undefined
}

/** Where to check: the space, and its organization (checked even when the space can't be read). */
export interface QuotaScope {
  spaceGuid: string
  orgGuid?: string
  /** The run's shared reads (restage-all): the space, organization and quotas are read once. */
  cache?: ReadCache
}

/**
 * Refuse (exit QUOTA, nothing changed) when the need does not fit a quota cfzd could read. Each
 * quota it could not read goes to `warn` instead, and the operation goes on.
 */
export async function assertHeadroom(capi: CapiClient, where: QuotaScope, need: Need, suggestions: string[], warn: (line: string) => void): Promise<void> {
  if (need.memoryMb <= 0 && need.instances <= 0) return
  const {rooms, unchecked} = await readHeadroom(capi, where.spaceGuid, where.orgGuid, where.cache)
  for (const line of unchecked) warn(line)
  const shortfall = findShortfall(rooms, need)
  if (shortfall) throw new CfzdError(`Not enough quota: ${shortfall} Nothing was changed.`, {exitCode: ExitCode.QUOTA, suggestions})
}
