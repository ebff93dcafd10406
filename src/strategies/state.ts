/**
 * The record of one operation: what was observed and done so far. Fields a step fills in are
 * optional in OpState; a step that relies on them says so (`needs`), gets a state in which they are
 * present (Has), and is refused with a clear internal error if an earlier step did not set them.
 */
import type {App} from '../capi/resources/apps.js'
import {CapiNotFound} from '../capi/errors.js'
import type {Deployment} from '../capi/resources/deployments.js'
import type {SpaceTarget} from '../context.js'
import type {AppSnapshot} from './snapshot.js'
import type {DeployOptions, OperationEnv, OperationKind, Step, TaskHandle} from './types.js'
import type {DeploymentProgress} from './wait.js'
import type {ProcessAvailability} from './availability.js'
import {renamedBySomeoneElse} from './messages.js'

export interface OpState {
  env: OperationEnv
  opts: DeployOptions
  kind: OperationKind
  target: SpaceTarget
  /** The name the user gave. */
  appName: string
  /** The app as it was found (the stable version; in blue-green, the app being replaced). */
  app: App
  /** Blue-green: the app that replaces it (set by 'create'). */
  newApp?: App
  /** Blue-green: what the stable app looked like, to carry over and to compare (set by 'check'). */
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
  /** Rolling and canary: the deployment (set by 'deploy'). */
  deployment?: Deployment
  /** The web process as the check step read it, before any deployment: its instance count is the target. */
  webBefore?: {instances: number; memory_in_mb: number}
  /** The check step read the app's processes and found only web ones (no worker to watch after a finalize). */
  webOnly?: boolean
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
  /** Blue-green: the app's newest deployment when the run started (none: undefined). */
  deploymentBefore?: string
  /** When the operation started (for re-reading what a failed POST may have created). */
  startedAt: number
}

/** S with the fields K present: what a step may rely on once the steps that set them have run. */
export type Has<S, K extends keyof S> = S & {[P in K]-?: NonNullable<S[P]>}

/** Blue-green after 'create': the stable app's snapshot ('check') and the new app. */
export type BgState = Has<OpState, 'snapshot' | 'newApp'>

/** A step ran before the steps it relies on: a bug in a plan, never the user's doing. */
export class MissingState extends Error {
  constructor(what: string, field: string) {
    super(`Internal error: ${what} needs '${field}', which no earlier step set.`)
    this.name = 'MissingState'
  }
}

/** Check that `s` has the fields `needs` (for `what`: a step id or a stage), and narrow its type. */
export function have<S extends object, K extends keyof S>(s: S, needs: readonly K[], what: string): Has<S, K> {
  for (const k of needs) if (s[k] === undefined || s[k] === null) throw new MissingState(what, String(k))
  return s as Has<S, K>
}

/** A value an enabled step relies on (for example an option that enabled it). */
export function required<T>(value: T | undefined, what: string, field: string): T {
  if (value === undefined) throw new MissingState(what, field)
  return value
}

/** A step that relies on fields earlier steps set: `run` gets a state in which they are present. */
export interface StepDef<S extends object, K extends keyof S> {
  id: string
  title: string | ((s: S) => string)
  /** What earlier steps must have set before this one runs. */
  needs: readonly K[]
  enabled?: (s: S) => boolean
  irreversible?: boolean
  run: (s: Has<S, K>, task: TaskHandle) => Promise<void>
}

export function step<S extends object, K extends keyof S>(def: StepDef<S, K>): Step<S> {
  const {needs, run, ...rest} = def
  return {...rest, run: (s, task) => run(have(s, needs, `step '${def.id}'`), task)}
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
  s.warnings.push(renamedBySomeoneElse(s.appName, now.name))
  return now.name
}
