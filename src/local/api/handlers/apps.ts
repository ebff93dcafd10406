/** Apps: CRUD, start/stop/restart, the current droplet, env, features, ssh and permissions. */
import {AppCreate, AppUpdate, CurrentDropletRelationship} from '../../../capi/resources/apps.js'
import {EnvironmentVariables} from '../../../capi/resources/environment-variables.js'
import {FeatureUpdate} from '../../../capi/resources/features.js'
import {assignDroplet, createApp, deleteApp, renameApp, resolveLifecycle, restartApp, startApp, stopApp} from '../../actions/apps.js'
import {enqueueJob} from '../../actions/jobs.js'
import type {Foundation} from '../../foundation.js'
import type {AppFeatures, AppRec} from '../../state.js'
import {parseJson, validate} from '../body.js'
import {notFound, unprocessable} from '../errors.js'
import {includedFor, list} from '../list.js'
import {presentApp, presentDroplet} from '../presenters.js'
import {json, type Routes} from '../routes.js'
import {applyMetadata, find, namesCi, newMetadata, spaceIncludes} from './common.js'

const FEATURE_DESCRIPTIONS: Record<keyof AppFeatures, string> = {
  ssh: 'Enable SSHing into the app.',
  revisions: 'Enable versioning of an application',
  'service-binding-k8s': 'Enable k8s service bindings for the app',
  'file-based-vcap-services': 'Enable file-based VCAP service bindings for the app',
}

/** Environment variable names Cloud Controller refuses (validators.rb). */
export function assertEnvNames(vars: Record<string, unknown>, attribute: string): void {
  for (const key of Object.keys(vars)) {
    if (/^VCAP_/i.test(key)) throw unprocessable(`${attribute} cannot start with VCAP_`)
    if (/^PORT$/i.test(key)) throw unprocessable(`${attribute} cannot set PORT`)
    if (key === '') throw unprocessable(`${attribute} key must be a minimum length of 1`)
  }
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
  r.post('/v3/apps', (ctx) => {
    const raw = parseJson(ctx.body)
    const body = validate(AppCreate, raw)
    if (body.environment_variables) assertEnvNames(body.environment_variables, 'Environment variables')
    const app = createApp(f, {
      name: body.name,
      spaceGuid: body.relationships.space.data.guid,
      lifecycle: body.lifecycle as never,
      env: body.environment_variables as Record<string, string> | undefined,
      metadata: newMetadata(raw.metadata),
    })
    return json(201, presentApp(f, app))
  })
  r.patch('/v3/apps/:guid', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const raw = parseJson(ctx.body)
    const body = validate(AppUpdate, raw)
    if (body.lifecycle) app.lifecycle = resolveLifecycle(f, body.lifecycle as never, app.lifecycle)
    if (body.name !== undefined) renameApp(f, app, body.name)
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
  const relationship = (app: AppRec) => ({
    data: app.currentDropletGuid ? {guid: app.currentDropletGuid} : null,
    links: {
      self: {href: `${f.settings.apiUrl}/v3/apps/${app.guid}/relationships/current_droplet`},
      related: {href: `${f.settings.apiUrl}/v3/apps/${app.guid}/droplets/current`},
    },
  })
  r.get('/v3/apps/:guid/relationships/current_droplet', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    if (!s.droplets.get(app.currentDropletGuid)) throw notFound('Droplet')
    return json(200, relationship(app))
  })
  r.patch('/v3/apps/:guid/relationships/current_droplet', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const raw = parseJson(ctx.body)
    const body = validate(CurrentDropletRelationship, raw)
    if ('data' in raw && body.data === null) throw unprocessable('Current droplet cannot be removed. Replace it with a preferred droplet.')
    if (s.isDeploying(app.guid)) {
      throw unprocessable('Unable to assign current droplet while the app has a deployment in progress. Wait for the deployment to complete or cancel it.')
    }
    assignDroplet(f, app, s.droplets.get(body.data?.guid))
    return json(200, relationship(app))
  })

  const envReply = (app: AppRec) => ({
    var: {...app.env},
    links: {self: {href: `${f.settings.apiUrl}/v3/apps/${app.guid}/environment_variables`}, app: {href: `${f.settings.apiUrl}/v3/apps/${app.guid}`}},
  })
  r.get('/v3/apps/:guid/environment_variables', (ctx) => json(200, envReply(find(s.apps, ctx.params.guid, 'App'))))
  r.patch('/v3/apps/:guid/environment_variables', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const body = validate(EnvironmentVariables, parseJson(ctx.body))
    assertEnvNames(body.var, 'Var')
    for (const [k, v] of Object.entries(body.var)) {
      if (v === null) delete app.env[k]
      else app.env[k] = String(v)
    }
    app.updatedAt = f.now()
    return json(200, envReply(app))
  })
  r.get('/v3/apps/:guid/env', (ctx) => json(200, appEnv(f, find(s.apps, ctx.params.guid, 'App'))))

  const features = (app: AppRec) => (Object.keys(FEATURE_DESCRIPTIONS) as (keyof AppFeatures)[]).map((name) => ({name, description: FEATURE_DESCRIPTIONS[name], enabled: app.features[name]}))
  r.get('/v3/apps/:guid/features', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const self = {href: `${f.settings.apiUrl}/v3/apps/${app.guid}/features`}
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
    const {enabled} = validate(FeatureUpdate, parseJson(ctx.body))
    const other = name === 'service-binding-k8s' ? 'file-based-vcap-services' : name === 'file-based-vcap-services' ? 'service-binding-k8s' : undefined
    if (enabled && other && app.features[other]) throw unprocessable(`'file-based-vcap-services' and 'service-binding-k8s' features cannot be enabled at the same time.`)
    app.features[name] = enabled
    return json(200, features(app).find((x) => x.name === name))
  })
  r.get('/v3/apps/:guid/ssh_enabled', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const space = s.spaces.get(app.spaceGuid)
    if (!app.features.ssh) return json(200, {enabled: false, reason: 'Disabled for this app'})
    if (space && !space.allowSsh) return json(200, {enabled: false, reason: `Disabled for space ${space.name}`})
    return json(200, {enabled: true, reason: ''})
  })
  r.get('/v3/apps/:guid/permissions', (ctx) => {
    find(s.apps, ctx.params.guid, 'App')
    return json(200, {read_basic_data: true, read_sensitive_data: true})
  })
  r.get('/v3/apps/:guid/sidecars', (ctx) => {
    find(s.apps, ctx.params.guid, 'App')
    return list(ctx, [], {}, () => ({}))
  })
}

/** GET /v3/apps/:guid/env: the app's env plus VCAP_SERVICES and VCAP_APPLICATION. */
export function appEnv(f: Foundation, app: AppRec) {
  const s = f.store
  const space = s.spaces.get(app.spaceGuid)
  const org = s.orgOfSpace(space)
  const services: Record<string, unknown[]> = {}
  for (const b of s.bindings.by('app', app.guid)) {
    const si = s.serviceInstances.get(b.serviceInstanceGuid)
    if (!si) continue
    const label = si.type === 'managed' ? (si.offering ?? 'managed') : 'user-provided'
    ;(services[label] ??= []).push({
      label,
      provider: null,
      plan: si.plan,
      name: b.name ?? si.name,
      tags: [...si.tags],
      instance_guid: si.guid,
      // The docs' example names these *_id; Cloud Controller sends *_guid. Both are here.
      instance_id: si.guid,
      instance_name: si.name,
      binding_guid: b.guid,
      binding_id: b.guid,
      binding_name: b.name,
      credentials: {...b.credentials},
      syslog_drain_url: si.syslogDrainUrl,
      volume_mounts: [],
    })
  }
  const uris = s.routes
    .all()
    .filter((r) => r.destinations.some((d) => d.appGuid === app.guid))
    .map((r) => `${r.host ? `${r.host}.` : ''}${s.domains.get(r.domainGuid)?.name ?? ''}${r.path}`)
  const web = s.newestWebProcess(app.guid)
  return {
    staging_env_json: {},
    running_env_json: {},
    environment_variables: {...app.env},
    system_env_json: {VCAP_SERVICES: services},
    application_env_json: {
      VCAP_APPLICATION: {
        cf_api: f.settings.apiUrl,
        limits: {fds: 16384, mem: web?.memoryInMb ?? 1024, disk: web?.diskInMb ?? 1024},
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
