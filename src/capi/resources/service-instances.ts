import {z} from 'zod'
import {Links, Metadata, MetadataUpdate, ToOneRequired, resourceBase} from '../schemas.js'

export const ServiceInstance = z.object({
  ...resourceBase,
  name: z.string(),
  type: z.enum(['managed', 'user-provided']).or(z.string()),
  tags: z.array(z.string()).default([]),
  syslog_drain_url: z.string().nullable().optional(),
  route_service_url: z.string().nullable().optional(),
  last_operation: z.object({type: z.string(), state: z.string(), description: z.string().nullable().optional()}).partial().nullable().optional(),
  relationships: z.object({space: ToOneRequired, service_plan: ToOneRequired.optional()}),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type ServiceInstance = z.infer<typeof ServiceInstance>

/** Body of POST /v3/service_instances: a user-provided instance, or a managed one with a plan. */
export const ServiceInstanceCreate = z.object({
  type: z.enum(['managed', 'user-provided']),
  name: z.string().min(1),
  relationships: z.object({space: ToOneRequired, service_plan: ToOneRequired.optional()}),
  credentials: z.record(z.string(), z.unknown()).optional(),
  syslog_drain_url: z.string().optional(),
  route_service_url: z.string().optional(),
  tags: z.array(z.string()).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  metadata: MetadataUpdate.optional(),
})
export type ServiceInstanceCreate = z.infer<typeof ServiceInstanceCreate>
