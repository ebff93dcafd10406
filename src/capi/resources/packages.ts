import {z} from 'zod'
import type {Query} from '../http.js'
import {Links, Metadata, ToOne, ToOneRequired, resourceBase} from '../schemas.js'
import {Resource, jobRef, seg} from './base.js'

export const PackageState = z.enum(['AWAITING_UPLOAD', 'PROCESSING_UPLOAD', 'READY', 'FAILED', 'COPYING', 'EXPIRED'])
export const Package = z.object({
  ...resourceBase,
  type: z.enum(['bits', 'docker']).or(z.string()),
  data: z
    .object({
      checksum: z.object({type: z.string(), value: z.string().nullable()}).nullable().optional(),
      error: z.string().nullable().optional(),
      image: z.string().nullable().optional(),
      username: z.string().nullable().optional(),
      password: z.string().nullable().optional(),
    })
    .default({}),
  state: PackageState.or(z.string()),
  relationships: z.object({app: ToOne}).optional(),
  metadata: Metadata.default({labels: {}, annotations: {}}),
  links: Links.optional(),
})
export type Package = z.infer<typeof Package>

export const PackageCreate = z.object({
  type: z.enum(['bits', 'docker']),
  relationships: z.object({app: ToOneRequired}),
  data: z.object({image: z.string(), username: z.string().optional(), password: z.string().optional()}).optional(),
})
export type PackageCreate = z.infer<typeof PackageCreate>

/** Body of POST /v3/packages?source_guid=: the destination app. */
export const PackageCopy = z.object({relationships: z.object({app: ToOneRequired})})

export const MatchedResource = z.object({
  checksum: z.object({value: z.string()}),
  size_in_bytes: z.number(),
  path: z.string(),
  mode: z.string().optional(),
})
export type MatchedResource = z.infer<typeof MatchedResource>
export const ResourceMatches = z.object({resources: z.array(MatchedResource)})
/** What Cloud Controller answers: a resource sent without a mode comes back with mode null. */
export const ResourceMatchesAnswer = z.object({resources: z.array(MatchedResource.extend({mode: z.string().nullable().optional()}))})

export class Packages extends Resource {
  list(query: Query = {}) {
    return this.iterate('/v3/packages', query, Package)
  }

  get(guid: string) {
    return this.read(`/v3/packages/${seg(guid)}`, Package)
  }

  /** The app's newest package, optionally only in the given states. */
  newestForApp(appGuid: string, states?: string[]) {
    return this.first('/v3/packages', {app_guids: [appGuid], states, order_by: '-created_at'}, Package)
  }

  async create(body: PackageCreate): Promise<Package> {
    return (await this.http.request({method: 'POST', path: '/v3/packages', json: body, schema: Package})).data
  }

  /** Copy another app's package (bits) into this app: POST /v3/packages?source_guid=. */
  async copy(sourceGuid: string, appGuid: string): Promise<Package> {
    return (
      await this.http.request({
        method: 'POST',
        path: '/v3/packages',
        query: {source_guid: sourceGuid},
        json: {relationships: {app: {data: {guid: appGuid}}}},
        schema: Package,
      })
    ).data
  }

  /** Upload a zip of the files not already matched, plus the matched resources. */
  async upload(guid: string, zip: Buffer | undefined, resources: MatchedResource[]): Promise<Package> {
    const form = new FormData()
    form.append('resources', JSON.stringify(resources))
    if (zip && zip.length > 0) form.append('bits', new Blob([zip], {type: 'application/zip'}), 'application.zip')
    return (await this.http.request({method: 'POST', path: `/v3/packages/${seg(guid)}/upload`, body: form, schema: Package})).data
  }

  async matchResources(resources: MatchedResource[]): Promise<MatchedResource[]> {
    const matched = (
      await this.http.request({method: 'POST', path: '/v3/resource_matches', json: {resources}, schema: ResourceMatchesAnswer, idempotent: true})
    ).data.resources
    return matched.map(({mode, ...r}) => (mode ? {...r, mode} : r))
  }

  async delete(guid: string) {
    const res = await this.http.request({method: 'DELETE', path: `/v3/packages/${seg(guid)}`, responseType: 'text'})
    return jobRef(res.location, 'the package delete')
  }
}
