/** The mutable record of one operation: what was observed and done so far. */
import type {App} from '../capi/resources/apps.js'
import {CapiNotFound} from '../capi/errors.js'
import type {Deployment} from '../capi/resources/deployments.js'
import type {SpaceTarget} from '../context.js'
import type {AppSnapshot} from './snapshot.js'
import type {DeployOptions, OperationEnv, OperationKind} from './types.js'
import type {DeploymentProgress} from './wait.js'
import type {ProcessAvailability} from './availability.js'

export interface OpState {
  env: OperationEnv
  opts: DeployOptions
  kind: OperationKind
  target: SpaceTarget
  /** The name the user gave. */
  appName: string
  /** The app as it was found (the stable version; in blue-green, the app being replaced). */
  app: App
  /** Blue-green: the app that replaces it. */
  newApp?: App
  /** Blue-green: what the stable app looked like, to carry over and to compare. */
  snapshot?: AppSnapshot
  /**
   * The package staged, when the operation stages; in a blue-green restart, the package carried to
   * the new app (the stable app's, then the copy's). Undefined: there is none to carry.
   */
  packageGuid?: string
  /** Rollback: the revision deployed (Cloud Controller brings back its droplet, variables, sidecars and commands). */
  revisionGuid?: string
  /** The droplet deployed; undefined means "the current droplet" (rolling restart). */
  dropletGuid?: string
  previousDropletGuid?: string
  deployment?: Deployment
  /** The web process as the check step read it, before any deployment: its instance count is the target. */
  webBefore?: {instances: number; memory_in_mb: number}
  progress?: DeploymentProgress
  /** Blue-green: how far the routes have moved to the new app. */
  routes: 'untouched' | 'mapped-both' | 'switched'
  /** Blue-green: the old app has been stopped or deleted; from here on there is no rollback. */
  oldTouched?: boolean
  /** Blue-green: someone else deleted the old app while it was being replaced. */
  oldGone?: boolean
  warnings: string[]
  left: string[]
  /** Per process type, time at 0 running instances (see workers.ts). */
  processes?: ProcessAvailability[]
  /** When the operation started (for re-reading what a failed POST may have created). */
  startedAt: number
}

/** The app builds and droplets are produced on: the new app in blue-green, else the app itself. */
export function buildApp(s: OpState): App {
  return s.newApp ?? s.app
}

/** Whether the app is gone (someone else deleted it): only a 404 says so. */
export async function appGone(s: OpState, guid: string): Promise<boolean> {
  return s.env.capi.apps.get(guid).then(
    () => false,
    (e) => e instanceof CapiNotFound,
  )
}

/** The app's name now: when someone else renamed it during the operation, say so and use the new name. */
export async function currentName(s: OpState, guid: string): Promise<string> {
  const now = await s.env.capi.apps.get(guid).catch(() => undefined)
  if (!now || now.name === s.appName) return s.appName
  s.warnings.push(`'${s.appName}' was renamed to '${now.name}' by someone else during the operation.`)
  return now.name
}
