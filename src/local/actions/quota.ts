/**
 * Space and org quotas, enforced like Cloud Controller's process validation policies
 * (process_model.rb#validation_policies): memory of started processes, memory per instance, and
 * started instances. Messages are Sequel's "<attribute> <error>", joined with ", ", e.g.
 * "memory quota_exceeded" or "app_instance_limit space_app_instance_limit_exceeded".
 */
import {unprocessable} from '../api/errors.js'
import type {Foundation} from '../kernel.js'
import type {AppLimits, ProcessRec} from '../state.js'

/** A process as it would be after a change: started with these instances and memory. */
export interface ProposedProcess {
  guid: string
  instances: number
  memoryInMb: number
  started: boolean
}

interface Usage {
  memory: number
  instances: number
}

/** Errors (empty when it fits) for the space of `spaceGuid` with these processes changed. */
export function quotaErrors(f: Foundation, spaceGuid: string, proposed: ProposedProcess[]): string[] {
  const space = f.store.spaces.get(spaceGuid)
  if (!space) return []
  const org = f.store.orgs.get(space.orgGuid)
  const spaceQuota = f.store.spaceQuotas.get(space.quotaGuid)
  const orgQuota = f.store.orgQuotas.get(org?.quotaGuid)
  if (!limited(spaceQuota) && !limited(orgQuota)) return []

  const overrides = new Map(proposed.map((p) => [p.guid, p]))
  const usage = (spaceGuids: string[]): Usage => {
    const u: Usage = {memory: 0, instances: 0}
    const seen = new Set<string>()
    for (const sg of spaceGuids) {
      for (const app of f.store.apps.by('space', sg)) {
        for (const p of f.store.processes.by('app', app.guid)) {
          seen.add(p.guid)
          const o = overrides.get(p.guid)
          const started = o ? o.started : app.state === 'STARTED' && p.state === 'STARTED'
          if (!started) continue
          u.memory += (o ? o.instances : p.instances) * (o ? o.memoryInMb : p.memoryInMb)
          u.instances += o ? o.instances : p.instances
        }
      }
    }
    // A process not yet in the store (a deployment's new web process).
    for (const o of proposed) {
      if (!seen.has(o.guid) && o.started && spaceGuids.includes(spaceGuid)) {
        u.memory += o.instances * o.memoryInMb
        u.instances += o.instances
      }
    }
    return u
  }
  const spaceUsage = limited(spaceQuota) ? usage([space.guid]) : undefined
  const orgUsage = limited(orgQuota) && org ? usage(f.store.spaces.by('org', org.guid).map((s) => s.guid)) : undefined
  const maxInstanceMemory = Math.max(0, ...proposed.filter((p) => p.started).map((p) => p.memoryInMb))

  const errors: string[] = []
  if (spaceQuota && spaceUsage && over(spaceUsage.memory, spaceQuota.totalMemoryInMb)) errors.push('memory space_quota_exceeded')
  if (orgQuota && orgUsage && over(orgUsage.memory, orgQuota.totalMemoryInMb)) errors.push('memory quota_exceeded')
  if (orgQuota && over(maxInstanceMemory, orgQuota.perProcessMemoryInMb)) errors.push('memory instance_memory_limit_exceeded')
  if (spaceQuota && over(maxInstanceMemory, spaceQuota.perProcessMemoryInMb)) errors.push('memory space_instance_memory_limit_exceeded')
  if (orgQuota && orgUsage && over(orgUsage.instances, orgQuota.totalInstances)) errors.push('app_instance_limit app_instance_limit_exceeded')
  if (spaceQuota && spaceUsage && over(spaceUsage.instances, spaceQuota.totalInstances)) errors.push('app_instance_limit space_app_instance_limit_exceeded')
  return errors
}

/** Throw 422 with the joined messages when the change does not fit. */
export function assertQuota(f: Foundation, spaceGuid: string, proposed: ProposedProcess[]): void {
  const errors = quotaErrors(f, spaceGuid, proposed)
  if (errors.length > 0) throw unprocessable(errors.join(', '))
}

export function proposed(p: ProcessRec, changes: Partial<ProposedProcess> = {}): ProposedProcess {
  return {guid: p.guid, instances: p.instances, memoryInMb: p.memoryInMb, started: true, ...changes}
}

function limited(q: AppLimits | undefined): q is AppLimits {
  return !!q && (q.totalMemoryInMb !== null || q.perProcessMemoryInMb !== null || q.totalInstances !== null)
}

function over(value: number, limit: number | null): boolean {
  return limit !== null && limit >= 0 && value > limit
}
