/**
 * Quota headroom, checked before anything changes: a rolling deployment needs room for its extra
 * instances, a blue-green one for a full copy of the app. Space and org quotas both count; a null
 * limit is unlimited.
 */
import type {CapiClient} from '../capi/client.js'
import type {AppLimits} from '../capi/resources/quotas.js'
import {CfzdError, ExitCode} from '../errors.js'

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

export async function readHeadroom(capi: CapiClient, spaceGuid: string): Promise<Headroom[]> {
  const space = await capi.spaces.get(spaceGuid)
  const out: Headroom[] = []
  const spaceQuotaGuid = space.relationships.quota?.data?.guid
  if (spaceQuotaGuid) {
    const [quota, usage] = await Promise.all([capi.spaceQuotas.get(spaceQuotaGuid), capi.spaces.usageSummary(spaceGuid)])
    out.push(headroom('space', space.name, quota.apps, usage.usage_summary))
  }
  const orgGuid = space.relationships.organization.data.guid
  const org = await capi.organizations.get(orgGuid)
  const orgQuotaGuid = org.relationships.quota?.data?.guid
  if (orgQuotaGuid) {
    const [quota, usage] = await Promise.all([capi.organizationQuotas.get(orgQuotaGuid), capi.organizations.usageSummary(orgGuid)])
    out.push(headroom('organization', org.name, quota.apps, usage.usage_summary))
  }
  return out
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

export async function assertHeadroom(capi: CapiClient, spaceGuid: string, need: Need, suggestions: string[]): Promise<void> {
  if (need.memoryMb <= 0 && need.instances <= 0) return
  const shortfall = findShortfall(await readHeadroom(capi, spaceGuid), need)
  if (shortfall) throw new CfzdError(`Not enough quota: ${shortfall} Nothing was changed.`, {exitCode: ExitCode.QUOTA, suggestions})
}
