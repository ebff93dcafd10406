import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, MetadataUpdate, ToOneRequired, resourceBase} from '../schemas.js'
import {Resource, type JobRef, jobRef, seg} from './base.js'

export const ServiceCredentialBinding = z.object({
  ...resourceBase,
  name: z.string().nullable(),
  type: z.enum(['app', 'key']).or(z.string()),
  last_operation: z
    .object({
      type: z.string(),
      state: z.string(),
      description: z.string().nullable().optional(),
      created_at: z.string().nullable().optional(),
      updated_at: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
  relationships: z.object({app: ToOneRequired.optional(), service_instance: ToOneRequired}),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type ServiceCredentialBinding = z.infer<typeof ServiceCredentialBinding>

export const BindingDetails = z.object({
  credentials: z.record(z.string(), z.unknown()).default({}),
  syslog_drain_url: z.string().nullable().optional(),
  volume_mounts: z.array(z.unknown()).default([]),
})

export const BindingParameters = z.record(z.string(), z.unknown())

export const BindingCreate = z.object({
  type: z.enum(['app', 'key']),
  name: z.string().optional(),
  relationships: z.object({service_instance: ToOneRequired, app: ToOneRequired.optional()}),
  parameters: z.record(z.string(), z.unknown()).optional(),
  metadata: MetadataUpdate.optional(),
})
export type BindingCreate = z.infer<typeof BindingCreate>

export class ServiceCredentialBindings extends Resource {
  list(query: Query = {}) {
    return this.all('/v3/service_credential_bindings', query, ServiceCredentialBinding)
  }

  forApp(appGuid: string) {
    return this.all('/v3/service_credential_bindings', {app_guids: [appGuid], type: 'app'}, ServiceCredentialBinding)
  }

  get(guid: string) {
    return this.read(`/v3/service_credential_bindings/${seg(guid)}`, ServiceCredentialBinding)
  }

  /** The parameters the binding was created with (only some service brokers can give them back). */
  parameters(guid: string) {
    return this.read(`/v3/service_credential_bindings/${seg(guid)}/parameters`, BindingParameters)
  }

  details(guid: string) {
    return this.read(`/v3/service_credential_bindings/${seg(guid)}/details`, BindingDetails)
  }

  /** A user-provided instance binds at once (201); a managed one returns a job (202). */
  async create(body: BindingCreate): Promise<{binding?: ServiceCredentialBinding; job?: JobRef}> {
    const res = await this.http.request({method: 'POST', path: '/v3/service_credential_bindings', json: body, responseType: 'text'})
    if (res.status === 202) return {job: jobRef(res.location, 'the binding create')}
    return {binding: ServiceCredentialBinding.parse(JSON.parse(String(res.data)))}
  }

  async delete(guid: string): Promise<JobRef | undefined> {
    const res = await this.http.request({method: 'DELETE', path: `/v3/service_credential_bindings/${seg(guid)}`, responseType: 'text'})
    return res.status === 202 ? jobRef(res.location, 'the binding delete') : undefined
  }
}
