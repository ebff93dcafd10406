/** What `cfzd apps` and `cfzd app` show: state, instances, routes, buildpacks and any active deployment. */
import pLimit from 'p-limit'
import type {CapiClient} from '../capi/client.js'
import type {App} from '../capi/resources/apps.js'
import type {Deployment} from '../capi/resources/deployments.js'
import type {Droplet} from '../capi/resources/droplets.js'
import type {Process, ProcessStat} from '../capi/resources/processes.js'
import type {Route} from '../capi/resources/routes.js'
import {collect} from '../capi/pagination.js'

export interface ProcessSummary {
  type: string
  guid: string
  instances: number
  running: number
  memoryMb: number
  diskMb: number
  command?: string | null
  stats: ProcessStat[]
}

export interface DeploymentSummary {
  guid: string
  status: string
  reason: string | null
  since?: string | null
  strategy: string
  maxInFlight: number
  canarySteps?: {current: number | null; total: number}
  error?: string | null
}

export interface AppRow {
  name: string
  guid: string
  state: string
  processes: {type: string; running: number; instances: number}[]
  routes: string[]
  deployment?: DeploymentSummary
}

export function summarizeDeployment(d: Deployment): DeploymentSummary {
  return {
    guid: d.guid,
    status: d.status.value,
    reason: d.status.reason,
    since: d.status.details.last_status_change ?? d.updated_at,
    strategy: d.strategy,
    maxInFlight: d.options.max_in_flight,
    canarySteps: d.status.canary?.steps,
    error: d.status.details.error,
  }
}

function running(stats: ProcessStat[]) {
  return stats.filter((s) => s.state === 'RUNNING').length
}

/** The apps of a space in a handful of requests: apps, processes, routes, active deployments, then stats per started process. */
export async function listApps(capi: CapiClient, spaceGuid: string): Promise<AppRow[]> {
  const [apps, processes, routes] = await Promise.all([
    collect(capi.apps.list({space_guids: [spaceGuid], order_by: 'name'})),
    collect(capi.processes.list({space_guids: [spaceGuid]})),
    capi.routes.listAll({space_guids: [spaceGuid]}),
  ])
  const deployments: Deployment[] = []
  for (let i = 0; i < apps.length; i += 100) {
    const guids = apps.slice(i, i + 100).map((a) => a.guid)
    deployments.push(...(await collect(capi.deployments.list({app_guids: guids, status_values: ['ACTIVE'], order_by: '-created_at'}))))
  }
  const limit = pLimit(8)
  const started = new Set(apps.filter((a) => a.state === 'STARTED').map((a) => a.guid))
  const stats = new Map<string, ProcessStat[]>()
  await Promise.all(
    processes
      .filter((p) => started.has(p.relationships.app.data.guid) && p.instances > 0)
      .map((p) => limit(async () => stats.set(p.guid, await capi.processes.stats(p.guid).catch(() => [])))),
  )
  return apps.map((a) => {
    const ps = processes.filter((p) => p.relationships.app.data.guid === a.guid)
    const d = deployments.find((x) => x.relationships.app.data.guid === a.guid)
    return {
      name: a.name,
      guid: a.guid,
      state: a.state,
      processes: mergeByType(ps).map(({type, instances, guids}) => ({
        type,
        instances,
        running: guids.reduce((n, g) => n + running(stats.get(g) ?? []), 0),
      })),
      routes: routes.filter((r) => r.destinations.some((x) => x.app.guid === a.guid)).map((r) => r.url),
      deployment: d ? summarizeDeployment(d) : undefined,
    }
  })
}

/** During a deployment an app has several web processes; show them as one type. */
function mergeByType(ps: Process[]) {
  const out: {type: string; instances: number; guids: string[]}[] = []
  for (const p of ps) {
    const row = out.find((o) => o.type === p.type)
    if (row) {
      row.instances += p.instances
      row.guids.push(p.guid)
    } else out.push({type: p.type, instances: p.instances, guids: [p.guid]})
  }
  return out.sort((x, y) => (x.type === 'web' ? -1 : y.type === 'web' ? 1 : x.type.localeCompare(y.type)))
}

export interface AppDetail {
  app: App
  routes: Route[]
  droplet?: Droplet
  processes: ProcessSummary[]
  deployment?: DeploymentSummary
}

export async function describeApp(capi: CapiClient, app: App): Promise<AppDetail> {
  const [processes, routes, droplet, deployment] = await Promise.all([
    capi.processes.forApp(app.guid),
    capi.routes.forApp(app.guid),
    capi.droplets.currentForApp(app.guid),
    capi.deployments.activeForApp(app.guid),
  ])
  const summaries = await Promise.all(
    processes.map(async (p) => {
      const stats = app.state === 'STARTED' && p.instances > 0 ? await capi.processes.stats(p.guid).catch(() => []) : []
      return {type: p.type, guid: p.guid, instances: p.instances, running: running(stats), memoryMb: p.memory_in_mb, diskMb: p.disk_in_mb, stats}
    }),
  )
  return {app, routes, droplet, processes: summaries, deployment: deployment ? summarizeDeployment(deployment) : undefined}
}
