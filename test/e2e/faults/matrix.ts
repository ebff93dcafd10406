/**
 * The fault-injection matrix's shared pieces: how each strategy is run to its end, how a run's
 * outcome is read, and the end state every fault must leave (nothing lost).
 *
 * Every run goes through the CLI's own probe (--probe --json), so the report that says "0 failed
 * requests" is the product's; tests that span several runs (an interrupt and its re-run) also keep
 * their own traffic going.
 */
import {expect} from '@jest/globals'
import {expectExit, type CliResult, type E2E} from '../../helpers/e2e.js'
import type {ProbeSummary} from '../../../src/probe/session.js'
import type {DeploymentEvent} from '../../../src/local/index.js'

export type Strategy = 'rolling' | 'canary' | 'blue-green'
export const STRATEGIES: Strategy[] = ['rolling', 'canary', 'blue-green']
export const SHORT: Record<Strategy, string> = {rolling: 'r', canary: 'c', 'blue-green': 'b'}

/** App names for one fault: `<fault>-r`, `<fault>-c`, `<fault>-b`. */
export const appsFor = (fault: string) => STRATEGIES.map((s) => `${fault}-${SHORT[s]}`)
export const appOf = (fault: string, s: Strategy) => `${fault}-${SHORT[s]}`

/** A seed entry: two instances, a little memory, a route of its own. */
export const seedApp = (name: string, extra: Record<string, unknown> = {}) => ({name, buildpacks: ['nodejs_buildpack'], instances: 2, memory: '32M', ...extra})

/**
 * cfzd arguments that run `kind` on `app` with a strategy to its end: the canary (one step of 50%)
 * promotes itself through a smoke test that always passes. Probed, --json.
 */
export function cfzd(kind: 'restart' | 'restage', strategy: Strategy, app: string, extra: string[] = [], smokeTest = 'true'): string[] {
  const how: Record<Strategy, string[]> = {
    rolling: [],
    canary: ['--strategy', 'canary', '--instance-steps', '50', '--smoke-test', smokeTest],
    'blue-green': ['--strategy', 'blue-green'],
  }
  return [kind, app, ...how[strategy], '--probe', '--probe-rate', '20', '--json', ...extra]
}

export interface Outcome {
  code: number
  /** The result, when the command succeeded. */
  result?: {app: {name: string; guid: string}; droplet?: {guid: string; previous?: string}; warnings: string[]; probe?: ProbeSummary; [k: string]: unknown}
  /** The error, when it failed. */
  error?: {message: string; exitCode: number; probe?: ProbeSummary; [k: string]: unknown}
  probe?: ProbeSummary
  stderr: string
  raw: CliResult
}

export function outcome(r: CliResult): Outcome {
  let doc: Record<string, unknown>
  try {
    doc = JSON.parse(r.stdout)
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
  const error = doc.error as Outcome['error']
  const result = error ? undefined : (doc as Outcome['result'])
  return {code: r.code, result, error, probe: error?.probe ?? result?.probe, stderr: r.stderr, raw: r}
}

/** Exit code, and (when the command reached the probe) zero failed requests. */
export function expectRun(o: Outcome, code: number, probe: 'zero-failures' | 'any' = 'zero-failures'): void {
  expectExit(o.raw, code)
  if (probe === 'zero-failures') {
    if (!o.probe) throw new Error(`no probe report\n${o.raw.stdout}\n${o.raw.stderr}`)
    if (o.probe.failed !== 0)
      throw new Error(`the probe saw ${o.probe.failed} failed requests: ${JSON.stringify(o.probe.failures.slice(0, 5))}\n${o.raw.stderr}`)
    // a refusal before anything changes may come before the first request
    if (code === 0) expect(o.probe.sent).toBeGreaterThan(0)
  }
}

export interface Checker {
  e: E2E
  space: string
}

/** Names of the apps in the space that start with `name` (the app, and any -venerable or copy). */
export async function namesLike(c: Checker, name: string): Promise<string[]> {
  const out: string[] = []
  for await (const a of c.e.capi.apps.list({space_guids: [c.space]})) if (a.name === name || a.name.startsWith(`${name}-`)) out.push(a.name)
  return out.sort()
}

/**
 * Nothing lost: exactly one app called `name` (no leftovers beside it), STARTED, with its route
 * and every web instance routable (within 10 s), no deployment in flight, no temporary smoke
 * route, and the route answering 200 through the router.
 */
export async function expectIntact(c: Checker, name: string, o: {route?: string; droplet?: string; others?: string[]} = {}): Promise<void> {
  const {capi} = c.e
  expect(await namesLike(c, name)).toEqual([name, ...(o.others ?? [])].sort())
  const app = (await capi.apps.findByName(c.space, name))!
  expect(app.state).toBe('STARTED')
  const route = o.route ?? `${name}.apps.localhost`
  expect((await capi.routes.forApp(app.guid)).map((r) => r.url)).toContain(route)
  expect(await capi.deployments.activeForApp(app.guid)).toBeUndefined()
  // every web instance routable (after a cancel the old process may still be starting the instance it got back)
  const web = await capi.processes.getForApp(app.guid, 'web')
  const routable = async () => (await capi.processes.stats(web.guid)).filter((s) => s.state === 'RUNNING' && s.routable !== false).length
  for (let i = 0; i < 50 && (await routable()) < web.instances; i++) await new Promise((r) => setTimeout(r, 200))
  expect(await routable()).toBe(web.instances)
  if (o.droplet) expect(await capi.apps.getCurrentDropletGuid(app.guid)).toBe(o.droplet)
  const temp = (await capi.routes.listAll({space_guids: [c.space]})).filter((r) => r.host.startsWith(`${name}-smoke-`))
  expect(temp).toEqual([])
  expect(await serve(c.e, route.split('.')[0])).toBe(200)
}

/** One request through the router to a host of the shared domain: the status, or 0. */
export async function serve(e: E2E, host: string): Promise<number> {
  const {requestOnce} = await import('../../../src/probe/probe.js')
  const r = await requestOnce(e.routeUrl(host), {timeoutMs: 3000})
  return r.status ?? 0
}

/** The app's current droplet (to check a failed run left it as it was). */
export async function dropletOf(c: Checker, name: string): Promise<string | undefined> {
  const app = await c.e.capi.apps.findByName(c.space, name)
  return app ? c.e.capi.apps.getCurrentDropletGuid(app.guid) : undefined
}

export async function setEnv(c: Checker, name: string, vars: Record<string, string | null>): Promise<void> {
  const app = (await c.e.capi.apps.findByName(c.space, name))!
  await c.e.capi.env.update(app.guid, vars)
}

/**
 * Act as someone else at a chosen moment of a run with --json (no progress lines to watch): once
 * the app gets a deployment, or once the API sees a request ("METHOD /path" matching). Await the
 * returned promise after the run, to see the action's own errors; `cancel` stops waiting.
 */
export function when(e: E2E, match: {deploymentOf?: string; request?: RegExp}, then: () => unknown): {done: Promise<boolean>; cancel(): void} {
  const since = Date.now()
  let settled = false
  let cancel = () => {}
  const done = new Promise<boolean>((resolve, reject) => {
    const cleanup = () => {
      settled = true
      clearInterval(timer)
      e.foundation.events.off('deployment', onDeployment)
    }
    const fire = () => {
      if (settled) return
      cleanup()
      Promise.resolve()
        .then(then)
        .then(() => resolve(true), reject)
    }
    const onDeployment = (ev: DeploymentEvent) => {
      if (match.deploymentOf && ev.appGuid === match.deploymentOf) fire()
    }
    e.foundation.events.on('deployment', onDeployment)
    const timer = setInterval(() => {
      if (!match.request) return
      const log = e.foundation.requestLog
      for (let i = Math.max(0, log.length - 500); i < log.length; i++) {
        if (log[i].at >= since && match.request.test(`${log[i].method} ${log[i].path}`)) return fire()
      }
    }, 10)
    cancel = () => {
      if (settled) return
      cleanup()
      resolve(false)
    }
  })
  return {done, cancel: () => cancel()}
}

/** What each scenario ended with, printed as a table when the file is done (the fault matrix). */
const outcomes: {fault: string; strategy: Strategy; exit: number; sent?: number; failed?: number}[] = []

export function record(fault: string, strategy: Strategy, o: Outcome): Outcome {
  outcomes.push({fault, strategy, exit: o.code, sent: o.probe?.sent, failed: o.probe?.failed})
  return o
}

export function printOutcomes(title: string): void {
  if (!outcomes.length) return
  const lines = outcomes
    .sort((a, b) => a.fault.localeCompare(b.fault) || STRATEGIES.indexOf(a.strategy) - STRATEGIES.indexOf(b.strategy))
    .map(
      (x) =>
        `  ${x.fault.padEnd(34)} ${x.strategy.padEnd(11)} exit ${String(x.exit).padEnd(4)} probe ${x.sent === undefined ? '-' : `${x.failed}/${x.sent} failed`}`,
    )
  process.stderr.write(`${title}\n${lines.join('\n')}\n`)
}

/** Run the same scenario for every strategy at once; report every strategy that failed. */
export async function matrix(scenario: (s: Strategy) => Promise<void>): Promise<void> {
  const settled = await Promise.allSettled(STRATEGIES.map(scenario))
  const failed = settled.flatMap((r, i) => (r.status === 'rejected' ? [`── ${STRATEGIES[i]} ──\n${(r.reason as Error)?.stack ?? r.reason}`] : []))
  if (failed.length) throw new Error(failed.join('\n\n'))
}
