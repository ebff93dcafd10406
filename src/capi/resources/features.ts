import {z} from 'zod'
import {Pagination} from '../schemas.js'
import {Resource, seg} from './base.js'

export const Feature = z.object({name: z.string(), description: z.string().nullable().optional(), enabled: z.boolean()})
export type Feature = z.infer<typeof Feature>
export const FeatureList = z.object({resources: z.array(Feature), pagination: Pagination.partial().optional()})
/** PATCH body of an app or space feature. */
export const FeatureUpdate = z.object({enabled: z.boolean()})

/** App features (ssh, revisions, service-binding-k8s, file-based-vcap-services). Not a paginated list. */
export class AppFeatures extends Resource {
  async list(appGuid: string): Promise<Feature[]> {
    return (await this.read(`/v3/apps/${seg(appGuid)}/features`, FeatureList)).resources
  }

  getOne(appGuid: string, name: string) {
    return this.read(`/v3/apps/${seg(appGuid)}/features/${seg(name)}`, Feature)
  }

  async update(appGuid: string, name: string, enabled: boolean): Promise<Feature> {
    return (await this.http.request({method: 'PATCH', path: `/v3/apps/${seg(appGuid)}/features/${seg(name)}`, json: {enabled}, schema: Feature})).data
  }
}
