import {z} from 'zod'
import {Resource, jobRef, seg} from './base.js'

export const ManifestDiff = z.object({
  diff: z.array(z.object({op: z.string(), path: z.string(), was: z.unknown().optional(), value: z.unknown().optional()})),
})
export type ManifestDiff = z.infer<typeof ManifestDiff>

export class Manifests extends Resource {
  /** The app's generated manifest, as YAML text. */
  async forApp(appGuid: string): Promise<string> {
    const res = await this.http.request({path: `/v3/apps/${seg(appGuid)}/manifest`, responseType: 'text', headers: {accept: 'application/x-yaml'}})
    return String(res.data)
  }

  /** Apply a manifest (YAML text) to a space; returns the job to wait for. */
  async apply(spaceGuid: string, yaml: string) {
    const res = await this.http.request({
      method: 'POST',
      path: `/v3/spaces/${seg(spaceGuid)}/actions/apply_manifest`,
      body: yaml,
      headers: {'content-type': 'application/x-yaml'},
      responseType: 'text',
      // Applying the same manifest twice converges to the same state, but a repeat sent while the
      // first one's job runs may fail beside it: the caller decides (applyManifestOnce).
    })
    return jobRef(res.location, 'the manifest')
  }

  async diff(spaceGuid: string, yaml: string): Promise<ManifestDiff> {
    return (
      await this.http.request({
        method: 'POST',
        path: `/v3/spaces/${seg(spaceGuid)}/manifest_diff`,
        body: yaml,
        headers: {'content-type': 'application/x-yaml'},
        schema: ManifestDiff,
        idempotent: true,
      })
    ).data
  }
}
