/**
 * App actions: create, update, start, stop, restart, assign the current droplet, delete. Messages
 * are Cloud Controller's (apps_controller.rb, app_assign_droplet.rb, app_create.rb, app_update.rb,
 * app_model.rb).
 */
import {notFound, unprocessable, uniqueness} from '../api/errors.js'
import {environmentVariableKeyErrors} from '../api/messages.js'
import type {Foundation} from '../kernel.js'
import {type AppFeatures, type AppRec, type DropletRec, emptyMetadata, type LifecycleRec, type Metadata} from '../state.js'
import {newGuid} from '../util.js'
import {createProcess, destroyProcess} from './processes.js'
import {assertQuota, proposed} from './quota.js'
import {updateAppRevision} from './revisions.js'

export const defaultFeatures = (): AppFeatures => ({ssh: true, revisions: true, 'service-binding-k8s': false, 'file-based-vcap-services': false})

export interface LifecycleInput {
  type?: string
  data?: {buildpacks?: string[] | null; stack?: string | null}
}

/** UriUtils.is_buildpack_uri?: a URI, or a git/ssh remote. */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\/\S+$|^(?:ssh:\/\/)?git@.+?:.+?\.git$|^git:\/\/.+?:.+?\.git$/i

/**
 * The lifecycle a create, update or build asks for (app_lifecycle_provider.rb): the type given, else
 * the app's, else buildpack. Buildpacks and stack are validated as given (buildpack_lifecycle_data_validator.rb:
 * each must be an admin buildpack or a URI; the stack, by default the default stack, must exist);
 * fields the request leaves out keep the app's values. A type change is refused (app_update.rb).
 */
export function resolveLifecycle(f: Foundation, input: LifecycleInput | undefined, base?: LifecycleRec): LifecycleRec {
  const type = (input?.type ?? base?.type ?? 'buildpack') as LifecycleRec['type']
  if (base && type !== base.type) throw unprocessable(`Lifecycle type cannot be changed from ${base.type} to ${type}`)
  if (type === 'docker') return {type, buildpacks: [], stack: null}
  const givenBuildpacks = input?.data?.buildpacks === undefined ? [] : (input.data.buildpacks ?? [])
  const givenStack = input?.data?.stack === undefined || input.data.stack === null ? defaultStack(f) : input.data.stack
  const stackRec = f.store.stacks.all().find((s) => s.name === givenStack)
  const errors: string[] = []
  for (const name of givenBuildpacks) {
    if (URL_LIKE.test(name)) continue
    const known = f.store.buildpacks.all().some((b) => b.name === name && (b.stack === null || b.stack === givenStack))
    if (!known)
      errors.push(
        stackRec
          ? `Buildpack "${name}" for stack "${stackRec.name}" must be an existing admin buildpack or a valid git URI`
          : `Buildpack "${name}" must be an existing admin buildpack or a valid git URI`,
      )
  }
  if (!stackRec) errors.push('Stack must be an existing stack')
  if (errors.length > 0) throw unprocessable(errors.join(', '))
  const buildpacks = input?.data?.buildpacks === undefined ? (base?.buildpacks ?? []) : givenBuildpacks
  const stack = input?.data?.stack === undefined && base ? base.stack : givenStack
  return {type, buildpacks, stack}
}

export function defaultStack(f: Foundation): string | null {
  const stacks = f.store.stacks.all()
  return (stacks.find((s) => s.isDefault) ?? stacks[0])?.name ?? null
}

export interface CreateAppInput {
  name: string
  spaceGuid: string
  lifecycle?: LifecycleInput
  env?: Record<string, unknown> | null
  metadata?: Metadata
  features?: Partial<AppFeatures>
}

/**
 * app_model.rb#validate for a name and environment variables, as Sequel words it ("name is not
 * present"; the environment variable key rules, added with a `message:` hash that Sequel prints).
 */
function appModelErrors(name: string, env?: Record<string, unknown> | null): string[] {
  const out: string[] = []
  if (name.trim() === '') out.push('name is not present', 'name is invalid')
  for (const message of env ? environmentVariableKeyErrors(env) : []) out.push(`environment_variables {:message=>"${message}"}`)
  return out
}

export function createApp(f: Foundation, input: CreateAppInput): AppRec {
  const space = f.store.spaces.get(input.spaceGuid)
  if (!space) throw unprocessable('Invalid space. Ensure that the space exists and you have access to it.')
  const lifecycle = resolveLifecycle(f, input.lifecycle)
  const invalid = appModelErrors(input.name, input.env)
  if (invalid.length > 0) throw unprocessable(invalid.join(', '))
  assertNameFree(f, input.spaceGuid, input.name)
  const app = f.store.apps.insert(
    f.store.stamp<AppRec>(
      {
        name: input.name,
        spaceGuid: input.spaceGuid,
        state: 'STOPPED',
        lifecycle,
        currentDropletGuid: null,
        env: input.env ? {...input.env} : null,
        features: {...defaultFeatures(), ...input.features},
        metadata: input.metadata ?? emptyMetadata(),
      },
      f.now(),
    ),
  )
  createProcess(f, app, 'web')
  f.audit('audit.app.create', target(app), app.spaceGuid, {request: {name: app.name}})
  return app
}

/** AppCreate answers a taken name with 422 CF-UniquenessError (app_create.rb). */
export function assertNameFree(f: Foundation, spaceGuid: string, name: string, exceptGuid?: string): void {
  if (nameTaken(f, spaceGuid, name, exceptGuid)) throw uniqueness(`App with the name '${name}' already exists.`)
}

/** Apps' names are unique per space, case-insensitively (the apps name column is case_insensitive). */
function nameTaken(f: Foundation, spaceGuid: string, name: string, exceptGuid?: string): boolean {
  const lower = name.toLowerCase()
  return f.store.apps.someBy('space', spaceGuid, (a) => a.guid !== exceptGuid && a.name.toLowerCase() === lower)
}

/**
 * AppUpdate: a taken name fails the model's save, and app_update.rb turns that into InvalidApp, so
 * the answer is 422 CF-UnprocessableEntity (10008), not the UniquenessError of a create.
 */
export function renameApp(f: Foundation, app: AppRec, name: string): void {
  const invalid = appModelErrors(name)
  if (invalid.length > 0) throw unprocessable(invalid.join(', '))
  if (name === app.name) return
  if (nameTaken(f, app.spaceGuid, name, app.guid)) throw unprocessable(`App with the name '${name}' already exists.`)
  app.name = name
  app.updatedAt = f.now()
}

/** AppAssignDroplet: set the current droplet and create the processes its process types name. */
export function assignDroplet(f: Foundation, app: AppRec, droplet: DropletRec | undefined): void {
  if (!droplet || droplet.appGuid !== app.guid) throw unprocessable('Unable to assign current droplet. Ensure the droplet exists and belongs to this app.')
  if (droplet.state !== 'STAGED') throw unprocessable('droplet must be in staged state')
  app.currentDropletGuid = droplet.guid
  app.updatedAt = f.now()
  for (const type of Object.keys(droplet.processTypes ?? {web: ''})) {
    if (!f.store.processes.by('app', app.guid).some((p) => p.type === type)) createProcess(f, app, type)
  }
  f.audit('audit.app.droplet.mapped', target(app), app.spaceGuid, {request: {droplet_guid: droplet.guid}})
}

/** The quota check AppStart makes: every process of the app becomes started. */
export function assertStartFits(f: Foundation, app: AppRec): void {
  assertQuota(
    f,
    app.spaceGuid,
    f.store.processes.by('app', app.guid).map((p) => proposed(p)),
  )
}

/** AppStart: every process STARTED with the current droplet; a revision when the app was stopped. */
export function startApp(f: Foundation, app: AppRec, opts: {createRevision?: boolean} = {}): void {
  if (!app.currentDropletGuid) throw unprocessable('Assign a droplet before starting this app.')
  assertStartFits(f, app)
  const wasStopped = app.state !== 'STARTED'
  const revision = (opts.createRevision ?? true) && wasStopped ? updateAppRevision(f, app) : undefined
  app.state = 'STARTED'
  app.updatedAt = f.now()
  for (const p of f.store.processes.by('app', app.guid)) {
    if (p.state !== 'STARTED' || wasStopped) {
      p.state = 'STARTED'
      p.dropletGuid = app.currentDropletGuid
      p.version = newGuid()
      if (revision) p.revisionGuid = revision.guid
    }
    f.runtime.sync(p)
  }
  f.audit('audit.app.start', target(app), app.spaceGuid)
}

export function stopApp(f: Foundation, app: AppRec): void {
  app.state = 'STOPPED'
  app.updatedAt = f.now()
  for (const p of f.store.processes.by('app', app.guid)) {
    p.state = 'STOPPED'
    f.runtime.sync(p)
  }
  f.audit('audit.app.stop', target(app), app.spaceGuid)
}

/** AppRestart: stop, then start (downtime, as in Cloud Controller). */
export function restartApp(f: Foundation, app: AppRec): void {
  if (!app.currentDropletGuid) throw unprocessable('Assign a droplet before starting this app.')
  assertStartFits(f, app)
  stopApp(f, app)
  startApp(f, app)
  f.audit('audit.app.restart', target(app), app.spaceGuid)
}

/** Delete the app and everything it owns. */
export function deleteApp(f: Foundation, app: AppRec): void {
  const s = f.store
  for (const p of s.processes.by('app', app.guid)) destroyProcess(f, p)
  for (const t of [s.packages, s.builds, s.droplets, s.deployments, s.revisions, s.sidecars] as const) {
    for (const row of t.by('app', app.guid)) t.delete(row.guid)
  }
  for (const b of s.bindings.by('app', app.guid)) s.bindings.delete(b.guid)
  for (const r of s.routes.all()) {
    const before = r.destinations.length
    r.destinations = r.destinations.filter((d) => d.appGuid !== app.guid)
    if (r.destinations.length !== before) f.routesChanged()
  }
  s.apps.delete(app.guid)
  f.audit('audit.app.delete-request', target(app), app.spaceGuid)
}

export function findApp(f: Foundation, guid: string): AppRec {
  const app = f.store.apps.get(guid)
  if (!app) throw notFound('App')
  return app
}

export const target = (app: AppRec) => ({guid: app.guid, type: 'app', name: app.name})
