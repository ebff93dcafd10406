import {describe, expect, it} from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type {z} from 'zod'
import * as capi from '../../../src/capi/index.js'

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/capi-examples')
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'))

/** Every example file that a schema reads, and the schema that reads it. */
const single: Record<string, z.ZodTypeAny> = {
  'app.json': capi.App,
  'app_started.json': capi.App,
  'app_current_droplet_relationship.json': capi.CurrentDropletRelationship,
  'app_env.json': capi.AppEnv,
  'app_environment_variables.json': capi.EnvironmentVariables,
  'app_environment_variables_patched.json': capi.EnvironmentVariables,
  'app_feature.json': capi.Feature,
  'app_features_list.json': capi.FeatureList,
  'app_permissions.json': capi.AppPermissions,
  'app_ssh_enabled.json': capi.SshEnabled,
  'build.json': capi.Build,
  'build_staging.json': capi.Build,
  'buildpack.json': capi.Buildpack,
  'deployment.json': capi.Deployment,
  'destination.json': capi.Destination,
  'destination_update_response.json': capi.Destination,
  'destinations.json': capi.Destinations,
  'destinations_replace_response.json': capi.Destinations,
  'domain.json': capi.Domain,
  'droplet.json': capi.Droplet,
  'droplet_copying.json': capi.Droplet,
  'droplet_created_without_package.json': capi.Droplet,
  'error.json': capi.ErrorEnvelope,
  'info.json': capi.Info,
  'job.json': capi.Job,
  'job_failed.json': capi.Job,
  'manifest_diff.json': capi.ManifestDiff,
  'organization.json': capi.Organization,
  'package.json': capi.Package,
  'package_copy.json': capi.Package,
  'package_created_bits.json': capi.Package,
  'package_docker.json': capi.Package,
  'process.json': capi.Process,
  'process_stats.json': capi.ProcessStats,
  'process_with_embedded_instances.json': capi.Process,
  'resource_match.json': capi.ResourceMatches,
  'revision.json': capi.Revision,
  'revision_environment_variables.json': capi.EnvironmentVariables,
  'root.json': capi.Root,
  'route.json': capi.Route,
  'service_credential_binding.json': capi.ServiceCredentialBinding,
  'service_credential_binding_key.json': capi.ServiceCredentialBinding,
  'service_credential_binding_details.json': capi.BindingDetails,
  'sidecar.json': capi.Sidecar,
  'space.json': capi.Space,
  'space_feature.json': capi.Feature,
  'space_quota.json': capi.SpaceQuota,
  'space_usage_summary.json': capi.SpaceUsageSummary,
  'stack.json': capi.Stack,
}

const lists: Record<string, z.ZodTypeAny> = {
  'apps_list.json': capi.App,
  'builds_list.json': capi.Build,
  'buildpacks_list.json': capi.Buildpack,
  'deployments_list.json': capi.Deployment,
  'domains_list.json': capi.Domain,
  'droplets_list.json': capi.Droplet,
  'organizations_list.json': capi.Organization,
  'packages_list.json': capi.Package,
  'packages_list_for_app.json': capi.Package,
  'processes_list.json': capi.Process,
  'revisions_list.json': capi.Revision,
  'routes_list.json': capi.Route,
  'service_credential_bindings_list.json': capi.ServiceCredentialBinding,
  'sidecars_list.json': capi.Sidecar,
  'spaces_list.json': capi.Space,
  'stacks_list.json': capi.Stack,
}

describe('schemas parse the official examples', () => {
  it.each(Object.entries(single))('%s', (file, schema) => {
    const parsed = schema.safeParse(read(file))
    if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues, null, 2))
  })

  it.each(Object.entries(lists))('%s (paginated list)', (file, item) => {
    const parsed = capi.Page(item).safeParse(read(file))
    if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues, null, 2))
    expect(parsed.data.resources.length).toBeGreaterThan(0)
  })

  it('the generic paginated list parses', () => {
    expect(capi.Pagination.parse(read('paginated_list.json').pagination).next?.href).toMatch(/page=2/)
  })

  it('every JSON example is either read by a schema or deliberately not', () => {
    const notRead = new Set([
      'audit_event.json',
      'audit_events_list.json',
      'health_check.json',
      'info_unconfigured.json',
      'info_usage_summary.json',
      'paginated_list.json',
      'process_instances.json',
      'process_stats_instance.json',
      'readiness_health_check.json',
      'route_options.json',
      'route_reservations.json',
      'uaa_access_token_claims.json',
      'uaa_token_response.json',
      'v3_root.json',
      'warnings.json',
    ])
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'))
    const unaccounted = files.filter((f) => !(f in single) && !(f in lists) && !notRead.has(f))
    expect(unaccounted).toEqual([])
  })

  it('keeps the fields cfzd relies on, and fails loudly when one is missing', () => {
    const d = read('deployment.json')
    expect(capi.Deployment.parse(d).status.canary?.steps).toEqual({current: 1, total: 2})
    delete d.status
    expect(capi.Deployment.safeParse(d).success).toBe(false)
  })
})
