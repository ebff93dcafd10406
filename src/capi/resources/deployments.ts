import {z} from 'zod'
import type {Query} from '../http.js'
import {GuidRef, Links, Metadata, MetadataUpdate, NullableGuidRef, ToOneRequired, resourceBase} from '../schemas.js'
import {Resource, seg} from './base.js'

/** Deployment status values and reasons, verbatim from Cloud Controller. */
export const DeploymentStatusValue = {ACTIVE: 'ACTIVE', FINALIZED: 'FINALIZED'} as const
export const DeploymentStatusReason = {
  DEPLOYING: 'DEPLOYING',
  PAUSED: 'PAUSED',
  CANCELING: 'CANCELING',
  DEPLOYED: 'DEPLOYED',
  CANCELED: 'CANCELED',
  SUPERSEDED: 'SUPERSEDED',
} as const
export const DeploymentStrategy = {ROLLING: 'rolling', CANARY: 'canary'} as const

export const CanaryStep = z.object({instance_weight: z.number().int()})

export const DeploymentOptions = z.object({
  max_in_flight: z.number().int().default(1),
  web_instances: z.number().int().nullable().optional(),
  memory_in_mb: z.number().int().nullable().optional(),
  disk_in_mb: z.number().int().nullable().optional(),
  log_rate_limit_in_bytes_per_second: z.number().int().nullable().optional(),
  canary: z
    .object({steps: z.array(CanaryStep)})
    .nullable()
    .optional(),
})
export type DeploymentOptions = z.infer<typeof DeploymentOptions>

export const Deployment = z.object({
  ...resourceBase,
  status: z.object({
    value: z.enum(['ACTIVE', 'FINALIZED']).or(z.string()),
    /** Null on deployments made before Cloud Controller recorded reasons (mid-2019). */
    reason: z.enum(['DEPLOYING', 'PAUSED', 'CANCELING', 'DEPLOYED', 'CANCELED', 'SUPERSEDED']).or(z.string()).nullable(),
    details: z
      .object({
        last_successful_healthcheck: z.string().nullable().optional(),
        last_status_change: z.string().nullable().optional(),
        error: z.string().nullable().optional(),
      })
      .default({}),
    /** `current` is null on canaries made before Cloud Controller counted steps. */
    canary: z.object({steps: z.object({current: z.number().int().nullable(), total: z.number().int()})}).optional(),
  }),
  strategy: z.string().default('rolling'),
  options: DeploymentOptions.default({max_in_flight: 1}),
  droplet: NullableGuidRef.nullable(),
  /** `{guid: null}` when the app had no droplet when the deployment was made (a first rolling push). */
  previous_droplet: NullableGuidRef.nullable().optional(),
  new_processes: z.array(z.object({guid: z.string(), type: z.string()})).default([]),
  revision: z.object({guid: z.string(), version: z.number()}).nullable().optional(),
  relationships: z.object({app: ToOneRequired}),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Deployment = z.infer<typeof Deployment>

export const DeploymentCreate = z.object({
  relationships: z.object({app: ToOneRequired}),
  droplet: GuidRef.optional(),
  revision: GuidRef.optional(),
  strategy: z.string().optional(),
  options: z
    .object({
      max_in_flight: z.number().int().nullable().optional(),
      web_instances: z.number().int().nullable().optional(),
      memory_in_mb: z.number().int().nullable().optional(),
      disk_in_mb: z.number().int().nullable().optional(),
      log_rate_limit_in_bytes_per_second: z.number().int().nullable().optional(),
      canary: z
        .object({steps: z.array(CanaryStep)})
        .nullable()
        .optional(),
    })
    .optional(),
  metadata: MetadataUpdate.optional(),
})
export type DeploymentCreate = z.infer<typeof DeploymentCreate>

export function isActive(d: Pick<Deployment, 'status'>): boolean {
  return d.status.value === 'ACTIVE'
}

export class Deployments extends Resource {
  list(query: Query = {}) {
    return this.iterate('/v3/deployments', query, Deployment)
  }

  get(guid: string, signal?: AbortSignal) {
    return this.http.request({path: `/v3/deployments/${seg(guid)}`, schema: Deployment, signal}).then((r) => r.data)
  }

  /** The app's newest ACTIVE deployment (the cf CLI's lookup), or undefined. */
  activeForApp(appGuid: string) {
    return this.first('/v3/deployments', {app_guids: [appGuid], status_values: ['ACTIVE'], order_by: '-created_at'}, Deployment)
  }

  /** The app's newest deployment in any state. */
  latestForApp(appGuid: string) {
    return this.first('/v3/deployments', {app_guids: [appGuid], order_by: '-created_at'}, Deployment)
  }

  async create(body: DeploymentCreate): Promise<Deployment> {
    return (await this.http.request({method: 'POST', path: '/v3/deployments', json: body, schema: Deployment})).data
  }

  /** Cancel: allowed while ACTIVE (CANCELING included), so repeating it is safe. */
  async cancel(guid: string): Promise<void> {
    await this.http.request({method: 'POST', path: `/v3/deployments/${seg(guid)}/actions/cancel`, responseType: 'text', idempotent: true})
  }

  async continue(guid: string): Promise<void> {
    await this.http.request({method: 'POST', path: `/v3/deployments/${seg(guid)}/actions/continue`, responseType: 'text'})
  }
}
