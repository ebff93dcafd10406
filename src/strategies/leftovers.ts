/**
 * Leftovers of an earlier blue-green run (APP-venerable exists). cfzd's annotations say what they
 * are; observed state says how far the run got:
 * - renamed but no new app yet → rename it back;
 * - new app created, routes not switched → roll back (routes back, delete the new copy, rename back);
 * - routes switched, new app healthy → finish (stop/delete the old one, as the flags say);
 * - a venerable app cfzd kept on purpose (--no-delete/--no-stop) or didn't make → refuse and explain.
 * Never deletes the only running copy.
 */
import type {CapiClient} from '../capi/client.js'
import type {App} from '../capi/resources/apps.js'
import {CfzdError, ExitCode, NotFoundError} from '../errors.js'
import {mapLike, unmapApp} from './routes.js'
import {PEER, PHASE, ROLE} from './snapshot.js'
import type {OpState} from './state.js'
import {summarizeStats} from './wait.js'

const CLEAR = {[ROLE]: null, [PEER]: null, [PHASE]: null}

async function webHealthy(capi: CapiClient, app: App): Promise<boolean> {
  if (app.state !== 'STARTED') return false
  try {
    const web = await capi.processes.getForApp(app.guid, 'web')
    if (web.instances === 0) return false
    const s = summarizeStats(await capi.processes.stats(web.guid), web.instances)
    return s.routable === s.desired
  } catch {
    return false
  }
}

/**
 * `others`: what to do about an APP-venerable that isn't an interrupted cfzd run's. Blue-green
 * refuses (it needs the name); rolling and canary leave it alone (they don't).
 */
export async function resolveLeftovers(s: OpState, note: (line: string) => void, others: 'refuse' | 'ignore' = 'refuse'): Promise<App> {
  const {capi} = s.env
  const space = s.target.space.guid
  const venName = `${s.appName}${s.opts.venerableSuffix}`
  const [stable, ven] = await Promise.all([capi.apps.findByName(space, s.appName), capi.apps.findByName(space, venName)])
  const notFound = () =>
    new NotFoundError(`App '${s.appName}' not found in org '${s.target.org.name}' / space '${s.target.space.name}'.`, [
      "Run 'cfzd apps' to list the apps in the targeted space.",
    ])
  if (!ven) {
    if (!stable) throw notFound()
    return stable
  }

  const ours = ven.metadata.annotations[ROLE] === 'venerable' && ven.metadata.annotations[PHASE] === 'in-progress'
  if (!ours && others === 'ignore') {
    if (!stable) throw notFound()
    return stable
  }
  if (!ours) {
    const kept = ven.metadata.annotations[PHASE] === 'kept'
    throw new CfzdError(
      `An app named '${venName}' already exists (${ven.state.toLowerCase()}), ${kept ? 'kept by an earlier cfzd run with --no-delete or --no-stop' : 'not created by an interrupted cfzd run'}. cfzd will not delete it: it may be your rollback copy. Nothing was changed.`,
      {
        exitCode: ExitCode.CONFLICT,
        suggestions: [`Delete it if you no longer need it (cf delete ${venName} -f), or pick another --venerable-suffix.`],
      },
    )
  }

  if (!stable) {
    note(`Recovering an interrupted run: renaming '${venName}' back to '${s.appName}'.`)
    return capi.apps.update(ven.guid, {name: s.appName, metadata: {annotations: CLEAR}})
  }

  if (stable.metadata.annotations[ROLE] !== 'new' || stable.metadata.annotations[PEER] !== ven.guid) {
    throw new CfzdError(
      `Both '${s.appName}' and '${venName}' exist, and '${venName}' is marked as the old app of an interrupted cfzd run, but '${s.appName}' is not the copy that run made. Nothing was changed.`,
      {exitCode: ExitCode.CONFLICT, suggestions: [`Inspect both apps (cfzd app ${s.appName}, cfzd app ${venName}) and delete the one you don't want.`]},
    )
  }

  const venRoutes = await capi.routes.forApp(ven.guid)
  if (venRoutes.length === 0 && (await webHealthy(capi, stable))) {
    note(`An earlier run switched routes to the new '${s.appName}' but did not finish: finishing it.`)
    if (!s.opts.noStop && ven.state === 'STARTED') await capi.apps.stop(ven.guid)
    if (s.opts.noStop || s.opts.noDelete) {
      await capi.apps.update(ven.guid, {metadata: {annotations: {[PHASE]: 'kept'}}})
      note(`Kept the old app as '${venName}'.`)
    } else {
      await capi.jobs.wait(await capi.apps.delete(ven.guid), {timeoutMs: 10 * 60_000})
      note(`Deleted the old app '${venName}'.`)
    }
    return capi.apps.update(stable.guid, {metadata: {annotations: CLEAR}})
  }

  if (ven.state !== 'STARTED' && stable.state === 'STARTED') {
    throw new CfzdError(
      `An interrupted run left '${venName}' stopped and the new '${s.appName}' running but not healthy. Rolling back would leave nothing running, so cfzd changed nothing.`,
      {exitCode: ExitCode.CONFLICT, suggestions: [`Start '${venName}' (cf start ${venName}) and run this again, or fix '${s.appName}' and delete '${venName}'.`]},
    )
  }

  note(`An earlier run was interrupted before switching routes: rolling it back first.`)
  const newRoutes = await capi.routes.forApp(stable.guid)
  const mappings = newRoutes.map((route) => ({route, destinations: route.destinations.filter((d) => d.app.guid === stable.guid)}))
  await mapLike(capi, mappings, ven.guid)
  await unmapApp(capi, mappings, stable.guid)
  await capi.jobs.wait(await capi.apps.delete(stable.guid), {timeoutMs: 10 * 60_000})
  note(`Deleted the unfinished copy and renamed '${venName}' back to '${s.appName}'.`)
  return capi.apps.update(ven.guid, {name: s.appName, metadata: {annotations: CLEAR}})
}
