/**
 * Build what a command needs to talk to the foundation: the session (config or env), a CAPI
 * client wired to it, the UI, the clock and the interrupt signal. Also resolves the targeted
 * org/space and apps by name, with errors that say what to do next.
 */
import {CapiClient} from './capi/client.js'
import type {App} from './capi/resources/apps.js'
import {traceSinkFromEnv} from './capi/trace.js'
import {type Clock, systemClock} from './clock.js'
import {NotFoundError, UsageError} from './errors.js'
import type {Interrupts} from './interrupt.js'
import type {Session, Target} from './auth/session.js'
import type {Ui} from './ui/ui.js'
import type {CanaryCheck} from './probe/pin.js'
import {configDir} from './auth/cf-config.js'
import {FileTickStore, tickFileIn, type TickStore} from './strategies/tick-store.js'
import {FileStagingStore, stagingFileIn, type StagingStore} from './strategies/staging-store.js'

export interface Context {
  capi: CapiClient
  session: Session
  ui: Ui
  clock: Clock
  signal: AbortSignal
  env: NodeJS.ProcessEnv
  /** Set under --probe: checks the canary at each pause with requests pinned to it. */
  canaryCheck?: CanaryCheck
  /** Where deployments keep the updater's tick between runs (beside the cf config); null for none. */
  tickStore: TickStore | null
  /** Where builds keep how long staging took, per app (beside the cf config); null for none. */
  stagingStore: StagingStore | null
}

export interface ContextOptions {
  ui: Ui
  verbose?: boolean
  env?: NodeJS.ProcessEnv
  clock?: Clock
  interrupts?: Interrupts
}

export async function buildContext(opts: ContextOptions): Promise<Context> {
  const env = opts.env ?? process.env
  const clock = opts.clock ?? systemClock
  const trace = traceSinkFromEnv(env.CF_TRACE, opts.verbose)
  const {loadSession} = await import('./auth/session.js')
  const session = await loadSession({env, trace, clock, onWarning: (w) => opts.ui.warn(w)})
  const capi = new CapiClient({
    apiUrl: session.apiUrl,
    tokens: session.tokens,
    skipSslValidation: session.skipSslValidation,
    clock,
    trace,
    onWarning: (w) => opts.ui.warn(w),
    userAgent: `cfzd (node ${process.version})`,
  })
  return {
    capi,
    session,
    ui: opts.ui,
    clock,
    signal: opts.interrupts?.signal ?? new AbortController().signal,
    env,
    tickStore: tickStoreFor(env),
    stagingStore: stagingStoreFor(env),
  }
}

/**
 * Whether cfzd keeps what it learns beside the cf config (the updater's tick, staging times): not
 * when CFZD_TICK_STORE=0, and not under Jest (tests never touch a real home's .cf).
 */
function keepsLearning(env: NodeJS.ProcessEnv): boolean {
  return env.CFZD_TICK_STORE !== '0' && env.JEST_WORKER_ID === undefined
}

/** The file beside the cf config that keeps the updater's tick per API, or none. */
export function tickStoreFor(env: NodeJS.ProcessEnv): TickStore | null {
  return keepsLearning(env) ? new FileTickStore(tickFileIn(configDir(env))) : null
}

/** The file beside the cf config that keeps staging times per app, or none. */
export function stagingStoreFor(env: NodeJS.ProcessEnv): StagingStore | null {
  return keepsLearning(env) ? new FileStagingStore(stagingFileIn(configDir(env))) : null
}

/** "org O / space S as USER", for the cf-style line commands print first (the user is left out when unknown). */
export function describeTarget(ctx: Context, target: SpaceTarget): string {
  const who = ctx.session.tokens.identity().name
  return `org ${target.org.name} / space ${target.space.name}${who ? ` as ${who}` : ''}`
}

export interface SpaceTarget {
  org: Target
  space: Target
}

/** The targeted org and space, resolving names (CF_ORG/CF_SPACE) to GUIDs when needed. */
export async function resolveTarget(ctx: Context): Promise<SpaceTarget> {
  const s = ctx.session
  if (s.org?.guid && s.space?.guid) return {org: s.org, space: s.space}
  const orgName = s.org?.name || s.orgName
  const spaceName = s.space?.name || s.spaceName
  if (!orgName) throw new UsageError('No org and space targeted.', ["Run 'cfzd target -o ORG -s SPACE', or set CF_ORG and CF_SPACE."])
  const org = s.org?.guid ? s.org : await findOrg(ctx, orgName)
  if (!spaceName) throw new UsageError(`No space targeted in org '${org.name}'.`, ["Run 'cfzd target -s SPACE', or set CF_SPACE."])
  const space = await findSpace(ctx, org, spaceName)
  return {org, space}
}

export async function findOrg(ctx: Context, name: string): Promise<Target> {
  const org = await ctx.capi.organizations.findByName(name)
  if (!org) throw new NotFoundError(`Organization '${name}' not found.`, ["Run 'cfzd target' without arguments to see the current target, or check the name."])
  return {guid: org.guid, name: org.name}
}

export async function findSpace(ctx: Context, org: Target, name: string): Promise<Target> {
  const space = await ctx.capi.spaces.findByName(org.guid, name)
  if (!space) throw new NotFoundError(`Space '${name}' not found in org '${org.name}'.`, ['Check the name, or target another org with -o.'])
  return {guid: space.guid, name: space.name}
}

export async function findApp(ctx: Context, target: SpaceTarget, name: string): Promise<App> {
  const app = await ctx.capi.apps.findByName(target.space.guid, name)
  if (!app) {
    throw new NotFoundError(`App '${name}' not found in org '${target.org.name}' / space '${target.space.name}'.`, [
      "Run 'cfzd apps' to list the apps in the targeted space.",
    ])
  }
  return app
}
