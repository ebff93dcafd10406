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
import {leftovers} from './messages.js'
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
  const notFound = () => leftovers.appNotFound(s.appName, s.target)
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
    throw leftovers.notOurs(venName, ven.state, ven.metadata.annotations[PHASE] === 'kept')
  }

  if (!stable) {
    note(leftovers.renamingBack(venName, s.appName))
    return capi.apps.update(ven.guid, {name: s.appName, metadata: {annotations: CLEAR}})
  }

  if (stable.metadata.annotations[ROLE] !== 'new' || stable.metadata.annotations[PEER] !== ven.guid) {
    throw leftovers.notTheCopy(s.appName, venName)
  }

  const venRoutes = await capi.routes.forApp(ven.guid)
  if (venRoutes.length === 0 && (await webHealthy(capi, stable))) {
    note(leftovers.finishing(s.appName))
    if (!s.opts.noStop && ven.state === 'STARTED') await capi.apps.stop(ven.guid)
    if (s.opts.noStop || s.opts.noDelete) {
      await capi.apps.update(ven.guid, {metadata: {annotations: {[PHASE]: 'kept'}}})
      note(leftovers.keptOld(venName))
    } else {
      await capi.jobs.wait(await capi.apps.delete(ven.guid), {timeoutMs: 10 * 60_000})
      note(leftovers.deletedOld(venName))
    }
    return capi.apps.update(stable.guid, {metadata: {annotations: CLEAR}})
  }

  if (ven.state !== 'STARTED' && stable.state === 'STARTED') {
    throw leftovers.nothingWouldRun(s.appName, venName)
  }

  note(leftovers.rollingBack)
  const newRoutes = await capi.routes.forApp(stable.guid)
  const mappings = newRoutes.map((route) => ({route, destinations: route.destinations.filter((d) => d.app.guid === stable.guid)}))
  await mapLike(capi, mappings, ven.guid)
  await unmapApp(capi, mappings, stable.guid)
  await capi.jobs.wait(await capi.apps.delete(stable.guid), {timeoutMs: 10 * 60_000})
  note(leftovers.rolledBack(venName, s.appName))
  return capi.apps.update(ven.guid, {name: s.appName, metadata: {annotations: CLEAR}})
}
