/**
 * What a dry run adds to the plan: the extra instances and memory the foundation needs at the
 * busiest moment. Each app in flight needs, on top of what it runs now:
 *   rolling     min(max_in_flight, web instances) extra web instances (math.ts)
 *   blue-green  a full copy: every process's instances
 *   stopped     nothing (it is only staged)
 * and at most --concurrency apps are in flight, so the peak is the sum over the largest of them.
 * Staging memory comes on top, once per app staging at the same time.
 *
 * The processes come in bulk (per_page=5000, by scope, or by app GUIDs when there are few).
 */
import type {CapiClient} from '../capi/client.js'
import type {Query} from '../capi/http.js'
import type {Process} from '../capi/resources/processes.js'
import {rollingPeakExtraInstances} from '../strategies/math.js'
import type {Candidate, Scope} from './discover.js'
import {GUID_CHUNK} from './discover.js'
import {LeanProcess, PROCESS_DROPS, leanPages} from './lean.js'
import type {PeakEstimate} from './report.js'

export interface Need {
  name: string
  org: string
  space: string
  instances: number
  memoryMb: number
}

/** One app's extra need while it is in flight. */
export function needOf(
  state: string,
  processes: Pick<Process, 'type' | 'instances' | 'memory_in_mb'>[],
  strategy: string,
  maxInFlight?: number,
): {instances: number; memoryMb: number} {
  if (state !== 'STARTED') return {instances: 0, memoryMb: 0}
  if (strategy === 'blue-green') {
    return processes.reduce((acc, p) => ({instances: acc.instances + p.instances, memoryMb: acc.memoryMb + p.instances * p.memory_in_mb}), {
      instances: 0,
      memoryMb: 0,
    })
  }
  const web = processes.find((p) => p.type === 'web')
  if (!web) return {instances: 0, memoryMb: 0}
  const extra = rollingPeakExtraInstances(web.instances, maxInFlight)
  return {instances: extra, memoryMb: extra * web.memory_in_mb}
}

/** The worst moment: the `concurrency` largest needs at once (memory and instances each at their worst). */
export function peakOf(needs: Need[], concurrency: number, strategy: string): PeakEstimate {
  const byMemory = [...needs].sort((a, b) => b.memoryMb - a.memoryMb || b.instances - a.instances).slice(0, concurrency)
  const byInstances = [...needs].sort((a, b) => b.instances - a.instances).slice(0, concurrency)
  return {
    concurrency,
    strategy,
    instances: byInstances.reduce((n, x) => n + x.instances, 0),
    memoryMb: byMemory.reduce((n, x) => n + x.memoryMb, 0),
    largest: byMemory.filter((x) => x.memoryMb > 0 || x.instances > 0),
  }
}

export async function estimatePeak(
  capi: CapiClient,
  selected: Candidate[],
  scope: Scope,
  o: {strategy: string; maxInFlight?: number; concurrency: number},
): Promise<PeakEstimate> {
  const started = selected.filter((c) => c.app.state === 'STARTED')
  const byApp = new Map<string, LeanProcess[]>()
  const wanted = new Set(started.map((c) => c.app.guid))
  const types = o.strategy === 'blue-green' ? {} : {types: ['web']}
  const list = async (query: Query) => {
    for await (const page of leanPages(capi, '/v3/processes', {...types, ...query}, LeanProcess, PROCESS_DROPS)) for (const p of page.resources) keep(p)
  }
  const keep = (p: LeanProcess) => {
    const app = p.relationships.app.data.guid
    if (!wanted.has(app)) return
    const list = byApp.get(app)
    if (list) list.push(p)
    else byApp.set(app, [p])
  }
  if (wanted.size > 0 && wanted.size <= GUID_CHUNK * 2) {
    const guids = [...wanted]
    for (let i = 0; i < guids.length; i += GUID_CHUNK) await list({app_guids: guids.slice(i, i + GUID_CHUNK)})
  } else if (wanted.size > 0) {
    await list(
      scope.spaces.length ? {space_guids: scope.spaces.map((s) => s.guid)} : scope.orgs.length ? {organization_guids: scope.orgs.map((x) => x.guid)} : {},
    )
  }
  const needs = selected.map((c) => ({
    name: c.app.name,
    org: c.app.org,
    space: c.app.space,
    ...needOf(c.app.state, byApp.get(c.app.guid) ?? [], o.strategy, o.maxInFlight),
  }))
  return peakOf(needs, o.concurrency, o.strategy)
}
