/**
 * Smoke tests: run the user's command with the new version's URL (as its argument and in
 * CFZD_SMOKE_URL) before traffic moves on. A non-zero exit aborts the operation. At a canary
 * pause the command also gets the canary process: CFZD_PROCESS_INSTANCE (the process guid) and
 * CFZD_SMOKE_HEADER (`X-CF-PROCESS-INSTANCE: <guid>`), to send with its requests so the router
 * sends them to the canary only.
 */
import {spawn} from 'node:child_process'
import type {CapiClient} from '../capi/client.js'
import type {Domain} from '../capi/resources/domains.js'
import type {Route} from '../capi/resources/routes.js'
import {createOnce} from '../capi/reconcile.js'
import {requestOnce} from '../probe/probe.js'
import {PROCESS_INSTANCE_HEADER} from '../probe/pin.js'
import {routerInfo, urlForRoute} from '../probe/urls.js'
import {AbortError, formatDuration, type Clock} from '../clock.js'
import {CfzdError, ExitCode} from '../errors.js'

export interface SmokeTest {
  command: string
  timeoutMs: number
  /** The environment the command runs in (the CLI's own, given by the command), before the variables above. */
  env: NodeJS.ProcessEnv
}

export class SmokeTestFailed extends CfzdError {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message, {exitCode: ExitCode.FAILED})
    this.name = 'SmokeTestFailed'
  }
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** At a canary pause: the canary's process guid, for X-CF-PROCESS-INSTANCE. */
export function smokeEnv(url: string, processInstance?: string): NodeJS.ProcessEnv {
  return {
    CFZD_SMOKE_URL: url,
    ...(processInstance ? {CFZD_PROCESS_INSTANCE: processInstance, CFZD_SMOKE_HEADER: `${PROCESS_INSTANCE_HEADER}: ${processInstance}`} : {}),
  }
}

export function runSmokeTest(t: SmokeTest, url: string, onLine: (line: string) => void, signal?: AbortSignal, processInstance?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError())
    // Its own process group, so a timeout or an abort stops the shell and everything it started.
    const child = spawn(`${t.command} ${quote(url)}`, {
      shell: true,
      detached: true,
      env: {...t.env, ...smokeEnv(url, processInstance)},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const kill = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig)
      } catch {
        child.kill(sig)
      }
    }
    let output = ''
    const take = (d: Buffer) => {
      output += d.toString()
      const last = output.trimEnd().split('\n').pop()
      if (last) onLine(last.slice(0, 200))
    }
    child.stdout.on('data', take)
    child.stderr.on('data', take)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      kill('SIGKILL')
    }, t.timeoutMs)
    const onAbort = () => kill('SIGTERM')
    signal?.addEventListener('abort', onAbort, {once: true})
    child.on('error', (e) => reject(new SmokeTestFailed(`Smoke test could not run: ${e.message}`, output)))
    child.on('close', (code, sig) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (signal?.aborted) return reject(new AbortError())
      if (code === 0) return resolve()
      const tail = output.trimEnd().split('\n').slice(-10).join('\n')
      const why = timedOut ? `timed out after ${formatDuration(t.timeoutMs)}` : `exited with ${code ?? sig}`
      const against = processInstance ? `${url} (${PROCESS_INSTANCE_HEADER}: ${processInstance})` : url
      reject(new SmokeTestFailed(`Smoke test \`${t.command}\` against ${against} ${why}.${tail ? `\n${tail}` : ''}`, output))
    })
  })
}

/** Marks cfzd's temporary smoke-test routes, so a run that was killed before removing one is cleaned up by the next. */
export const SMOKE_ROUTE_LABEL = 'cfzd.io/smoke-test-route'

/** The host every temporary route of this app starts with. */
export const smokeHostPrefix = (appName: string) =>
  `${appName}-smoke-`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 54)

/**
 * A temporary route on the new app for blue-green smoke tests: a unique host (random, so it can't
 * be squatted or guessed) on the domain of the app's first route, or the org's default domain.
 * Removed again if mapping it or waiting for the router fails.
 */
export async function createTemporaryRoute(
  capi: CapiClient,
  o: {appName: string; appGuid: string; spaceGuid: string; orgGuid: string; domainGuid?: string; clock: Clock; signal?: AbortSignal},
): Promise<{route: Route; url: string}> {
  const domain: Domain = o.domainGuid ? await capi.domains.get(o.domainGuid) : await capi.domains.defaultForOrganization(o.orgGuid)
  const host = `${smokeHostPrefix(o.appName)}${Math.random().toString(36).slice(2, 10)}`
  // The host is new and random: after an ambiguous answer, a route with it is the one this run made.
  const route = await createOnce(
    () =>
      capi.routes.create({
        host,
        relationships: {space: {data: {guid: o.spaceGuid}}, domain: {data: {guid: domain.guid}}},
        metadata: {labels: {[SMOKE_ROUTE_LABEL]: 'true'}},
      }),
    () => capi.routes.find(domain.guid, host),
  )
  try {
    await capi.routes.insertDestinations(route.guid, [{app: {guid: o.appGuid, process: {type: 'web'}}}])
    const url = urlForRoute(route, await routerInfo(capi))
    await waitUntilRouted(url, o.clock, o.signal)
    return {route, url}
  } catch (error) {
    await deleteRoute(capi, route)
    throw error
  }
}

/** Delete temporary routes of this app that an earlier, killed run left behind; returns their URLs. */
export async function deleteLeftoverSmokeRoutes(capi: CapiClient, spaceGuid: string, appName: string): Promise<string[]> {
  const prefix = smokeHostPrefix(appName)
  const routes = await capi.routes.listAll({space_guids: [spaceGuid], label_selector: SMOKE_ROUTE_LABEL})
  const stale = routes.filter((r) => r.host.startsWith(prefix))
  for (const r of stale) await deleteRoute(capi, r)
  return stale.map((r) => r.url)
}

/** The routing tier takes a moment to learn a new route: wait until it stops answering "unknown route". */
async function waitUntilRouted(url: string, clock: Clock, signal?: AbortSignal): Promise<void> {
  const deadline = clock.now() + 60_000
  for (;;) {
    const r = await requestOnce(url)
    if (r.status !== undefined && r.status !== 404 && r.status !== 502 && r.status !== 503) return
    if (clock.now() >= deadline) return
    await clock.sleep(500, signal)
  }
}

export async function deleteRoute(capi: CapiClient, route: Route): Promise<void> {
  try {
    await capi.jobs.wait(await capi.routes.delete(route.guid), {timeoutMs: 5 * 60_000})
  } catch {
    // best effort: reported by the caller if the route is still there
  }
}
