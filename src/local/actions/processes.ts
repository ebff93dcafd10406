/**
 * Process actions: create (with Cloud Controller's defaults), scale, update, restart, destroy.
 * Scale and update of a web process are refused while a deployment is in flight, with CC's
 * messages (process_scale.rb, process_update.rb).
 */
import {notFound, unprocessable} from '../api/errors.js'
import type {Foundation} from '../kernel.js'
import {type AppRec, emptyMetadata, type HealthCheckRec, type ProcessRec} from '../state.js'
import {newGuid} from '../util.js'
import {assertQuota, proposed} from './quota.js'

export const DEFAULT_MEMORY_MB = 1024
export const DEFAULT_DISK_MB = 1024

export function healthCheck(type: string, rest: Partial<HealthCheckRec> = {}): HealthCheckRec {
  return {type, timeout: null, invocationTimeout: null, interval: null, endpoint: type === 'http' ? '/' : null, ...rest}
}

/** A new process: web gets 1 instance and a port health check, others 0 and a process check (process_create.rb). */
export function createProcess(f: Foundation, app: AppRec, type: string, fields: Partial<ProcessRec> = {}): ProcessRec {
  const p = f.store.stamp<ProcessRec>(
    {
      // The app's first web process shares the app's GUID, as in Cloud Controller.
      guid: type === 'web' && !f.store.processes.get(app.guid) ? app.guid : newGuid(),
      appGuid: app.guid,
      type,
      command: null,
      user: 'vcap',
      instances: type === 'web' ? 1 : 0,
      memoryInMb: DEFAULT_MEMORY_MB,
      diskInMb: DEFAULT_DISK_MB,
      logRateLimitInBytesPerSecond: -1,
      healthCheck: healthCheck(type === 'web' ? 'port' : 'process'),
      readinessCheck: healthCheck('process'),
      state: app.state,
      dropletGuid: null,
      version: newGuid(),
      revisionGuid: null,
      metadata: emptyMetadata(),
      ...fields,
    },
    f.now(),
  )
  f.store.processes.insert(p)
  f.runtime.sync(p)
  return p
}

export interface ScaleInput {
  instances?: number
  memoryInMb?: number
  diskInMb?: number
  logRateLimitInBytesPerSecond?: number | null
}

export function scaleProcess(f: Foundation, p: ProcessRec, input: ScaleInput): ProcessRec {
  const app = f.store.apps.get(p.appGuid)
  if (!app) throw notFound('App')
  if (p.type === 'web' && f.store.isDeploying(app.guid)) throw unprocessable('Cannot scale this process while a deployment is in flight.')
  const instances = input.instances ?? p.instances
  const memoryInMb = input.memoryInMb ?? p.memoryInMb
  if (app.state === 'STARTED' && p.state === 'STARTED') assertQuota(f, app.spaceGuid, [proposed(p, {instances, memoryInMb})])
  const memoryChanged = input.memoryInMb !== undefined && input.memoryInMb !== p.memoryInMb
  const diskChanged = input.diskInMb !== undefined && input.diskInMb !== p.diskInMb
  p.instances = instances
  p.memoryInMb = memoryInMb
  if (input.diskInMb !== undefined) p.diskInMb = input.diskInMb
  if (input.logRateLimitInBytesPerSecond !== undefined && input.logRateLimitInBytesPerSecond !== null)
    p.logRateLimitInBytesPerSecond = input.logRateLimitInBytesPerSecond
  // New memory or disk limits need new containers: Diego recreates the instances.
  if (memoryChanged || diskChanged) p.version = newGuid()
  p.updatedAt = f.now()
  f.audit('audit.app.process.scale', {guid: app.guid, type: 'app', name: app.name}, app.spaceGuid, {process_guid: p.guid, process_type: p.type, request: input})
  f.runtime.sync(p)
  return p
}

export interface UpdateInput {
  command?: string | null
  /** null goes back to the lifecycle's default user (process_model.rb#run_action_user). */
  user?: string | null
  healthCheck?: HealthCheckRec
  readinessCheck?: HealthCheckRec
}

export function updateProcess(f: Foundation, p: ProcessRec, input: UpdateInput): ProcessRec {
  if (p.type === 'web' && f.store.isDeploying(p.appGuid)) throw unprocessable('Cannot update this process while a deployment is in flight.')
  if (input.command !== undefined) p.command = input.command
  if (input.user !== undefined) p.user = input.user ?? (f.store.apps.get(p.appGuid)?.lifecycle.type === 'docker' ? 'root' : 'vcap')
  if (input.healthCheck) p.healthCheck = input.healthCheck
  if (input.readinessCheck) p.readinessCheck = input.readinessCheck
  p.updatedAt = f.now()
  return p
}

/** ProcessRestart: stop then start with the app's current droplet (and the given revision). */
export function restartProcess(f: Foundation, p: ProcessRec, revisionGuid?: string | null): void {
  const app = f.store.apps.get(p.appGuid)
  p.state = 'STARTED'
  p.dropletGuid = app?.currentDropletGuid ?? p.dropletGuid
  if (revisionGuid !== undefined) p.revisionGuid = revisionGuid
  p.version = newGuid()
  p.updatedAt = f.now()
  f.runtime.sync(p)
}

export function destroyProcess(f: Foundation, p: ProcessRec): void {
  f.store.processes.delete(p.guid)
  f.runtime.removeProcess(p.guid)
}
