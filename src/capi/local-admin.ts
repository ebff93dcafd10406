/** Client side of the local foundation's admin endpoints (/_local), over an ordinary CAPI session. */
import type {CapiClient} from './client.js'

export interface ReleasedBuildpack {
  name: string
  version: string
  updated_at: string
  stack: string | null
}

/** Release a new version of a buildpack: bumps its version and updated_at (see src/local/README.md). */
export async function releaseBuildpack(capi: CapiClient, name: string, version?: string): Promise<ReleasedBuildpack[]> {
  const res = await capi.http.request<{resources: ReleasedBuildpack[]}>({
    method: 'POST',
    path: `/_local/buildpacks/${encodeURIComponent(name)}/release`,
    json: version ? {version} : {},
  })
  return res.data.resources
}
