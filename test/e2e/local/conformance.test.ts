/**
 * Conformance: every key of each example (test/fixtures/capi-examples, the CAPI docs' examples) is present in the matching
 * response of the local foundation, recursively. Arrays are compared through their first
 * element (later elements of some examples are docs artifacts, see the README of the pack).
 * Free-form maps (env vars, labels, credentials...) are compared as present, not key by key.
 */
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {zipSync} from 'fflate'
import {load} from 'js-yaml'
import {startTestFoundation, type TestFoundation} from './helpers.js'

const EXAMPLES = new URL('../../fixtures/capi-examples/', import.meta.url)
const example = (name: string): any => {
  const text = readFileSync(new URL(name, EXAMPLES), 'utf8')
  return name.endsWith('.yml') ? load(text) : JSON.parse(text)
}

/** Paths (dot-joined, array elements as []) whose values are maps of user data. */
const FREE_FORM = [
  /(^|\.)(labels|annotations|var|environment_variables|staging_env_json|running_env_json|process_types|credentials|custom|parameters|request)$/,
  /^data$/, // audit event data
  /^system_env_json\.VCAP_SERVICES$/, // keyed by service label; checked below through one entry
  /^processes$/, // revision processes, keyed by process type
  /^env$/,
]

/**
 * Keys an example has that the matching local response legitimately lacks, with the reason.
 * Everything else must be present.
 */
const EXCEPTIONS: Record<string, {path: string; why: string}[]> = {
  'domains_list.json': [
    {path: 'resources[].links.router_group', why: 'the example domain is a TCP domain with a router group; the local foundation has HTTP domains only'},
    {path: 'resources[].router_group (got null)', why: 'the same: HTTP domains have no router group'},
  ],
  'job_failed.json': [{path: 'links.app', why: 'the target link is named after the job operation (space for apply_manifest)'}],
  // Where the docs' examples differ from Cloud Controller's source, the source wins (test/e2e/local/cc-corpus.test.ts holds the responses to it).
  'droplet_copying.json': [
    {path: 'links.package', why: 'droplet_copy.rb does not copy package_guid, and droplet_presenter.rb links a package only when there is one'},
  ],
  'droplet_created_without_package.json': [
    {path: 'checksum (got null)', why: 'droplet_presenter.rb: checksum is null until the droplet has a sha256 or sha1 (nothing is uploaded yet)'},
  ],
  'package.json': [{path: 'links.download.method', why: "package_presenter.rb's download link has no method"}],
  'package_created_bits.json': [{path: 'links.download.method', why: "package_presenter.rb's download link has no method"}],
  'packages_list.json': [{path: 'resources[].links.download.method', why: "package_presenter.rb's download link has no method"}],
  'packages_list_for_app.json': [{path: 'resources[].links.download.method', why: "package_presenter.rb's download link has no method"}],
  'service_credential_binding_details.json': [
    {path: 'syslog_drain_url', why: 'service_credential_binding_details_presenter.rb compacts nil values away: this binding has no drain'},
    {path: 'volume_mounts', why: 'the same: no volume mounts'},
  ],
  'space_usage_summary.json': [{path: 'links.organization', why: 'space_usage_summary_presenter.rb links self and space'}],
  'v3_root.json': [{path: 'links.service_instances.experimental', why: 'v3/root_controller.rb marks no link experimental'}],
}

/** Keys of the docs' VCAP_SERVICES entry that service_binding_presenter.rb does not send. */
const VCAP_SERVICES_DOCS_ONLY = ['binding_id', 'instance_id']

function missingKeys(expected: unknown, actual: unknown, path = ''): string[] {
  if (expected === null || typeof expected !== 'object') return []
  if (FREE_FORM.some((re) => re.test(path))) return actual === undefined ? [path] : []
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return actual === null || actual === undefined ? [path] : [`${path} (not an array)`]
    if (expected.length === 0 || actual.length === 0) return []
    return missingKeys(expected[0], actual[0], `${path}[]`)
  }
  if (actual === null || typeof actual !== 'object') return [`${path} (got ${JSON.stringify(actual)})`]
  const out: string[] = []
  for (const [k, v] of Object.entries(expected as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k
    if (!(k in (actual as Record<string, unknown>))) {
      out.push(p)
      continue
    }
    out.push(...missingKeys(v, (actual as Record<string, unknown>)[k], p))
  }
  return out
}

let t: TestFoundation
const responses = new Map<string, unknown>()

beforeAll(async () => {
  t = await startTestFoundation()
  await t.lf.seed({
    orgs: [
      {
        name: 'conf-org',
        quota: {name: 'conf-org-quota', total_memory_in_mb: 100_000, total_instances: 200},
        spaces: [
          {
            name: 'conf',
            quota: {name: 'conf-space-quota', total_memory_in_mb: 50_000, total_instances: 100},
            service_instances: [
              {name: 'my-mysql-service', type: 'managed', offering: 'mysql', plan: 'xlarge', tags: ['relational', 'sql']},
              {name: 'ups', credentials: {uri: 'https://ups.example'}, syslog_drain_url: 'https://syslog.example.org/drain'},
            ],
            apps: [
              {
                name: 'conf-app',
                buildpacks: ['ruby_buildpack'],
                instances: 2,
                memory: '128M',
                env: {RAILS_ENV: 'production'},
                services: [{name: 'my-mysql-service', binding_name: 'db-for-my-app', parameters: {key: 'value'}}],
                processes: [{type: 'worker', instances: 1, readiness_health_check_type: 'http', readiness_health_check_http_endpoint: '/ready'}],
                labels: {team: 'a'},
              },
              {name: 'conf-canary', instances: 3, memory: '64M'},
              {name: 'conf-stopped', stopped: true},
              {name: 'conf-docker', docker: {image: 'registry/image:latest'}, stopped: true},
            ],
          },
        ],
      },
    ],
  })
  const r = (key: string, v: unknown) => responses.set(key, v)
  const ok = async (path: string, init?: Parameters<TestFoundation['api']>[1]) => {
    const res = await t.api(path, init)
    if (res.status >= 400) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${res.text}`)
    return res
  }
  const space = (await ok('/v3/spaces?names=conf')).body.resources[0]
  const org = (await ok('/v3/organizations?names=conf-org')).body.resources[0]
  const app = (await ok(`/v3/apps?names=conf-app&space_guids=${space.guid}`)).body.resources[0]
  const canaryApp = (await ok(`/v3/apps?names=conf-canary&space_guids=${space.guid}`)).body.resources[0]
  const dockerApp = (await ok(`/v3/apps?names=conf-docker&space_guids=${space.guid}`)).body.resources[0]

  r('root.json', (await ok('/')).body)
  r('v3_root.json', (await ok('/v3')).body)
  r('info.json', (await ok('/v3/info')).body)
  r('info_unconfigured.json', responses.get('info.json'))
  r('info_usage_summary.json', (await ok('/v3/info/usage_summary')).body)
  r('organization.json', (await ok(`/v3/organizations/${org.guid}`)).body)
  r('organizations_list.json', (await ok('/v3/organizations')).body)
  r('space.json', (await ok(`/v3/spaces/${space.guid}`)).body)
  r('spaces_list.json', (await ok('/v3/spaces')).body)
  r('space_feature.json', (await ok(`/v3/spaces/${space.guid}/features/ssh`)).body)
  r('space_quota.json', (await ok(`/v3/space_quotas/${space.relationships.quota.data.guid}`)).body)
  r('space_usage_summary.json', (await ok(`/v3/spaces/${space.guid}/usage_summary`)).body)
  r('app.json', (await ok(`/v3/apps/${app.guid}`)).body)
  r('app_started.json', responses.get('app.json'))
  r('apps_list.json', (await ok('/v3/apps?per_page=2')).body)
  r('app_current_droplet_relationship.json', (await ok(`/v3/apps/${app.guid}/relationships/current_droplet`)).body)
  r('app_env.json', (await ok(`/v3/apps/${app.guid}/env`)).body)
  r('app_environment_variables.json', (await ok(`/v3/apps/${app.guid}/environment_variables`)).body)
  r('app_environment_variables_patched.json', (await ok(`/v3/apps/${app.guid}/environment_variables`, {method: 'PATCH', body: {var: {DEBUG: 'false'}}})).body)
  r('app_feature.json', (await ok(`/v3/apps/${app.guid}/features/ssh`)).body)
  r('app_features_list.json', (await ok(`/v3/apps/${app.guid}/features`)).body)
  r('app_permissions.json', (await ok(`/v3/apps/${app.guid}/permissions`)).body)
  r('app_ssh_enabled.json', (await ok(`/v3/apps/${app.guid}/ssh_enabled`)).body)
  await ok(`/v3/apps/${app.guid}/actions/start`, {method: 'POST'})
  r('audit_events_list.json', (await ok('/v3/audit_events')).body)
  r('audit_event.json', (await ok(`/v3/audit_events/${(responses.get('audit_events_list.json') as any).resources[0].guid}`)).body)

  // Processes.
  const web = (await ok(`/v3/apps/${app.guid}/processes/web`)).body
  r('process.json', web)
  r('processes_list.json', (await ok(`/v3/apps/${app.guid}/processes?per_page=1`)).body)
  r('process_with_embedded_instances.json', (await ok(`/v3/processes/${web.guid}?embed=process_instances`)).body)
  r('process_instances.json', (await ok(`/v3/processes/${web.guid}/process_instances`)).body)
  r('process_stats.json', (await ok(`/v3/processes/${web.guid}/stats`)).body)
  r('process_stats_instance.json', (responses.get('process_stats.json') as any).resources[0])
  r('health_check.json', web.health_check)
  const worker = (await ok(`/v3/apps/${app.guid}/processes/worker`)).body
  r('readiness_health_check.json', worker.readiness_health_check)

  // Packages, builds, droplets.
  const zip = Buffer.from(zipSync({Gemfile: new TextEncoder().encode('source "https://rubygems.org"'), 'config.ru': new TextEncoder().encode('run App')}))
  const pkg = (await ok('/v3/packages', {method: 'POST', body: {type: 'bits', relationships: {app: {data: {guid: app.guid}}}}})).body
  r('package_created_bits.json', pkg)
  const form = new FormData()
  form.append('resources', '[]')
  form.append('bits', new Blob([zip], {type: 'application/zip'}), 'app.zip')
  const uploaded = await fetch(`${t.lf.apiUrl}/v3/packages/${pkg.guid}/upload`, {
    method: 'POST',
    headers: {authorization: await t.tokens.authorization()},
    body: form,
  })
  r('package.json', await uploaded.json())
  r(
    'package_docker.json',
    (
      await ok('/v3/packages', {
        method: 'POST',
        body: {
          type: 'docker',
          relationships: {app: {data: {guid: dockerApp.guid}}},
          data: {image: 'registry/image:latest', username: 'username', password: 'p'},
        },
      })
    ).body,
  )
  r(
    'package_copy.json',
    (await ok(`/v3/packages?source_guid=${pkg.guid}`, {method: 'POST', body: {relationships: {app: {data: {guid: canaryApp.guid}}}}})).body,
  )
  r('packages_list.json', (await ok('/v3/packages?per_page=2')).body)
  r('packages_list_for_app.json', (await ok(`/v3/apps/${app.guid}/packages?states=READY`)).body)
  await t.lf.settle()
  const build = (await ok('/v3/builds', {method: 'POST', body: {package: {guid: pkg.guid}}})).body
  r('build_staging.json', build)
  r('builds_list.json', (await ok('/v3/builds?states=STAGING')).body)
  await t.lf.settle()
  r('build.json', (await ok(`/v3/builds/${build.guid}`)).body)
  const droplet = (await ok(`/v3/apps/${app.guid}/droplets/current`)).body
  r('droplet.json', droplet)
  r('droplets_list.json', (await ok('/v3/droplets')).body)
  r(
    'droplet_copying.json',
    (await ok(`/v3/droplets?source_guid=${droplet.guid}`, {method: 'POST', body: {relationships: {app: {data: {guid: canaryApp.guid}}}}})).body,
  )
  r(
    'droplet_created_without_package.json',
    (await ok('/v3/droplets', {method: 'POST', body: {relationships: {app: {data: {guid: app.guid}}}, process_types: {web: 'x'}}})).body,
  )
  const match = (
    await ok('/v3/resource_matches', {
      method: 'POST',
      body: {resources: [{checksum: {value: sha1('run App')}, size_in_bytes: 7, path: 'config.ru', mode: '644'}]},
    })
  ).body
  r('resource_match.json', match)

  // Routes, destinations, domains.
  const domain = (await ok('/v3/domains', {method: 'POST', body: {name: 'test-domain.example', relationships: {organization: {data: {guid: org.guid}}}}})).body
  r('domain.json', domain)
  r('domains_list.json', (await ok('/v3/domains?per_page=1')).body)
  r('route_reservations.json', (await ok(`/v3/domains/${domain.guid}/route_reservations?host=a-hostname`)).body)
  const route = (
    await ok('/v3/routes', {
      method: 'POST',
      body: {
        host: 'a-hostname',
        path: '/some_path',
        options: {loadbalancing: 'round-robin'},
        relationships: {space: {data: {guid: space.guid}}, domain: {data: {guid: domain.guid}}},
      },
    })
  ).body
  await ok(`/v3/routes/${route.guid}/destinations`, {
    method: 'POST',
    body: {destinations: [{app: {guid: app.guid, process: {type: 'web'}}, port: 8080, protocol: 'http2'}]},
  })
  r('route.json', (await ok(`/v3/routes/${route.guid}`)).body)
  r('route_options.json', (responses.get('route.json') as any).options)
  r('routes_list.json', (await ok('/v3/routes?per_page=1&order_by=-created_at')).body)
  const dests = (await ok(`/v3/routes/${route.guid}/destinations`)).body
  r('destinations.json', dests)
  r('destination.json', dests.destinations[0])
  r(
    'destination_update_response.json',
    (await ok(`/v3/routes/${route.guid}/destinations/${dests.destinations[0].guid}`, {method: 'PATCH', body: {protocol: 'http2'}})).body,
  )
  r(
    'destinations_replace_response.json',
    (await ok(`/v3/routes/${route.guid}/destinations`, {method: 'PATCH', body: {destinations: [{app: {guid: app.guid}, port: 8080, protocol: 'http2'}]}})).body,
  )

  // Sidecars.
  const sidecar = (
    await ok(`/v3/apps/${app.guid}/sidecars`, {
      method: 'POST',
      body: {name: 'auth-sidecar', command: 'bundle exec rackup', process_types: ['web', 'worker'], memory_in_mb: 16},
    })
  ).body
  r('sidecar.json', (await ok(`/v3/sidecars/${sidecar.guid}`)).body)
  await ok(`/v3/apps/${app.guid}/sidecars`, {method: 'POST', body: {name: 'logger', command: 'bin/log', process_types: ['web']}})
  r('sidecars_list.json', (await ok(`/v3/apps/${app.guid}/sidecars?per_page=1`)).body)

  // Buildpacks, stacks.
  r('buildpacks_list.json', (await ok('/v3/buildpacks?per_page=2')).body)
  r('buildpack.json', (await ok(`/v3/buildpacks/${(responses.get('buildpacks_list.json') as any).resources[0].guid}`)).body)
  r('stacks_list.json', (await ok('/v3/stacks?per_page=1')).body)
  r('stack.json', (await ok(`/v3/stacks/${(responses.get('stacks_list.json') as any).resources[0].guid}`)).body)

  // Bindings.
  const binding = (await ok(`/v3/service_credential_bindings?app_guids=${app.guid}&type=app`)).body.resources[0]
  r('service_credential_binding.json', (await ok(`/v3/service_credential_bindings/${binding.guid}`)).body)
  r('service_credential_binding_details.json', (await ok(`/v3/service_credential_bindings/${binding.guid}/details`)).body)
  const si = (await ok(`/v3/service_instances?names=my-mysql-service`)).body.resources[0]
  const keyJob = await ok('/v3/service_credential_bindings', {
    method: 'POST',
    body: {type: 'key', name: 'some-key', relationships: {service_instance: {data: {guid: si.guid}}}},
  })
  await t.lf.settle()
  const key = (await ok('/v3/service_credential_bindings?type=key')).body.resources[0]
  expect(keyJob.status).toBe(202)
  r('service_credential_binding_key.json', (await ok(`/v3/service_credential_bindings/${key.guid}`)).body)
  r('service_credential_bindings_list.json', (await ok('/v3/service_credential_bindings?per_page=1')).body)

  // Deployments and revisions: a canary with every option, paused so both links show.
  const deployment = (
    await ok('/v3/deployments', {
      method: 'POST',
      body: {
        strategy: 'canary',
        relationships: {app: {data: {guid: canaryApp.guid}}},
        options: {
          max_in_flight: 3,
          web_instances: 5,
          memory_in_mb: 128,
          disk_in_mb: 1024,
          log_rate_limit_in_bytes_per_second: -1,
          canary: {steps: [{instance_weight: 10}, {instance_weight: 20}]},
        },
      },
    })
  ).body
  await t.lf.settle()
  t.lf.tick()
  r('deployment.json', (await ok(`/v3/deployments/${deployment.guid}`)).body)
  r('deployments_list.json', (await ok(`/v3/deployments?app_guids=${canaryApp.guid}`)).body)
  r('revisions_list.json', (await ok(`/v3/apps/${app.guid}/revisions`)).body)
  const revision = (responses.get('revisions_list.json') as any).resources[0]
  r('revision.json', (await ok(`/v3/revisions/${revision.guid}`)).body)
  r('revision_environment_variables.json', (await ok(`/v3/revisions/${revision.guid}/environment_variables`)).body)

  // Jobs, errors, manifests.
  const stopped = (await ok(`/v3/apps?names=conf-stopped`)).body.resources[0]
  const del = await ok(`/v3/apps/${stopped.guid}`, {method: 'DELETE'})
  await t.lf.settle()
  r('job.json', (await ok(del.headers.get('location')!)).body)
  const failing = await t.api(`/v3/spaces/${space.guid}/actions/apply_manifest`, {
    method: 'POST',
    raw: 'applications:\n- name: conf-canary\n  instances: 9\n',
    headers: {'content-type': 'application/x-yaml'},
  })
  await t.lf.settle()
  r('job_failed.json', (await ok(failing.headers.get('location')!)).body)
  r('error.json', (await t.api('/v3/apps/nope')).body)
  r(
    'manifest_diff.json',
    (
      await ok(`/v3/spaces/${space.guid}/manifest_diff`, {
        method: 'POST',
        raw: 'applications:\n- name: conf-app\n  routes: []\n  env:\n    RAILS_ENV: development\n',
        headers: {'content-type': 'application/x-yaml'},
      })
    ).body,
  )
  const apply = await ok(`/v3/spaces/${space.guid}/actions/apply_manifest`, {
    method: 'POST',
    raw: [
      'applications:',
      '- name: conf-app',
      '  processes:',
      '  - type: web',
      '    health-check-type: http',
      '    health-check-http-endpoint: /healthy',
      '    health-check-invocation-timeout: 10',
      '    health-check-interval: 5',
      '    readiness-health-check-type: http',
      '    readiness-health-check-http-endpoint: /ready',
      '    readiness-health-check-invocation-timeout: 20',
      '    readiness-health-check-interval: 5',
      '',
    ].join('\n'),
    headers: {'content-type': 'application/x-yaml'},
  })
  await t.lf.settle()
  expect((await ok(apply.headers.get('location')!)).body.state).toBe('COMPLETE')
  r('app_manifest_generated.yml', load((await ok(`/v3/apps/${app.guid}/manifest`)).text))

  // UAA.
  const token = await fetch(`${t.lf.uaaUrl}/oauth/token`, {
    method: 'POST',
    headers: {authorization: 'Basic Y2Y6', 'content-type': 'application/x-www-form-urlencoded'},
    body: `grant_type=password&username=admin&password=${encodeURIComponent(t.lf.admin.password)}`,
  }).then((x) => x.json() as Promise<{access_token: string}>)
  r('uaa_token_response.json', token)
  r('uaa_access_token_claims.json', JSON.parse(Buffer.from(token.access_token.split('.')[1], 'base64url').toString('utf8')))
  r('paginated_list.json', responses.get('apps_list.json'))
  r('warnings.json', {warnings: (responses.get('job_failed.json') as any).warnings})
}, 30_000)

afterAll(() => t.stop())

/** Examples with no local counterpart, and why. */
const NOT_SERVED: Record<string, string> = {
  'manifest.yml': 'the manifest schema example is input, not a response (apply_manifest accepts it)',
}

describe('conformance with the CAPI docs examples', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json') || f.endsWith('.yml'))

  it('covers every example file', () => {
    const uncovered = files.filter((f) => !responses.has(f) && !NOT_SERVED[f])
    expect(uncovered).toEqual([])
  })

  for (const file of files) {
    if (NOT_SERVED[file]) continue
    it(`${file}: every key of the example is present`, () => {
      const exceptions = (EXCEPTIONS[file] ?? []).map((e) => e.path)
      const ex = example(file)
      const actual = file.endsWith('.yml') ? (responses.get(file) as any) : responses.get(file)
      const missing = file.endsWith('.yml')
        ? missingKeys(ex.applications[0], (actual as any).applications[0])
        : missingKeys(ex, actual).filter((p) => !exceptions.includes(p))
      expect(missing).toEqual([])
    })
  }

  it("presents VCAP_SERVICES entries with the example's keys", () => {
    const ex = example('app_env.json').system_env_json.VCAP_SERVICES.mysql[0]
    const actual = (responses.get('app_env.json') as any).system_env_json.VCAP_SERVICES.mysql[0]
    expect(missingKeys(ex, actual).filter((k) => !VCAP_SERVICES_DOCS_ONLY.includes(k))).toEqual([])
  })
})

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex')
}
