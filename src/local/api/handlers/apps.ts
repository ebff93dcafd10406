/**
 * Apps: CRUD, start/stop/restart, the current droplet, env, features, ssh, permissions and
 * sidecars (apps_controller.rb, app_features_controller.rb, sidecars_controller.rb).
 */
import {assignDroplet, createApp, deleteApp, renameApp, resolveLifecycle, restartApp, startApp, stopApp} from '../../actions/apps.js'
import {enqueueJob} from '../../actions/jobs.js'
import type {Foundation} from '../../kernel.js'
import type {AppFeatures, AppRec, SidecarRec} from '../../state.js'
import {parseJson} from '../body.js'
import {notFound, unprocessable} from '../errors.js'
import {includedFor, list} from '../list.js'
import {
  appCreateMessage,
  appUpdateMessage,
  check,
  dig,
  featureUpdateMessage,
  type Obj,
  requestedLifecycle,
  sidecarCreateMessage,
  toNumber,
  updateEnvironmentVariablesMessage,
} from '../messages.js'
import {presentApp, presentDroplet, presentSidecar} from '../presenters.js'
import {json, noContent, type Routes} from '../routes.js'
import {applyMetadata, find, namesCi, newMetadata, spaceIncludes} from './common.js'

const FEATURE_DESCRIPTIONS: Record<keyof AppFeatures, string> = {
  ssh: 'Enable SSHing into the app.',
  revisions: 'Enable versioning of an application',
  'service-binding-k8s': 'Enable k8s service bindings for the app',
  'file-based-vcap-services': 'Enable file-based VCAP service bindings for the app',
}

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  const includes = spaceIncludes<AppRec>(f, (a) => a.spaceGuid)
  const spec = {
    filters: {
      names: (a: AppRec, v: string[]) => namesCi(a.name, v),
      stacks: (a: AppRec, v: string[]) => v.includes(a.lifecycle.stack ?? ''),
      lifecycle_type: (a: AppRec, v: string[]) => v.includes(a.lifecycle.type),
    },
    orderBy: {name: (a: AppRec) => a.name, state: (a: AppRec) => a.state},
    space: (a: AppRec) => a.spaceGuid,
    include: includes,
  }

  r.get('/v3/apps', (ctx) => {
    // Most lookups name the space (`names=X&space_guids=S`): start from the space index.
    const spaces = ctx.query.list('space_guids')
    const rows = spaces ? spaces.flatMap((g) => s.apps.by('space', g)).sort((a, b) => a.seq - b.seq) : s.apps.all()
    return list(ctx, rows, spec, (a) => presentApp(f, a))
  })
  r.get('/v3/apps/:guid', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const included = includedFor(ctx, includes, app)
    return json(200, included ? {...presentApp(f, app), included} : presentApp(f, app))
  })
  const lifecycleInput = (raw: Obj) => {
    const l = requestedLifecycle(raw)
    return l && {type: l.type, data: {buildpacks: l.buildpacks, stack: l.stack}}
  }
  // create and update check the message before anything else (so an unknown app still gets a 422).
  r.post('/v3/apps', (ctx) => {
    const raw = parseJson(ctx.body)
    check(appCreateMessage(raw))
    const app = createApp(f, {
      name: raw.name as string,
      spaceGuid: dig(raw.relationships, 'space', 'data', 'guid') as string,
      lifecycle: lifecycleInput(raw),
      // Any JSON values: app_create_message.rb only asks for an object.
      env: raw.environment_variables as Obj | null | undefined,
      metadata: newMetadata(raw.metadata),
    })
    return json(201, presentApp(f, app))
  })
  r.patch('/v3/apps/:guid', (ctx) => {
    const raw = parseJson(ctx.body)
    check(appUpdateMessage(raw))
    const app = find(s.apps, ctx.params.guid, 'App')
    const lifecycle = resolveLifecycle(f, lifecycleInput(raw), app.lifecycle)
    if (typeof raw.name === 'string') renameApp(f, app, raw.name)
    app.lifecycle = lifecycle
    applyMetadata(app, raw.metadata, f.now())
    app.updatedAt = f.now()
    return json(200, presentApp(f, app))
  })
  r.delete('/v3/apps/:guid', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    return enqueueJob(f, 'app.delete', {name: 'app', path: `/v3/apps/${app.guid}`}, () => {
      if (s.apps.get(app.guid)) deleteApp(f, app)
    })
  })

  r.post('/v3/apps/:guid/actions/start', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    startApp(f, app)
    return json(200, presentApp(f, app))
  })
  r.post('/v3/apps/:guid/actions/stop', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    stopApp(f, app)
    return json(200, presentApp(f, app))
  })
  r.post('/v3/apps/:guid/actions/restart', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    restartApp(f, app)
    return json(200, presentApp(f, app))
  })
  r.post('/v3/apps/:guid/actions/clear_buildpack_cache', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    return enqueueJob(f, 'app.clear_buildpack_cache', {name: 'app', path: `/v3/apps/${app.guid}`}, () => {})
  })

  r.get('/v3/apps/:guid/droplets/current', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const droplet = s.droplets.get(app.currentDropletGuid)
    if (!droplet) throw notFound('Droplet')
    return json(200, presentDroplet(f, droplet))
  })
  /** app_droplet_relationship_presenter.rb: the relationship to an existing droplet. */
  const relationship = (app: AppRec) => ({
    data: {guid: app.currentDropletGuid},
    links: {
      self: {href: `${f.settings.apiUrl}/v3/apps/${app.guid}/relationships/current_droplet`},
      related: {href: `${f.settings.apiUrl}/v3/apps/${app.guid}/droplets/current`},
    },
  })
  // Without a current droplet Cloud Controller answers 404 "Droplet not found" (current_droplet_relationship).
  r.get('/v3/apps/:guid/relationships/current_droplet', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    if (!s.droplets.get(app.currentDropletGuid)) throw notFound('Droplet')
    return json(200, relationship(app))
  })
  // assign_current_droplet reads body.data.guid and checks no message: other keys are ignored.
  r.patch('/v3/apps/:guid/relationships/current_droplet', (ctx) => {
    const raw = parseJson(ctx.body)
    const dropletGuid = dig(raw, 'data', 'guid')
    if ('data' in raw && (dropletGuid === null || dropletGuid === undefined))
      throw unprocessable('Current droplet cannot be removed. Replace it with a preferred droplet.')
    const app = find(s.apps, ctx.params.guid, 'App')
    if (s.isDeploying(app.guid)) {
      throw unprocessable('Unable to assign current droplet while the app has a deployment in progress. Wait for the deployment to complete or cancel it.')
    }
    assignDroplet(f, app, typeof dropletGuid === 'string' ? s.droplets.get(dropletGuid) : undefined)
    return json(200, relationship(app))
  })

  const envReply = (app: AppRec) => ({
    var: {...app.env},
    links: {self: {href: `${f.settings.apiUrl}/v3/apps/${app.guid}/environment_variables`}, app: {href: `${f.settings.apiUrl}/v3/apps/${app.guid}`}},
  })
  r.get('/v3/apps/:guid/environment_variables', (ctx) => json(200, envReply(find(s.apps, ctx.params.guid, 'App'))))
  // update_environment_variables finds the app first, then checks the message (string or null values).
  r.patch('/v3/apps/:guid/environment_variables', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const raw = parseJson(ctx.body)
    check(updateEnvironmentVariablesMessage(raw))
    const env: Obj = {...app.env}
    for (const [k, v] of Object.entries(raw.var as Obj)) {
      if (v === null) delete env[k]
      else env[k] = v
    }
    app.env = env
    app.updatedAt = f.now()
    return json(200, envReply(app))
  })
  r.get('/v3/apps/:guid/env', (ctx) => json(200, appEnv(f, find(s.apps, ctx.params.guid, 'App'))))

  const features = (app: AppRec) =>
    (Object.keys(FEATURE_DESCRIPTIONS) as (keyof AppFeatures)[]).map((name) => ({name, description: FEATURE_DESCRIPTIONS[name], enabled: app.features[name]}))
  // app_features_controller.rb's "unpagination" links are paths, not URLs.
  r.get('/v3/apps/:guid/features', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const self = {href: `/v3/apps/${app.guid}/features`}
    return json(200, {resources: features(app), pagination: {total_results: 4, total_pages: 1, first: self, last: self, next: null, previous: null}})
  })
  r.get('/v3/apps/:guid/features/:name', (ctx) => {
    const feature = features(find(s.apps, ctx.params.guid, 'App')).find((x) => x.name === ctx.params.name)
    if (!feature) throw notFound('Feature')
    return json(200, feature)
  })
  r.patch('/v3/apps/:guid/features/:name', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const name = ctx.params.name as keyof AppFeatures
    if (!(name in FEATURE_DESCRIPTIONS)) throw notFound('Feature')
    const raw = parseJson(ctx.body)
    check(featureUpdateMessage(raw))
    const enabled = raw.enabled as boolean
    const other = name === 'service-binding-k8s' ? 'file-based-vcap-services' : name === 'file-based-vcap-services' ? 'service-binding-k8s' : undefined
    if (enabled && other && app.features[other])
      throw unprocessable(`'file-based-vcap-services' and 'service-binding-k8s' features cannot be enabled at the same time.`)
    app.features[name] = enabled
    return json(
      200,
      features(app).find((x) => x.name === name),
    )
  })
  r.get('/v3/apps/:guid/ssh_enabled', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const space = s.spaces.get(app.spaceGuid)
    // app_ssh_status_presenter.rb (ssh is allowed globally on the local foundation).
    if (space && !space.allowSsh) return json(200, {enabled: false, reason: `ssh is disabled for space '${space.name}'`})
    if (!app.features.ssh) return json(200, {enabled: false, reason: 'ssh is disabled for app'})
    return json(200, {enabled: true, reason: ''})
  })
  r.get('/v3/apps/:guid/permissions', (ctx) => {
    find(s.apps, ctx.params.guid, 'App')
    return json(200, {read_basic_data: true, read_sensitive_data: true})
  })

  // Sidecars (sidecars_controller.rb, sidecar_create.rb).
  r.get('/v3/apps/:guid/sidecars', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    return list(ctx, s.sidecars.by('app', app.guid), {noLabels: true}, presentSidecar)
  })
  r.post('/v3/apps/:guid/sidecars', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const raw = parseJson(ctx.body)
    check(sidecarCreateMessage(raw))
    const processTypes = raw.process_types as string[]
    const memory = toNumber(raw.memory_in_mb) ?? null
    if ('memory_in_mb' in raw) assertSidecarMemory(f, app, processTypes, memory)
    const name = raw.name as string
    const command = raw.command as string
    // sidecar_model.rb's own limits, as Sequel literals.
    const invalid = [
      ...(name.length > 255 ? ['Name is too long (maximum is 255 characters)'] : []),
      ...(command.length > 4096 ? ['Command is too long (maximum is 4096 characters)'] : []),
    ]
    if (invalid.length > 0) throw unprocessable(invalid.join(', '))
    if (s.sidecars.by('app', app.guid).some((x) => x.name === name)) throw unprocessable(`Sidecar with name '${name}' already exists for given app`)
    const sidecar = s.sidecars.insert(
      s.stamp<SidecarRec>({appGuid: app.guid, name, command, processTypes: [...processTypes], memoryInMb: memory, origin: 'user'}, f.now()),
    )
    return json(201, presentSidecar(sidecar))
  })
  r.get('/v3/sidecars/:guid', (ctx) => json(200, presentSidecar(find(s.sidecars, ctx.params.guid, 'Sidecar'))))
  r.delete('/v3/sidecars/:guid', (ctx) => {
    s.sidecars.delete(find(s.sidecars, ctx.params.guid, 'Sidecar').guid)
    return noContent()
  })
}

/** SidecarMemoryLessThanProcessMemoryPolicy: the sidecars of each named process must leave it memory. */
function assertSidecarMemory(f: Foundation, app: AppRec, processTypes: string[], memory: number | null): void {
  for (const p of f.store.processes.by('app', app.guid).filter((x) => processTypes.includes(x.type))) {
    const used = f.store.sidecars
      .by('app', app.guid)
      .filter((x) => x.processTypes.includes(p.type))
      .reduce((sum, x) => sum + (x.memoryInMb ?? 0), 0)
    if (used + (memory ?? 0) >= p.memoryInMb) throw unprocessable(`The memory allocation defined is too large to run with the dependent "${p.type}" process`)
  }
}

/**
 * GET /v3/apps/:guid/env (app_env_presenter.rb): VCAP_APPLICATION from vars_builder.rb for an app
 * (limits: only fds), system_env_json from system_env_presenter.rb (VCAP_SERVICES entries as
 * service_binding_presenter.rb merges them onto service_instance_presenter.rb).
 */
export function appEnv(f: Foundation, app: AppRec) {
  const s = f.store
  const space = s.spaces.get(app.spaceGuid)
  const org = s.orgOfSpace(space)
  const services: Record<string, unknown[]> = {}
  for (const b of s.bindings.by('app', app.guid)) {
    const si = s.serviceInstances.get(b.serviceInstanceGuid)
    if (!si) continue
    const label = si.type === 'managed' ? (si.offering ?? 'managed') : 'user-provided'
    const instance =
      si.type === 'managed' ? {label, provider: null, plan: si.plan, name: si.name, tags: [...si.tags]} : {label, name: si.name, tags: [...si.tags]}
    ;(services[label] ??= []).push({
      ...instance,
      name: b.name || si.name,
      instance_guid: si.guid,
      instance_name: si.name,
      binding_guid: b.guid,
      binding_name: b.name,
      credentials: {...b.credentials},
      syslog_drain_url: si.syslogDrainUrl,
      volume_mounts: [],
    })
  }
  const systemEnv = app.features['service-binding-k8s']
    ? {SERVICE_BINDING_ROOT: '/etc/cf-service-bindings'}
    : app.features['file-based-vcap-services']
      ? {VCAP_SERVICES_FILE_PATH: '/etc/cf-service-bindings/vcap_services'}
      : {VCAP_SERVICES: services}
  const uris = s.routes
    .all()
    .filter((r) => r.destinations.some((d) => d.appGuid === app.guid))
    .map((r) => `${r.host ? `${r.host}.` : ''}${s.domains.get(r.domainGuid)?.name ?? ''}${r.path}`)
  return {
    environment_variables: app.env,
    staging_env_json: {},
    running_env_json: {},
    system_env_json: systemEnv,
    application_env_json: {
      VCAP_APPLICATION: {
        cf_api: f.settings.apiUrl,
        limits: {fds: 16384},
        application_name: app.name,
        application_uris: uris,
        name: app.name,
        space_name: space?.name,
        space_id: app.spaceGuid,
        organization_id: org?.guid,
        organization_name: org?.name,
        uris,
        users: null,
        application_id: app.guid,
      },
    },
  }
}
