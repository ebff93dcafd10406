import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, MetadataUpdate, ToOne, ToOneRequired, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'

export const HealthCheck = z.object({
  type: z.enum(['port', 'process', 'http']).or(z.string()),
  data: z
    .object({
      timeout: z.number().nullable().optional(),
      invocation_timeout: z.number().nullable().optional(),
      interval: z.number().nullable().optional(),
      endpoint: z.string().nullable().optional(),
    })
    .default({}),
})
export type HealthCheck = z.infer<typeof HealthCheck>

export const ReadinessHealthCheck = z.object({
  type: z.enum(['port', 'process', 'http']).or(z.string()),
  data: z
    .object({
      invocation_timeout: z.number().nullable().optional(),
      interval: z.number().nullable().optional(),
      endpoint: z.string().nullable().optional(),
    })
    .default({}),
})
export type ReadinessHealthCheck = z.infer<typeof ReadinessHealthCheck>

export const ProcessInstanceState = z.enum(['RUNNING', 'STARTING', 'CRASHED', 'STOPPING', 'DOWN', 'UNKNOWN'])

export const Process = z.object({
  ...resourceBase,
  type: z.string(),
  /** Redacted in lists: "[PRIVATE DATA HIDDEN IN LISTS]". */
  command: z.string().nullable(),
  user: z.string().nullable().optional(),
  instances: z.number().int(),
  memory_in_mb: z.number().int(),
  disk_in_mb: z.number().int(),
  log_rate_limit_in_bytes_per_second: z.number().int().nullable().optional(),
  health_check: HealthCheck,
  readiness_health_check: ReadinessHealthCheck.optional(),
  relationships: z.object({app: ToOneRequired, revision: ToOne.nullable().optional()}),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  /** Null on processes back-filled by a 2018 migration. */
  version: z.string().nullable().optional(),
  links: Links.optional(),
  /** Only with embed=process_instances. */
  process_instances: z.array(z.object({index: z.number(), state: z.string(), since: z.number().nullable().optional()})).optional(),
})
export type Process = z.infer<typeof Process>

export const REDACTED_IN_LISTS = '[PRIVATE DATA HIDDEN IN LISTS]'

export const InstancePort = z.object({
  external: z.number().nullable().optional(),
  internal: z.number().nullable().optional(),
  external_tls_proxy_port: z.number().nullable().optional(),
  internal_tls_proxy_port: z.number().nullable().optional(),
})

export const ProcessStat = z.object({
  type: z.string(),
  index: z.number().int(),
  state: ProcessInstanceState.or(z.string()),
  /** From the readiness check; null where Diego does not support readiness (treat as routable when RUNNING). */
  routable: z.boolean().nullable().optional(),
  instance_guid: z.string().nullable().optional(),
  usage: z.record(z.string(), z.unknown()).optional(),
  host: z.string().nullable().optional(),
  instance_internal_ip: z.string().nullable().optional(),
  instance_ports: z.array(InstancePort).nullable().optional(),
  uptime: z.number().nullable().optional(),
  mem_quota: z.number().nullable().optional(),
  disk_quota: z.number().nullable().optional(),
  log_rate_limit: z.number().nullable().optional(),
  fds_quota: z.number().nullable().optional(),
  isolation_segment: z.string().nullable().optional(),
  details: z.string().nullable().optional(),
})
export type ProcessStat = z.infer<typeof ProcessStat>
export const ProcessStats = z.object({resources: z.array(ProcessStat)})

export const ProcessUpdate = z.object({
  command: z.string().nullable().optional(),
  health_check: HealthCheck.optional(),
  readiness_health_check: ReadinessHealthCheck.optional(),
  metadata: MetadataUpdate.optional(),
})
export type ProcessUpdate = z.infer<typeof ProcessUpdate>

export const ProcessScale = z.object({
  instances: z.number().int().min(0).optional(),
  memory_in_mb: z.number().int().min(1).optional(),
  disk_in_mb: z.number().int().min(1).optional(),
  log_rate_limit_in_bytes_per_second: z.number().int().min(-1).optional(),
})
export type ProcessScale = z.infer<typeof ProcessScale>

export class Processes extends Resource {
  list(query: Query = {}) {
    return this.iterate('/v3/processes', query, Process)
  }

  forApp(appGuid: string, query: Query = {}) {
    return this.all(`/v3/apps/${seg(appGuid)}/processes`, query, Process)
  }

  get(guid: string, query?: Query) {
    return this.read(`/v3/processes/${seg(guid)}`, Process, query)
  }

  /** The app's process of this type; the newest one while a deployment is in flight. */
  getForApp(appGuid: string, type: string) {
    return this.read(`/v3/apps/${seg(appGuid)}/processes/${seg(type)}`, Process)
  }

  async stats(guid: string, signal?: AbortSignal): Promise<ProcessStat[]> {
    return (await this.http.request({path: `/v3/processes/${seg(guid)}/stats`, schema: ProcessStats, signal})).data.resources
  }

  async update(guid: string, body: ProcessUpdate): Promise<Process> {
    return (await this.http.request({method: 'PATCH', path: `/v3/processes/${seg(guid)}`, json: body, schema: Process})).data
  }

  /** Scaling sets absolute values, so repeating it is safe. */
  async scale(guid: string, body: ProcessScale): Promise<Process> {
    return (await this.http.request({method: 'POST', path: `/v3/processes/${seg(guid)}/actions/scale`, json: body, schema: Process, idempotent: true})).data
  }

  async terminateInstance(guid: string, index: number): Promise<void> {
    await this.http.request({method: 'DELETE', path: `/v3/processes/${seg(guid)}/instances/${index}`, responseType: 'text'})
  }
}
