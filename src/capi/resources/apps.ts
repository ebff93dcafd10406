import {z} from 'zod'
import {CapiNotFound} from '../errors.js'
import type {Query} from '../http.js'
import {JsonObject, Lifecycle, Links, Metadata, MetadataUpdate, NullableGuidRef, ToOne, ToOneRequired, relGuid, resourceBase} from '../schemas.js'
import {Resource, jobRef, seg} from './base.js'
import {Organization} from './organizations.js'
import {Space} from './spaces.js'

export const AppState = z.enum(['STARTED', 'STOPPED'])
export const App = z.object({
  ...resourceBase,
  name: z.string(),
  state: AppState,
  lifecycle: Lifecycle,
  relationships: z.object({
    space: ToOneRequired,
    /** `{data: {guid: null}}` while the app has no droplet (pushed --no-start, or staging failed). */
    current_droplet: ToOne.optional(),
  }),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type App = z.infer<typeof App>

export const AppCreate = z.object({
  name: z.string().min(1),
  relationships: z.object({space: ToOneRequired}),
  /** Cloud Controller stores any JSON value here on create (only a PATCH of the variables forces strings). */
  environment_variables: z.record(z.string(), z.unknown()).optional(),
  lifecycle: Lifecycle.optional(),
  metadata: MetadataUpdate.optional(),
})
export type AppCreate = z.infer<typeof AppCreate>

export const AppUpdate = z.object({
  name: z.string().min(1).optional(),
  lifecycle: Lifecycle.optional(),
  metadata: MetadataUpdate.optional(),
})
export type AppUpdate = z.infer<typeof AppUpdate>

export const CurrentDropletRelationship = z.object({data: NullableGuidRef.nullable(), links: Links.optional()})

export const AppEnv = z.object({
  staging_env_json: JsonObject,
  running_env_json: JsonObject,
  environment_variables: JsonObject,
  system_env_json: JsonObject,
  application_env_json: JsonObject,
})

export const SshEnabled = z.object({enabled: z.boolean(), reason: z.string().nullable().optional()})
export const AppPermissions = z.object({read_basic_data: z.boolean(), read_sensitive_data: z.boolean()})

export interface AppListQuery extends Query {
  names?: string[]
  guids?: string[]
  space_guids?: string[]
  organization_guids?: string[]
  stacks?: string[]
  lifecycle_type?: string
  label_selector?: string
  include?: string
  order_by?: string
}

/** The app of this name: the exact match, else one differing in case only (names are unique per space, case-insensitive). */
function byName(apps: App[], name: string): App | undefined {
  return apps.find((a) => a.name === name) ?? apps.find((a) => a.name.toLowerCase() === name.toLowerCase())
}

export class Apps extends Resource {
  list(query: AppListQuery = {}, signal?: AbortSignal) {
    return this.iterate('/v3/apps', query, App, signal)
  }

  /** Pages, with `included` (spaces, organizations) when asked for. */
  listPages(query: AppListQuery = {}, signal?: AbortSignal) {
    return this.pages('/v3/apps', query, App, signal)
  }

  get(guid: string, query?: Query) {
    return this.read(`/v3/apps/${seg(guid)}`, App, query)
  }

  /** The app with this name in the space, or undefined. Names are unique per space (case-insensitive). */
  async findByName(spaceGuid: string, name: string): Promise<App | undefined> {
    return byName(await this.all('/v3/apps', {names: [name], space_guids: [spaceGuid]}, App), name)
  }

  /**
   * findByName, with the app's space and organization from the same request (`include=space.organization`),
   * for callers that would read them next. Either is undefined when absent or not in the expected shape.
   */
  async findByNameWithSpace(spaceGuid: string, name: string): Promise<{app?: App; space?: Space; organization?: Organization}> {
    const found: App[] = []
    const spaces: unknown[] = []
    const orgs: unknown[] = []
    for await (const page of this.pages('/v3/apps', {names: [name], space_guids: [spaceGuid], include: 'space.organization'}, App)) {
      found.push(...page.resources)
      spaces.push(...(page.included?.spaces ?? []))
      orgs.push(...(page.included?.organizations ?? []))
    }
    const app = byName(found, name)
    const space = spaces.map((x) => Space.safeParse(x)).find((r) => r.success && r.data.guid === spaceGuid)?.data
    const orgGuid = space?.relationships.organization.data.guid
    const organization = orgs.map((x) => Organization.safeParse(x)).find((r) => r.success && r.data.guid === orgGuid)?.data
    return {app, space, organization}
  }

  async create(body: AppCreate): Promise<App> {
    return (await this.http.request({method: 'POST', path: '/v3/apps', json: body, schema: App})).data
  }

  async update(guid: string, body: AppUpdate): Promise<App> {
    return (await this.http.request({method: 'PATCH', path: `/v3/apps/${seg(guid)}`, json: body, schema: App})).data
  }

  async delete(guid: string) {
    const res = await this.http.request({method: 'DELETE', path: `/v3/apps/${seg(guid)}`, responseType: 'text'})
    return jobRef(res.location, 'the app delete')
  }

  async start(guid: string): Promise<App> {
    return (await this.http.request({method: 'POST', path: `/v3/apps/${seg(guid)}/actions/start`, schema: App, idempotent: true})).data
  }

  async stop(guid: string): Promise<App> {
    return (await this.http.request({method: 'POST', path: `/v3/apps/${seg(guid)}/actions/stop`, schema: App, idempotent: true})).data
  }

  async restart(guid: string): Promise<App> {
    return (await this.http.request({method: 'POST', path: `/v3/apps/${seg(guid)}/actions/restart`, schema: App})).data
  }

  /** The app's current droplet, or undefined when it has none (Cloud Controller answers 404 "Droplet not found" then). */
  async getCurrentDropletGuid(guid: string): Promise<string | undefined> {
    try {
      return relGuid(await this.read(`/v3/apps/${seg(guid)}/relationships/current_droplet`, CurrentDropletRelationship))
    } catch (error) {
      if (error instanceof CapiNotFound && /droplet/i.test(error.detail)) return undefined
      throw error
    }
  }

  async setCurrentDroplet(guid: string, dropletGuid: string): Promise<void> {
    await this.http.request({
      method: 'PATCH',
      path: `/v3/apps/${seg(guid)}/relationships/current_droplet`,
      json: {data: {guid: dropletGuid}},
      schema: CurrentDropletRelationship,
    })
  }

  env(guid: string) {
    return this.read(`/v3/apps/${seg(guid)}/env`, AppEnv)
  }

  sshEnabled(guid: string) {
    return this.read(`/v3/apps/${seg(guid)}/ssh_enabled`, SshEnabled)
  }

  permissions(guid: string) {
    return this.read(`/v3/apps/${seg(guid)}/permissions`, AppPermissions)
  }

  async clearBuildpackCache(guid: string) {
    const res = await this.http.request({method: 'POST', path: `/v3/apps/${seg(guid)}/actions/clear_buildpack_cache`, responseType: 'text'})
    return jobRef(res.location, 'the buildpack cache clear')
  }
}
