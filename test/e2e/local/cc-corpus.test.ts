/**
 * The local foundation against the Cloud Controller corpus (test/fixtures/cc/*.json: bodies
 * transcribed from cloud_controller_ng's presenters and request specs, each with its source).
 *
 * For every corpus body whose resource and state the local foundation can produce, the local
 * response is put in the same state and held to the body's shape, not its values:
 * - objects have exactly the same keys (free-form maps such as labels or env vars: only present);
 * - where the corpus has null, the local response has null, and where it has a value, a value of
 *   the same JSON type;
 * - arrays: the elements of a list are merged (a page mixes states), and every local element keeps
 *   to that; how many elements there are is a value.
 * Corpus files describing states the local foundation does not have are listed with the reason.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {zipSync} from 'fflate'
import {startTestFoundation, type TestFoundation} from './helpers.js'

const CORPUS = new URL('../../fixtures/cc/', import.meta.url)
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json'))
const fixture = (file: string): {endpoint: string; note: string; body: unknown} => JSON.parse(readFileSync(new URL(file, CORPUS), 'utf8'))

/** Values that are JSON of any kind (manifest diff operations carry the manifest's values). */
const ANY = [/^diff\[\]\.(value|was)$/]

/** Paths (dot-joined, array elements as []) whose values are maps of user data. */
const FREE_FORM = [
  /(^|\.)(labels|annotations|var|environment_variables|staging_env_json|running_env_json|process_types|credentials|custom|parameters)$/,
  /^system_env_json\.VCAP_SERVICES$/,
  /^processes$/,
  /(^|\.)resources\[\]\.processes$/,
]

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

/**
 * What Cloud Controller's bodies allow at one path: the JSON kinds seen there and, for objects,
 * each key with whether every example has it. A list's elements are merged into one shape (a page
 * mixes states: one app has a droplet, another has none), so a local element passes when each of
 * its fields has a kind Cloud Controller gives that field in the list.
 */
interface Shape {
  kinds: Set<string>
  keys: Map<string, {required: boolean; shape: Shape}>
  items?: Shape
}

function shapeOf(examples: unknown[], path: string): Shape {
  const shape: Shape = {kinds: new Set(examples.map(kind)), keys: new Map()}
  if (FREE_FORM.some((re) => re.test(path)) || ANY.some((re) => re.test(path))) return shape
  const objects = examples.filter((e): e is Record<string, unknown> => kind(e) === 'object')
  for (const key of new Set(objects.flatMap((o) => Object.keys(o)))) {
    const having = objects.filter((o) => key in o)
    shape.keys.set(key, {
      required: having.length === objects.length,
      shape: shapeOf(
        having.map((o) => o[key]),
        path ? `${path}.${key}` : key,
      ),
    })
  }
  const elements = examples.filter(Array.isArray).flat()
  if (elements.length > 0) shape.items = shapeOf(elements, `${path}[]`)
  return shape
}

/** Where `actual` leaves the shape of Cloud Controller's `examples`, as "path: problem" lines. */
export function shapeDiff(examples: unknown, actual: unknown): string[] {
  return check(shapeOf([examples], ''), actual, '')
}

function check(shape: Shape, actual: unknown, path: string): string[] {
  const here = path || '(root)'
  if (actual === undefined) return [`${here}: missing`]
  if (ANY.some((re) => re.test(path))) return []
  const k = kind(actual)
  if (!shape.kinds.has(k)) return [`${here}: ${k}, Cloud Controller has ${[...shape.kinds].join(' or ')}`]
  if (FREE_FORM.some((re) => re.test(path))) return []
  const out: string[] = []
  if (k === 'object') {
    const a = actual as Record<string, unknown>
    for (const [key, {required, shape: sub}] of shape.keys) {
      const p = path ? `${path}.${key}` : key
      if (!(key in a)) {
        if (required) out.push(`${p}: missing`)
        continue
      }
      out.push(...check(sub, a[key], p))
    }
    for (const key of Object.keys(a)) if (!shape.keys.has(key)) out.push(`${path ? `${path}.${key}` : key}: not in Cloud Controller's`)
  }
  if (k === 'array' && shape.items) (actual as unknown[]).forEach((el) => out.push(...check(shape.items!, el, `${path}[]`)))
  return [...new Set(out)]
}

/** Corpus files for states the local foundation does not have, and why. */
const NOT_REPRODUCED: Record<string, string> = {
  'app_cnb.json': 'no cnb lifecycle locally',
  'app_null_stack.json': 'a lifecycle data row with a NULL stack (a database state); the local foundation always resolves a stack',
  'app_env_redacted.json': 'a space supporter: the local foundation has one admin user',
  'build_old_no_created_by.json': 'a 2017 row without created_by columns',
  'build_failed_no_start_command.json': 'the same shape as build_failed.json, for another staging error',
  'buildpack_awaiting_upload_null_stack.json': 'buildpacks are not created over the API locally (seeded and released)',
  'buildpack_cnb.json': 'no cnb lifecycle locally',
  'deployment_canary_old_row_null_step.json': 'a row from before canary steps existed',
  'deployment_old_row_null_reason.json': 'a row from before status_reason existed',
  'deployment_deploying_with_error.json': 'needs an updater error part-way through (deployments.test.ts covers status.details.error)',
  'domain_route_policies.json': 'route policies are not implemented locally',
  'domain_tcp.json': 'no tcp domains or router groups locally',
  'droplet_cnb_staged.json': 'no cnb lifecycle locally',
  'droplet_expired.json': 'droplets do not expire locally',
  'droplet_failed_copy.json': 'copies do not fail locally',
  'droplet_failed_staging_timeout.json': 'the pending-droplet cleanup does not run locally',
  'droplet_staging.json': 'the local foundation creates the droplet when staging ends, not while it runs',
  'info_unconfigured.json': 'the local foundation reports its rate limiter settings (numbers), as a configured foundation does',
  'job_failed.json': 'app deletes do not fail locally (job_failed_manifest.json is compared)',
  'job_polling_with_warnings.json': 'no service brokers locally',
  'package_bits_expired.json': 'packages do not expire locally',
  'package_bits_ready_legacy_sha1.json': 'a package from before sha256 checksums',
  'process_backfilled_2018.json': 'a process back-filled by a 2018 migration',
  'process_stats_log_cache_unavailable.json': 'log cache does not fail locally',
  'process_stats_stopping.json': 'a stopped process has no actual LRPs left locally (DOWN, as process_stats_stopped_all_down.json)',
  'revision_old_no_droplet.json': 'a revision from before droplet_guid existed',
  'root_minimal.json': 'the local foundation configures routing, logging and log stream links and v2 (root.json is compared)',
  'route_hash_options_unweighted.json': 'hash load balancing is behind a feature flag that is off locally; no internal routes',
  'route_tcp.json': 'no tcp routes locally',
  'service_credential_binding_app_v2_no_last_operation.json': 'a binding created through the v2 API',
  'service_credential_binding_details_app.json': 'no volume services locally (service_credential_binding_details_no_drain.json is compared)',
  'service_instance_user_provided.json': 'an old user-provided instance without a last operation',
  'service_instances_list.json': 'holds that old user-provided instance',
  'sidecar_buildpack_no_memory.json': 'buildpacks declare no sidecars locally',
  'stack_deprecated.json': 'seeded stacks have descriptions',
}

/** Corpus paths that legitimately differ for the state produced here, with the reason. */
const DIFFERENCES: Record<string, {path: string; why: string}[]> = {
  'organization_quota_limited.json': [
    {path: 'routes.total_reserved_ports: null, Cloud Controller has number', why: 'reserved route ports are not configurable locally (unlimited: null)'},
  ],
  'space_quota.json': [{path: 'routes.total_reserved_ports: null, Cloud Controller has number', why: 'the same'}],
  'service_credential_binding_app_in_progress.json': [
    {
      path: 'last_operation.description: null, Cloud Controller has string',
      why: "the corpus broker describes its operation; the local one gives no description (the presenter passes the broker's through)",
    },
  ],
  'service_credential_binding_key.json': [
    {
      path: 'last_operation.description: null, Cloud Controller has string',
      why: "the corpus key has no stored operation (synthesized with description ''); local keys store theirs, without a description",
    },
  ],
  'root.json': [{path: 'links.credhub: null, Cloud Controller has object', why: 'no CredHub locally: credhub_link is nil'}],
}

let t: TestFoundation
const responses = new Map<string, unknown>()

beforeAll(async () => {
  // Jobs (an async binding among them) take 1 s, so the reads right after a POST see them in progress even on a loaded machine.
  t = await startTestFoundation({asyncMs: 1000})
  await t.lf.seed({
    orgs: [
      {
        name: 'corpus-org',
        quota: {
          name: 'corpus-org-quota',
          total_memory_in_mb: 102_400,
          per_process_memory_in_mb: 8192,
          log_rate_limit_in_bytes_per_second: 1_048_576,
          total_service_instances: 100,
          total_routes: 1000,
        },
        spaces: [
          {
            name: 'corpus',
            quota: {
              name: 'corpus-space-quota',
              total_memory_in_mb: 20_480,
              per_process_memory_in_mb: 4096,
              total_instances: 40,
              per_app_tasks: 5,
              total_service_instances: 20,
            },
            service_instances: [
              {name: 'db', type: 'managed', offering: 'postgres', plan: 'small', tags: ['sql']},
              {name: 'logs', credentials: {url: 'https://logs.example.com'}, syslog_drain_url: 'syslog-tls://logs.example.com:6514'},
            ],
            apps: [
              {name: 'storefront', instances: 2, memory: '128M', labels: {team: 'shop'}, services: ['db', 'logs']},
              {name: 'rolling', instances: 2, memory: '64M'},
              {name: 'canary', instances: 3, memory: '64M'},
              {name: 'canceling', instances: 2, memory: '64M', features: {revisions: false}},
              {name: 'canceled', instances: 2, memory: '64M', features: {revisions: false}},
              {name: 'superseded', instances: 1, memory: '64M'},
              {name: 'container', docker: {image: 'registry.example.com/web/nginx:1.27'}, instances: 1, memory: '64M'},
              {name: 'idle', instances: 2, memory: '64M', stopped: true},
            ],
          },
          {name: 'no-quota', allow_ssh: false, apps: [{name: 'locked', instances: 1, memory: '64M'}]},
        ],
      },
      {name: 'unlimited-org', quota: {name: 'unlimited'}},
    ],
  })
  const r = (file: string, v: unknown) => responses.set(file, v)
  const ok = async (path: string, init?: Parameters<TestFoundation['api']>[1]) => {
    const res = await t.api(path, init)
    if (res.status >= 400) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${res.text}`)
    return res
  }
  const get = async (path: string) => (await ok(path)).body
  const post = async (path: string, body: unknown) => (await ok(path, {method: 'POST', body})).body
  const patch = async (path: string, body: unknown) => (await ok(path, {method: 'PATCH', body})).body
  const one = async (path: string) => (await get(path)).resources[0]

  const org = await one('/v3/organizations?names=corpus-org')
  const space = await one('/v3/spaces?names=corpus')
  const noQuota = await one('/v3/spaces?names=no-quota')
  const app = (name: string) => one(`/v3/apps?names=${name}`)
  const storefront = await app('storefront')
  const container = await app('container')

  // Apps.
  const fresh = await post('/v3/apps', {name: 'checkout-new', relationships: {space: {data: {guid: space.guid}}}})
  r('app_no_droplet.json', await get(`/v3/apps/${fresh.guid}`))
  r('error_current_droplet_not_found.json', (await t.api(`/v3/apps/${fresh.guid}/relationships/current_droplet`)).body)
  r('app_env_no_environment_variables.json', await get(`/v3/apps/${fresh.guid}/env`))
  r('app_environment_variables_none.json', await get(`/v3/apps/${fresh.guid}/environment_variables`))
  r('process_no_command_no_droplet.json', await get(`/v3/apps/${fresh.guid}/processes/web`))
  const typed = await post('/v3/apps', {
    name: 'typed-env',
    relationships: {space: {data: {guid: space.guid}}},
    environment_variables: {
      JAVA_OPTS: '-Xss512k',
      MAX_CONNECTIONS: 50,
      FEATURE_CHECKOUT_V2: true,
      CACHE: {ttl_seconds: 300},
      RETRY_BACKOFF_MS: [100, 200],
      LEGACY_FLAG: null,
    },
  })
  r('app_environment_variables_non_string.json', await get(`/v3/apps/${typed.guid}/environment_variables`))
  await post('/v3/service_credential_bindings', {
    type: 'app',
    relationships: {app: {data: {guid: typed.guid}}, service_instance: {data: {guid: (await one('/v3/service_instances?names=logs')).guid}}},
  })
  r('app_env.json', await get(`/v3/apps/${typed.guid}/env`))
  r('app_started.json', await get(`/v3/apps/${storefront.guid}`))
  r('app_docker.json', await get(`/v3/apps/${container.guid}`))
  r('app_current_droplet_relationship.json', await get(`/v3/apps/${storefront.guid}/relationships/current_droplet`))
  const containerDroplet = container.relationships.current_droplet.data.guid
  r('app_current_droplet_relationship_patched.json', await patch(`/v3/apps/${container.guid}/relationships/current_droplet`, {data: {guid: containerDroplet}}))
  r('app_features.json', await get(`/v3/apps/${storefront.guid}/features`))
  await patch(`/v3/apps/${storefront.guid}/features/revisions`, {enabled: false})
  r('app_feature_revisions.json', await get(`/v3/apps/${storefront.guid}/features/revisions`))
  await patch(`/v3/apps/${storefront.guid}/features/revisions`, {enabled: true})
  r('app_permissions.json', await get(`/v3/apps/${storefront.guid}/permissions`))
  r('app_ssh_enabled_true.json', await get(`/v3/apps/${storefront.guid}/ssh_enabled`))
  r('app_ssh_enabled_disabled_for_space.json', await get(`/v3/apps/${(await app('locked')).guid}/ssh_enabled`))
  r('apps_list_include_space_org_lean.json', await get('/v3/apps?include=space,space.organization&per_page=5000'))
  const pages = (await get('/v3/apps?per_page=2')).pagination.total_pages
  r('apps_list_last_page.json', await get(`/v3/apps?page=${pages}&per_page=2`))
  r('error_app_not_found.json', (await t.api('/v3/apps/no-such-app')).body)
  r(
    'error_unknown_field.json',
    (await t.api('/v3/apps', {method: 'POST', body: {name: 'x', instances: 2, buildpack: 'ruby', relationships: {space: {data: {guid: space.guid}}}}})).body,
  )

  // Packages, builds, droplets.
  const zip = Buffer.from(zipSync({'package.json': new TextEncoder().encode('{}')}))
  const upload = async (guid: string, bits: Buffer) => {
    const form = new FormData()
    form.append('bits', new Blob([bits], {type: 'application/zip'}), 'app.zip')
    const res = await fetch(`${t.lf.apiUrl}/v3/packages/${guid}/upload`, {method: 'POST', headers: {authorization: await t.tokens.authorization()}, body: form})
    return res.json()
  }
  const pkg = await post('/v3/packages', {type: 'bits', relationships: {app: {data: {guid: fresh.guid}}}})
  r('package_bits_awaiting_upload.json', pkg)
  r('package_bits_processing_upload.json', await upload(pkg.guid, zip))
  await t.lf.settle()
  r('package_bits_ready.json', await get(`/v3/packages/${pkg.guid}`))
  r('package_bits_copying.json', await post(`/v3/packages?source_guid=${pkg.guid}`, {relationships: {app: {data: {guid: typed.guid}}}}))
  const broken = await post('/v3/packages', {type: 'bits', relationships: {app: {data: {guid: typed.guid}}}})
  await upload(broken.guid, Buffer.from('not a zip'))
  await t.lf.settle()
  r('package_bits_failed.json', await get(`/v3/packages/${broken.guid}`))
  r(
    'package_docker.json',
    await post('/v3/packages', {type: 'docker', relationships: {app: {data: {guid: container.guid}}}, data: {image: 'registry.example.com/web/nginx:1.28'}}),
  )
  r('packages_list.json', await get(`/v3/packages?app_guids=${container.guid},${typed.guid}&order_by=-created_at`))
  r(
    'package_docker_private_registry.json',
    await post('/v3/packages', {
      type: 'docker',
      relationships: {app: {data: {guid: container.guid}}},
      data: {image: 'registry.example.com/web/app:2', username: 'robot', password: 's3cret'},
    }),
  )

  const build = await post('/v3/builds', {package: {guid: pkg.guid}})
  r('build_staging.json', build)
  await t.lf.settle()
  const staged = await get(`/v3/builds/${build.guid}`)
  r('build_staged.json', staged)
  r('builds_list_for_package.json', await get(`/v3/builds?package_guids=${pkg.guid}&order_by=-created_at`))
  const dockerPkg = (responses.get('package_docker.json') as {guid: string}).guid
  const dockerBuild = await post('/v3/builds', {package: {guid: dockerPkg}})
  await t.lf.settle()
  r('build_docker_staged.json', await get(`/v3/builds/${dockerBuild.guid}`))
  await patch(`/v3/apps/${typed.guid}/environment_variables`, {var: {CFZD_LOCAL_STAGING_FAIL: 'true'}})
  const failing = await post('/v3/builds', {package: {guid: (responses.get('package_bits_copying.json') as {guid: string}).guid}})
  await t.lf.settle()
  r('build_failed.json', await get(`/v3/builds/${failing.guid}`))
  await patch(`/v3/apps/${typed.guid}/environment_variables`, {var: {CFZD_LOCAL_STAGING_FAIL: null}})

  const droplet = staged.droplet.guid
  r('droplet_staged_buildpack.json', await get(`/v3/droplets/${droplet}`))
  r('droplet_docker.json', await get(`/v3/droplets/${containerDroplet}`))
  r('droplet_copying.json', await post(`/v3/droplets?source_guid=${droplet}`, {relationships: {app: {data: {guid: typed.guid}}}}))
  const blank = await post('/v3/droplets', {relationships: {app: {data: {guid: typed.guid}}}})
  r('droplet_awaiting_upload.json', blank)
  const form = new FormData()
  form.append('bits', new Blob([Buffer.from('tgz')]), 'droplet.tgz')
  const uploaded = await fetch(`${t.lf.apiUrl}/v3/droplets/${blank.guid}/upload`, {
    method: 'POST',
    headers: {authorization: await t.tokens.authorization()},
    body: form,
  })
  r('droplet_processing_upload.json', await uploaded.json())
  await t.lf.settle()
  const copiedUpload = await post(`/v3/droplets?source_guid=${blank.guid}`, {relationships: {app: {data: {guid: fresh.guid}}}})
  await t.lf.settle()
  r('droplet_copied_from_uploaded.json', await get(`/v3/droplets/${copiedUpload.guid}`))
  r('droplets_list.json', await get(`/v3/apps/${storefront.guid}/droplets`))
  r('droplets_list_lean.json', await get(`/v3/droplets?guids=${droplet},${blank.guid},${containerDroplet}&per_page=5000`))
  r(
    'resource_matches.json',
    await post('/v3/resource_matches', {resources: [{checksum: {value: 'a'.repeat(40)}, size_in_bytes: 2, path: 'package.json', mode: '644'}]}),
  )

  // Deployments: the first one of an app without a droplet, rolling with every option, canary, cancel, supersede.
  const first = await post('/v3/apps', {name: 'first-deploy', relationships: {space: {data: {guid: space.guid}}}})
  await patch(`/v3/apps/${first.guid}/features/revisions`, {enabled: false})
  const firstDroplet = await post(`/v3/droplets?source_guid=${droplet}`, {relationships: {app: {data: {guid: first.guid}}}})
  await t.lf.settle()
  r(
    'deployment_first_no_previous_droplet.json',
    await post('/v3/deployments', {droplet: {guid: firstDroplet.guid}, relationships: {app: {data: {guid: first.guid}}}}),
  )
  const rolling = await app('rolling')
  expect(rolling.guid).toBeDefined()
  const d1 = await post('/v3/deployments', {
    strategy: 'rolling',
    relationships: {app: {data: {guid: rolling.guid}}},
    options: {max_in_flight: 2, web_instances: 3, memory_in_mb: 128, disk_in_mb: 512, log_rate_limit_in_bytes_per_second: 16384},
  })
  r('deployment_rolling_deploying.json', await get(`/v3/deployments/${d1.guid}`))
  const canary = await app('canary')
  const d2 = await post('/v3/deployments', {
    strategy: 'canary',
    relationships: {app: {data: {guid: canary.guid}}},
    options: {canary: {steps: [{instance_weight: 10}, {instance_weight: 50}, {instance_weight: 100}]}},
  })
  const canceling = await app('canceling')
  const d3 = await post('/v3/deployments', {relationships: {app: {data: {guid: canceling.guid}}}})
  await ok(`/v3/deployments/${d3.guid}/actions/cancel`, {method: 'POST'})
  r('deployment_canceling.json', await get(`/v3/deployments/${d3.guid}`))
  const d5 = await post('/v3/deployments', {
    strategy: 'canary',
    relationships: {app: {data: {guid: (await app('canceled')).guid}}},
    options: {canary: {steps: [{instance_weight: 20}, {instance_weight: 80}]}},
  })
  const superseded = await app('superseded')
  const d4 = await post('/v3/deployments', {relationships: {app: {data: {guid: superseded.guid}}}})
  const d6 = await post('/v3/deployments', {relationships: {app: {data: {guid: superseded.guid}}}})
  r('deployment_superseded.json', await get(`/v3/deployments/${d4.guid}`))
  await t.lf.settle()
  t.lf.tick()
  await t.lf.settle()
  r('deployment_canary_paused.json', await get(`/v3/deployments/${d2.guid}`))
  r('deployments_list_active.json', await get('/v3/deployments?status_values=ACTIVE'))
  await ok(`/v3/deployments/${d5.guid}/actions/cancel`, {method: 'POST'})
  for (let i = 0; i < 10; i++) {
    t.lf.tick()
    await t.lf.settle()
  }
  r('deployment_canceled.json', await get(`/v3/deployments/${d5.guid}`))
  r('deployment_deployed.json', await get(`/v3/deployments/${d6.guid}`))
  expect((await get(`/v3/deployments/${d1.guid}`)).status.value).toBe('FINALIZED')

  // Processes.
  const web = await get(`/v3/apps/${storefront.guid}/processes/web`)
  r('processes_list.json', await get('/v3/processes?per_page=50'))
  r('processes_list_lean.json', await get('/v3/processes?types=web&per_page=5000'))
  await post(`/v3/processes/${web.guid}/actions/scale`, {instances: 3})
  r('process_embed_process_instances.json', await get(`/v3/processes/${web.guid}?embed=process_instances`))
  r('process_stats_mixed.json', await get(`/v3/processes/${web.guid}/stats`))
  r(
    'process_web.json',
    await patch(`/v3/processes/${web.guid}`, {
      health_check: {type: 'http', data: {endpoint: '/health', timeout: 60, invocation_timeout: 5, interval: 10}},
      readiness_health_check: {type: 'http', data: {endpoint: '/ready', invocation_timeout: 2, interval: 5}},
    }),
  )
  const worker = await post(`/v3/apps/${fresh.guid}/sidecars`, {name: 'probe', command: './probe', process_types: ['web']})
  expect(worker.guid).toBeDefined()
  const freshWeb = await get(`/v3/apps/${fresh.guid}/processes/web`)
  r(
    'process_http_check_null_endpoint.json',
    await patch(`/v3/processes/${freshWeb.guid}`, {
      health_check: {type: 'http', data: {endpoint: null}},
      readiness_health_check: {type: 'http', data: {endpoint: null, interval: 5}},
    }),
  )
  r('process_stats_stopped_all_down.json', await get(`/v3/apps/${(await app('idle')).guid}/processes/web/stats`))

  // Revisions and sidecars.
  const sidecar = await post(`/v3/apps/${storefront.guid}/sidecars`, {name: 'envoy', command: './envoy', process_types: ['web'], memory_in_mb: 16})
  r('sidecar_user.json', await get(`/v3/sidecars/${sidecar.guid}`))
  r('sidecars_list.json', await get(`/v3/apps/${storefront.guid}/sidecars`))
  await patch(`/v3/apps/${storefront.guid}/environment_variables`, {var: {RELEASE: '2'}})
  await ok(`/v3/apps/${storefront.guid}/actions/restart`, {method: 'POST'})
  const revisions = (await get(`/v3/apps/${storefront.guid}/revisions`)).resources
  const latest = revisions[revisions.length - 1]
  r('revision_deployable.json', await get(`/v3/revisions/${latest.guid}`))
  r('revision_environment_variables.json', await get(`/v3/revisions/${latest.guid}/environment_variables`))
  r('revisions_list_deployed.json', await get(`/v3/apps/${storefront.guid}/revisions/deployed`))
  const rolled = (await get(`/v3/apps/${rolling.guid}/revisions`)).resources[0]
  r('revision_environment_variables_none.json', await get(`/v3/revisions/${rolled.guid}/environment_variables`))
  t.lf.internals.store.droplets.delete(rolled.droplet.guid)
  r('revision_not_deployable.json', await get(`/v3/revisions/${rolled.guid}`))

  // Routes and domains.
  const shared = await one('/v3/domains?names=apps.localhost')
  r('domain_shared.json', await get(`/v3/domains/${shared.guid}`))
  const priv = await post('/v3/domains', {name: 'shop.example.com', relationships: {organization: {data: {guid: org.guid}}}})
  r('domain_private.json', await get(`/v3/domains/${priv.guid}`))
  r('domain_internal.json', await get(`/v3/domains/${(await one('/v3/domains?names=apps.internal')).guid}`))
  r('domains_list.json', await get('/v3/domains'))
  const unmapped = await post('/v3/routes', {host: 'www', relationships: {space: {data: {guid: space.guid}}, domain: {data: {guid: priv.guid}}}})
  r('route_unmapped.json', await get(`/v3/routes/${unmapped.guid}`))
  r('route_destinations_empty.json', await get(`/v3/routes/${unmapped.guid}/destinations`))
  const weighted = await post('/v3/routes', {
    host: 'shop',
    path: '/checkout',
    options: {loadbalancing: 'least-connection'},
    relationships: {space: {data: {guid: space.guid}}, domain: {data: {guid: shared.guid}}},
  })
  const dests = await patch(`/v3/routes/${weighted.guid}/destinations`, {
    destinations: [
      {app: {guid: storefront.guid}, weight: 80, protocol: 'http2'},
      {app: {guid: typed.guid, process: {type: 'web'}}, weight: 20, port: 8080},
    ],
  })
  r('route_destinations.json', dests)
  r('route_http_weighted.json', await get(`/v3/routes/${weighted.guid}`))
  const mapped = await get(`/v3/routes/${(await one(`/v3/routes?hosts=storefront`)).guid}/destinations`)
  r(
    'route_destination_updated.json',
    await patch(`/v3/routes/${(await one('/v3/routes?hosts=storefront')).guid}/destinations/${mapped.destinations[0].guid}`, {protocol: 'http2'}),
  )
  r('route_reservation.json', await get(`/v3/domains/${shared.guid}/route_reservations?host=shop`))
  r('routes_list.json', await get('/v3/routes'))

  // Services.
  const db = await one('/v3/service_instances?names=db')
  r('service_instance_managed.json', await get(`/v3/service_instances/${db.guid}`))
  const rollingApp = await app('rolling')
  await ok('/v3/service_credential_bindings', {
    method: 'POST',
    body: {type: 'app', name: 'orders-db', relationships: {app: {data: {guid: rollingApp.guid}}, service_instance: {data: {guid: db.guid}}}},
  })
  await t.lf.settle()
  const appBinding = await one(`/v3/service_credential_bindings?app_guids=${rollingApp.guid}`)
  r('service_credential_binding_app.json', await get(`/v3/service_credential_bindings/${appBinding.guid}`))
  r('service_credential_binding_details_no_drain.json', await get(`/v3/service_credential_bindings/${appBinding.guid}/details`))
  r('service_credential_bindings_list.json', await get(`/v3/service_credential_bindings?app_guids=${storefront.guid}&type=app`))
  const inProgress = await ok('/v3/service_credential_bindings', {
    method: 'POST',
    body: {type: 'app', relationships: {app: {data: {guid: fresh.guid}}, service_instance: {data: {guid: db.guid}}}},
  })
  const pending = await one(`/v3/service_credential_bindings?app_guids=${fresh.guid}`)
  r('service_credential_binding_app_in_progress.json', await get(`/v3/service_credential_bindings/${pending.guid}`))
  r('error_binding_details_in_progress.json', (await t.api(`/v3/service_credential_bindings/${pending.guid}/details`)).body)
  expect(inProgress.status).toBe(202)
  await post('/v3/service_credential_bindings', {type: 'key', name: 'reporting', relationships: {service_instance: {data: {guid: db.guid}}}})
  await t.lf.settle()
  const key = await one('/v3/service_credential_bindings?type=key')
  r('service_credential_binding_key.json', await get(`/v3/service_credential_bindings/${key.guid}`))
  r('service_credential_binding_details_key.json', await get(`/v3/service_credential_bindings/${key.guid}/details`))

  // Orgs, spaces, quotas, usage.
  r('organization.json', await get(`/v3/organizations/${org.guid}`))
  r('organizations_list.json', await get('/v3/organizations?order_by=name'))
  r('organization_quota_limited.json', await get(`/v3/organization_quotas/${org.relationships.quota.data.guid}`))
  r(
    'organization_quota_unlimited.json',
    await get(`/v3/organization_quotas/${(await one('/v3/organizations?names=unlimited-org')).relationships.quota.data.guid}`),
  )
  r('organization_usage_summary.json', await get(`/v3/organizations/${org.guid}/usage_summary`))
  r('space_with_quota.json', await get(`/v3/spaces/${space.guid}`))
  r('space_no_quota.json', await get(`/v3/spaces/${noQuota.guid}`))
  r('spaces_list.json', await get('/v3/spaces?order_by=name'))
  r('space_feature_ssh.json', await get(`/v3/spaces/${space.guid}/features/ssh`))
  r('space_quota.json', await get(`/v3/space_quotas/${space.relationships.quota.data.guid}`))
  const emptyQuota = t.lf.internals.store.spaceQuotas.insert(
    t.lf.internals.store.stamp(
      {
        name: 'spare',
        orgGuid: org.guid,
        totalMemoryInMb: null,
        perProcessMemoryInMb: null,
        totalInstances: null,
        logRateLimitInBytesPerSecond: null,
        perAppTasks: null,
        totalRoutes: null,
        totalServiceInstances: null,
      },
      Date.now(),
    ),
  )
  r('space_quota_unlimited.json', await get(`/v3/space_quotas/${emptyQuota.guid}`))
  r('space_usage_summary.json', await get(`/v3/spaces/${space.guid}/usage_summary`))
  r('space_usage_summary_empty.json', await get(`/v3/spaces/${noQuota.guid}/usage_summary`))

  // Platform.
  r('root.json', (await fetch(`${t.lf.apiUrl}/`).then((x) => x.json())) as unknown)
  r('info.json', await get('/v3/info'))
  const stacks = await get('/v3/stacks')
  r('stacks_list.json', stacks)
  r('stack_default.json', await get(`/v3/stacks/${stacks.resources.find((s: {default: boolean}) => s.default).guid}`))
  const buildpacks = await get('/v3/buildpacks?order_by=position')
  r('buildpacks_list.json', buildpacks)
  r('buildpack.json', await get(`/v3/buildpacks/${buildpacks.resources[0].guid}`))

  // Jobs and manifests.
  const yaml = {'content-type': 'application/x-yaml'}
  const applied = await ok(`/v3/spaces/${space.guid}/actions/apply_manifest`, {
    method: 'POST',
    raw: 'applications:\n- name: storefront\n  env:\n    RELEASE: "3"\n',
    headers: yaml,
  })
  await t.lf.settle()
  r('job_complete.json', await get(applied.headers.get('location')!))
  const doomed = await post('/v3/apps', {name: 'doomed', relationships: {space: {data: {guid: space.guid}}}})
  const del = await ok(`/v3/apps/${doomed.guid}`, {method: 'DELETE'})
  r('job_processing.json', await get(del.headers.get('location')!))
  await t.lf.settle()
  r('job_complete_deleted_resource.json', await get(del.headers.get('location')!))
  await ok(`/v3/deployments`, {method: 'POST', body: {relationships: {app: {data: {guid: superseded.guid}}}}})
  const failingManifest = await ok(`/v3/spaces/${space.guid}/actions/apply_manifest`, {
    method: 'POST',
    raw: 'applications:\n- name: superseded\n  instances: 4\n',
    headers: yaml,
  })
  await t.lf.settle()
  r('job_failed_manifest.json', await get(failingManifest.headers.get('location')!))
  r(
    'error_compound_manifest.json',
    (
      await t.api(`/v3/spaces/${space.guid}/actions/apply_manifest`, {
        method: 'POST',
        raw: 'applications:\n- name: storefront\n  memory: 1 parsec\n  instances: -1\n- memory: 1G\n',
        headers: yaml,
      })
    ).body,
  )
  r(
    'manifest_diff.json',
    (
      await ok(`/v3/spaces/${space.guid}/manifest_diff`, {
        method: 'POST',
        raw: 'applications:\n- name: storefront\n  instances: 5\n  env:\n    NEW: "1"\n',
        headers: yaml,
      })
    ).body,
  )
  r(
    'manifest_diff_empty.json',
    (await ok(`/v3/spaces/${space.guid}/manifest_diff`, {method: 'POST', raw: 'applications:\n- name: storefront\n', headers: yaml})).body,
  )
}, 60_000)

afterAll(() => t.stop())

describe('conformance with the Cloud Controller corpus (test/fixtures/cc)', () => {
  it('compares every corpus file, or says why its state is not reproduced', () => {
    const uncovered = files.filter((f) => !responses.has(f) && !NOT_REPRODUCED[f])
    expect(uncovered).toEqual([])
  })

  for (const file of files) {
    if (NOT_REPRODUCED[file]) continue
    it(`${file}: ${fixture(file).endpoint} has Cloud Controller's keys, nulls and types`, () => {
      const allowed = (DIFFERENCES[file] ?? []).map((d) => d.path)
      expect(shapeDiff(fixture(file).body, responses.get(file)).filter((d) => !allowed.includes(d))).toEqual([])
    })
  }
})
