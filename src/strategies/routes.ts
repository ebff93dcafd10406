/** Moving an app's route destinations to another app, and back, without a moment with none. */
import type {CapiClient} from '../capi/client.js'
import type {Destination, NewDestination} from '../capi/resources/routes.js'
import type {RouteMapping} from './snapshot.js'

function like(d: Destination, appGuid: string): NewDestination {
  return {
    app: {guid: appGuid, process: {type: d.app.process?.type ?? 'web'}},
    ...(d.port ? {port: d.port} : {}),
    ...(d.protocol ? {protocol: d.protocol} : {}),
  }
}

function sameTarget(d: Destination, appGuid: string, model: Destination) {
  return d.app.guid === appGuid && (d.app.process?.type ?? 'web') === (model.app.process?.type ?? 'web') && (d.port ?? null) === (model.port ?? null)
}

/**
 * Give `toApp` the same destinations `mapping` gives the original app on each route (process type,
 * port, protocol). Reads each route's destinations first, so it is safe to repeat.
 */
export async function mapLike(capi: CapiClient, mappings: RouteMapping[], toAppGuid: string): Promise<number> {
  let added = 0
  for (const m of mappings) {
    const current = await capi.routes.destinations(m.route.guid)
    const missing = m.destinations.filter((d) => !current.some((c) => sameTarget(c, toAppGuid, d)))
    if (missing.length === 0) continue
    await capi.routes.insertDestinations(
      m.route.guid,
      missing.map((d) => like(d, toAppGuid)),
    )
    added += missing.length
  }
  return added
}

/** Remove every destination of `appGuid` from these routes (reads first; safe to repeat). */
export async function unmapApp(capi: CapiClient, mappings: RouteMapping[], appGuid: string): Promise<number> {
  let removed = 0
  for (const m of mappings) {
    const current = await capi.routes.destinations(m.route.guid)
    for (const d of current.filter((c) => c.app.guid === appGuid)) {
      await capi.routes.removeDestination(m.route.guid, d.guid)
      removed++
    }
  }
  return removed
}
