/**
 * Blue-green: the stable app is renamed APP-venerable and keeps serving; a new app named APP is
 * built with the stable app's whole configuration, started with all its instances, given the
 * routes, and only then is the stable app unmapped, drained (--drain: routers learn of the unmap
 * late, and the requests it serves must finish), stopped and deleted. Its workers start with it, so
 * every process type keeps running instances throughout.
 *
 * Progress is recorded in annotations on both apps (cfzd.io/blue-green-*), so an interrupted run
 * is recognised and recovered by the next one. Before the switch every failure rolls back: the
 * routes go back as they were, the new app is deleted and APP-venerable is renamed APP.
 */
import {dump} from 'js-yaml'
import type {App} from '../capi/resources/apps.js'
import type {Process} from '../capi/resources/processes.js'
import {DeploymentStatusValue} from '../capi/resources/deployments.js'
import {createOnce} from '../capi/reconcile.js'
import {applyManifestOnce, bindOnce, createSidecarOnce} from './once.js'
import {CapiNotFound} from '../capi/errors.js'
import {formatDuration} from '../clock.js'
import type {CfzdError} from '../errors.js'
import {actualize, type ActualizeOptions} from './actualize.js'
import {readForInformation} from './advisory.js'
import {resolveLeftovers} from './leftovers.js'
import {instances, startAndWatch} from './start.js'
import {assertHeadroom} from './quota.js'
import {mapLike, unmapApp} from './routes.js'
import {PEER, PHASE, ROLE, footprint, resized, specifiedCommand, takeSnapshot, withoutOwnAnnotations} from './snapshot.js'
import type {DropletSource} from './sources.js'
import {bg, readDeployments, readSpaceRoutes, stopOf} from './messages.js'
import {operationResult} from './result.js'
import {appGone, currentName, have, required, step, type BgState, type OpState} from './state.js'
import type {OperationResult, Step, TaskHandle} from './types.js'
import {createTemporaryRoute, deleteLeftoverSmokeRoutes, deleteRoute, runSmokeTest} from './smoke.js'
import {watchAvailability} from './workers.js'

export const venerableName = (s: OpState) => `${s.appName}${s.opts.venerableSuffix}`

export function blueGreenPlan(source: DropletSource): Step<OpState>[] {
  return [
    {
      id: 'check',
      title: (s) => `Check app ${s.appName}`,
      async run(s, task) {
        const {capi} = s.env
        const warn = (line: string) => {
          s.warnings.push(line)
          task.output(line)
        }
        s.app = await resolveLeftovers(s, warn)
        // The newest deployment: ACTIVE means one is in flight (Cloud Controller keeps at most one);
        // any other is remembered, so the check before the switch doesn't take it for someone else's.
        const latest = await readForInformation(
          readDeployments(s.app.guid),
          () => capi.deployments.latestForApp(s.app.guid),
          (why) => warn(bg.cannotCheckInFlight(s.appName, why)),
        )
        if (latest?.status.value === DeploymentStatusValue.ACTIVE) throw bg.inFlight(s.appName, latest)
        s.deploymentBefore = latest?.guid
        const leftoverRoutes = await readForInformation(
          readSpaceRoutes(s.target.space.guid),
          () => deleteLeftoverSmokeRoutes(capi, s.target.space.guid, s.appName),
          (why) => warn(bg.cannotLookForSmokeRoutes(why)),
        )
        for (const url of leftoverRoutes ?? []) {
          s.warnings.push(bg.deletedSmokeRoute(url))
          task.output(`deleted leftover temporary route ${url}`)
        }
        await source.preflight(s, warn)
        const snapshot = (s.snapshot = await takeSnapshot(capi, s.app))
        if (s.app.state === 'STARTED') {
          const need = footprint(resized(snapshot.processes, s.opts.scale))
          await assertHeadroom(
            capi,
            {spaceGuid: s.target.space.guid, orgGuid: s.target.org.guid, cache: s.env.reads},
            {...need, purpose: bg.copyNeeds(s.appName, need)},
            [bg.copyNeedsHint],
            warn,
          )
        }
        if (snapshot.bindings.length > 0) task.output(`${snapshot.bindings.length} service binding(s) will be re-created`)
      },
    },
    {
      id: 'rename',
      title: (s) => `Rename ${s.appName} to ${venerableName(s)}`,
      async run(s) {
        s.app = await s.env.capi.apps.update(s.app.guid, {
          name: venerableName(s),
          metadata: {annotations: {[ROLE]: 'venerable', [PHASE]: 'in-progress', [PEER]: ''}},
        })
      },
    },
    step({
      id: 'create',
      title: (s) => `Create new app ${s.appName}`,
      needs: ['snapshot'],
      async run(s) {
        const {capi} = s.env
        const snap = s.snapshot
        s.newApp = await createOnce(
          () =>
            capi.apps.create({
              name: s.appName,
              relationships: {space: {data: {guid: s.target.space.guid}}},
              environment_variables: snap.env,
              lifecycle: snap.app.lifecycle,
              metadata: {
                labels: nonNull(snap.app.metadata.labels),
                annotations: {...withoutOwnAnnotations(snap.app.metadata.annotations), [ROLE]: 'new', [PEER]: s.app.guid},
              },
            }),
          async () => {
            const found = await capi.apps.findByName(s.target.space.guid, s.appName)
            return found?.metadata.annotations[PEER] === s.app.guid ? found : undefined
          },
        )
        await capi.apps.update(s.app.guid, {metadata: {annotations: {[PEER]: s.newApp.guid}}})
      },
    }),
    step({
      id: 'features',
      title: 'Copy app features',
      needs: NEW_APP,
      async run(s, task) {
        const {capi} = s.env
        const now = await capi.features.list(s.newApp.guid)
        const changed: string[] = []
        for (const f of s.snapshot.features) {
          if (now.find((n) => n.name === f.name)?.enabled === f.enabled) continue
          await capi.features.update(s.newApp.guid, f.name, f.enabled)
          changed.push(`${f.name}=${f.enabled}`)
        }
        if (changed.length === 0) task.skip('defaults already match')
        else task.output(changed.join(', '))
      },
    }),
    step({
      id: 'bindings',
      title: 'Re-create service bindings',
      needs: NEW_APP,
      enabled: (s) => (s.snapshot?.bindings.length ?? 0) > 0,
      async run(s, task) {
        const {capi, signal} = s.env
        const existing = await capi.bindings.forApp(s.newApp.guid)
        const noParams: string[] = []
        for (const b of s.snapshot.bindings) {
          const instance = b.relationships.service_instance.data.guid
          if (existing.some((e) => e.relationships.service_instance.data.guid === instance)) continue
          const parameters = await readParameters(s, b.guid)
          if (parameters === undefined) noParams.push(b.name ?? instance)
          await bindOnce(
            capi,
            {
              type: 'app',
              ...(b.name ? {name: b.name} : {}),
              relationships: {service_instance: {data: {guid: instance}}, app: {data: {guid: s.newApp.guid}}},
              ...(parameters ? {parameters} : {}),
            },
            {clock: s.env.clock, signal, timeoutMs: 10 * 60_000, onWarning: (w) => s.warnings.push(w)},
          )
          task.output(`bound ${b.name ?? instance}`)
        }
        if (noParams.length) s.warnings.push(bg.bindingsWithoutParameters(noParams))
      },
    }),
    ...source.toNewApp(),
    step({
      id: 'droplet',
      title: 'Set current droplet',
      needs: [...NEW_APP, 'dropletGuid'],
      async run(s, task) {
        const {capi} = s.env
        const current = await capi.apps.getCurrentDropletGuid(s.newApp.guid)
        if (current === s.dropletGuid) return task.skip('already set')
        await capi.apps.setCurrentDroplet(s.newApp.guid, s.dropletGuid)
      },
    }),
    step({
      id: 'processes',
      title: 'Configure processes',
      needs: NEW_APP,
      async run(s, task) {
        task.output(await configureProcesses(s))
      },
    }),
    step({
      id: 'sidecars',
      title: 'Copy sidecars',
      needs: NEW_APP,
      enabled: (s) => (s.snapshot?.sidecars.length ?? 0) > 0,
      async run(s, task) {
        task.output(await copySidecars(s))
      },
    }),
    ...(source.configure?.() ?? []),
    step({
      id: 'start',
      title: 'Start new instances',
      needs: NEW_APP,
      enabled: (s) => wasStarted(s, 'start'),
      async run(s, task) {
        await startAndWatch(s.env, s.newApp.guid, task, {label: (n) => `Start ${instances(n, 'new')}`, timeoutMs: s.opts.startupTimeoutMs})
      },
    }),
    step({
      id: 'smoke',
      title: 'Smoke-test the new app on a temporary route',
      needs: NEW_APP,
      enabled: (s) => Boolean(s.opts.smokeTest) && wasStarted(s, 'smoke'),
      async run(s, task) {
        const {capi, clock, signal} = s.env
        const smokeTest = required(s.opts.smokeTest, "step 'smoke'", 'opts.smokeTest')
        const first = s.snapshot.routes.find((m) => m.route.protocol === 'http')
        const temp = await createTemporaryRoute(capi, {
          appName: s.appName,
          appGuid: s.newApp.guid,
          spaceGuid: s.target.space.guid,
          orgGuid: s.target.org.guid,
          domainGuid: first?.route.relationships.domain.data.guid,
          clock,
          signal,
        })
        task.setTitle(`Smoke-test the new app on a temporary route (${temp.url})`)
        try {
          await runSmokeTest(smokeTest, temp.url, (l) => task.output(l), signal)
        } finally {
          await deleteRoute(capi, temp.route)
        }
      },
    }),
    step({
      id: 'switch',
      title: 'Switch routes',
      needs: NEW_APP,
      async run(s, task) {
        const {capi, clock, signal} = s.env
        await checkOldApp(s, task)
        const mappings = s.snapshot.routes
        if (mappings.length === 0) {
          s.routes = 'switched'
          return task.skip('the app has no routes')
        }
        s.routes = 'mapped-both'
        const added = await mapLike(capi, mappings, s.newApp.guid)
        task.output(`mapped ${mappings.length} route(s) to the new app; both versions serve`)
        if (added > 0 && s.opts.routeSettleMs > 0) await clock.sleep(s.opts.routeSettleMs, signal)
        await unmapApp(capi, mappings, s.app.guid)
        s.routes = 'switched'
        task.setTitle(`Switch routes (${mappings.map((m) => m.route.url).join(', ')})`)
      },
    }),
    {
      id: 'drain',
      title: (s) => `Drain old app ${venerableName(s)} (${formatDuration(s.opts.drainMs ?? 0)})`,
      // Only an old app that serves and is about to be stopped has requests to drain.
      enabled: (s) => (s.opts.drainMs ?? 0) > 0 && !s.opts.noStop && wasStarted(s, 'drain') && snapshotOf(s, 'drain').routes.length > 0,
      async run(s, task) {
        task.output('routers may still send it requests until they learn of the unmap; the requests it serves finish meanwhile')
        await s.env.clock.sleep(required(s.opts.drainMs, "step 'drain'", 'opts.drainMs'), s.env.signal)
      },
    },
    {
      id: 'stop-old',
      irreversible: true,
      title: (s) => `Stop old app ${venerableName(s)}`,
      enabled: (s) => !s.opts.noStop && wasStarted(s, 'stop-old'),
      async run(s, task) {
        s.oldTouched = true
        if (s.oldGone) return task.skip('deleted by someone else')
        try {
          await s.env.capi.apps.stop(s.app.guid)
        } catch (error) {
          if (!(error instanceof CapiNotFound)) throw error
          noteOldGone(s, task)
        }
      },
    },
    step({
      id: 'availability',
      irreversible: true,
      title: 'Check every process type runs',
      needs: NEW_APP,
      enabled: (s) => !s.opts.noStop && wasStarted(s, 'availability'),
      async run(s, task) {
        // The new app's instances of every type were running before the old app stopped; look again.
        const since = s.env.clock.now()
        let processes
        try {
          processes = s.processes = await watchAvailability(s.env, s.newApp.guid, {since, timeoutMs: s.opts.startupTimeoutMs})
        } catch (error) {
          if (s.env.signal.aborted) throw error
          s.warnings.push(bg.cannotCheckProcesses(error))
          return task.skip('could not check')
        }
        task.output(processes.map((p) => `${p.type}: ${p.zeroMs === 0 ? 'never at 0' : `${formatDuration(p.zeroMs)} at 0`}`).join(', '))
      },
    }),
    {
      id: 'delete-old',
      irreversible: true,
      title: (s) => `Delete old app ${venerableName(s)}`,
      enabled: (s) => !s.opts.noStop && !s.opts.noDelete,
      async run(s, task) {
        s.oldTouched = true
        if (s.oldGone) return task.skip('deleted by someone else')
        const {capi, signal} = s.env
        try {
          const job = await capi.apps.delete(s.app.guid)
          await capi.jobs.wait(job, {signal, timeoutMs: 10 * 60_000})
        } catch (error) {
          if (!(error instanceof CapiNotFound)) throw error
        }
      },
    },
    step({
      id: 'finish',
      irreversible: true,
      title: 'Finish',
      needs: NEW_APP,
      async run(s) {
        s.oldTouched = true
        const {capi} = s.env
        await capi.apps.update(s.newApp.guid, {metadata: {annotations: {[ROLE]: null, [PEER]: null, [PHASE]: null}}})
        if ((s.opts.noStop || s.opts.noDelete) && !s.oldGone) {
          await capi.apps.update(s.app.guid, {metadata: {annotations: {[PHASE]: 'kept'}}})
        }
      },
    }),
  ]
}

/** What the steps after 'create' rely on: the stable app's snapshot and the new app. */
const NEW_APP = ['snapshot', 'newApp'] as const

/** The stable app's snapshot, for a step's `enabled` (listr2 asks before 'check' has run; actualize shows the row then). */
function snapshotOf(s: OpState, stepId: string) {
  return have(s, ['snapshot'], `step '${stepId}'`).snapshot
}

/** Whether the stable app was running when the operation began (so the new one is started, the old one stopped). */
function wasStarted(s: OpState, stepId: string): boolean {
  return snapshotOf(s, stepId).app.state === 'STARTED'
}

/**
 * Right before the switch, make sure the old app is still the one the copy was made from. Deleted
 * by someone else: go on (the copy is all there is now, and the routes need it). Deployed by
 * someone else since this run started: stop, so the rollback leaves their deployment to finish
 * rather than replacing it with a copy of what it replaced.
 */
export async function checkOldApp(s: BgState, task: TaskHandle): Promise<void> {
  const {capi} = s.env
  try {
    await capi.apps.get(s.app.guid)
  } catch (error) {
    if (!(error instanceof CapiNotFound)) throw error
    return noteOldGone(s, task)
  }
  const since = new Date(s.startedAt - 1000).toISOString().replace(/\.\d+Z$/, 'Z')
  const theirs = await capi.deployments.latestForApp(s.app.guid)
  if (theirs && theirs.guid !== s.deploymentBefore && theirs.created_at >= since)
    throw bg.deployedBySomeoneElse(theirs, venerableName(s), s.app.guid, s.appName)
}

function noteOldGone(s: OpState, task: TaskHandle): void {
  if (s.oldGone) return
  s.oldGone = true
  const line = bg.oldDeletedMidway(venerableName(s), s.app.guid, s.routes === 'untouched')
  s.warnings.push(line)
  task.output(line)
}

function nonNull(o: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as Record<string, string>
}

/** The binding's parameters, when its service broker can give them back (many can't). */
async function readParameters(s: OpState, bindingGuid: string): Promise<Record<string, unknown> | undefined> {
  return s.env.capi.bindings.parameters(bindingGuid).catch(() => undefined)
}

function checkBody(hc: Process['health_check']) {
  const data = Object.fromEntries(Object.entries(hc.data ?? {}).filter(([, v]) => v !== null && v !== undefined))
  return {type: hc.type, data}
}

/** Give the new app the stable app's own sidecars (reads first: safe to repeat). */
export async function copySidecars(s: BgState): Promise<string> {
  const {capi} = s.env
  const onNew = await capi.sidecars.forApp(s.newApp.guid)
  const made: string[] = []
  for (const sc of s.snapshot.sidecars) {
    if (onNew.some((h) => h.name === sc.name)) continue
    await createSidecarOnce(capi, s.newApp.guid, {
      name: sc.name,
      command: sc.command,
      process_types: sc.process_types,
      ...(sc.memory_in_mb ? {memory_in_mb: sc.memory_in_mb} : {}),
    })
    made.push(sc.name)
  }
  return made.length ? `created ${made.join(', ')}` : 'already there'
}

/** Make the new app's processes match the stable app's: types, commands, checks and scale. */
async function configureProcesses(s: BgState): Promise<string> {
  const {capi, signal} = s.env
  const {newApp, snapshot: snap} = s
  const have = await capi.processes.forApp(newApp.guid)
  const missing = snap.processes.filter((p) => !have.some((h) => h.type === p.type))
  if (missing.length) {
    // Process types the droplet doesn't declare can only be created through a manifest.
    const yaml = dump({applications: [{name: newApp.name, processes: missing.map((p) => ({type: p.type, instances: 0}))}]})
    await applyManifestOnce(capi, s.target.space.guid, yaml, {clock: s.env.clock, signal, timeoutMs: 5 * 60_000})
  }
  const lines: string[] = []
  for (const old of resized(snap.processes, s.opts.scale)) {
    const p = await capi.processes.getForApp(newApp.guid, old.type)
    const command = specifiedCommand(old, snap.droplet)
    await capi.processes.update(p.guid, {
      ...(command !== undefined ? {command} : {}),
      health_check: checkBody(old.health_check),
      ...(old.readiness_health_check ? {readiness_health_check: checkBody(old.readiness_health_check)} : {}),
    })
    await capi.processes.scale(p.guid, {
      instances: old.instances,
      memory_in_mb: old.memory_in_mb,
      disk_in_mb: old.disk_in_mb,
      ...(old.log_rate_limit_in_bytes_per_second !== null && old.log_rate_limit_in_bytes_per_second !== undefined
        ? {log_rate_limit_in_bytes_per_second: old.log_rate_limit_in_bytes_per_second}
        : {}),
    })
    lines.push(`${old.type}: ${old.instances}×${old.memory_in_mb}MB`)
  }
  return lines.join(', ')
}

/** Put things back as they were before this run: routes, the new app, the name. Safe to repeat. */
export function rollbackPlan(): Step<OpState>[] {
  return [
    step({
      id: 'restore-routes',
      title: 'Restore routes to the old app',
      // Routes move only after 'check' took the snapshot.
      needs: ['snapshot'],
      enabled: (s) => s.routes !== 'untouched',
      async run(s) {
        const {capi} = s.env
        await mapLike(capi, s.snapshot.routes, s.app.guid)
        if (s.newApp) await unmapApp(capi, s.snapshot.routes, s.newApp.guid)
        s.routes = 'untouched'
      },
    }),
    {
      id: 'delete-new',
      title: (s) => `Delete new app ${s.appName}`,
      enabled: (s) => Boolean(s.newApp),
      async run(s, task) {
        const {capi} = s.env
        const {newApp} = have(s, ['newApp'], "step 'delete-new'")
        try {
          await capi.jobs.wait(await capi.apps.delete(newApp.guid), {timeoutMs: 10 * 60_000})
        } catch (error) {
          if (error instanceof CapiNotFound) return task.skip('already gone')
          throw error
        }
        // What this step undoes: from here on there is no new app.
        s.newApp = undefined
      },
    },
    {
      id: 'rename-back',
      title: (s) => `Rename ${venerableName(s)} back to ${s.appName}`,
      enabled: (s) => s.app.name !== s.appName,
      async run(s) {
        s.app = await s.env.capi.apps.update(s.app.guid, {name: s.appName, metadata: {annotations: {[ROLE]: null, [PEER]: null, [PHASE]: null}}})
      },
    },
  ]
}

export async function runBlueGreen(s: OpState, source: DropletSource, opts: ActualizeOptions): Promise<OperationResult> {
  let durations: Record<string, number> = {}
  try {
    durations = await actualize(blueGreenPlan(source), s, {...opts, signal: s.env.signal})
  } catch (error) {
    throw await afterFailure(s, error, opts)
  }
  const done: BgState = have(s, NEW_APP, 'the blue-green result')
  const kept = (s.opts.noStop || s.opts.noDelete) && !s.oldGone
  const venerable = venerableName(s)
  const name = await currentName(s, done.newApp.guid)
  return operationResult(s, {
    strategy: 'blue-green',
    app: {name, guid: done.newApp.guid},
    previousApp: {name: kept ? venerable : s.appName, guid: s.app.guid, state: !kept ? 'deleted' : s.opts.noStop ? 'running' : 'stopped'},
    droplet: {guid: s.dropletGuid, previous: done.snapshot.droplet?.guid},
    outcome: done.snapshot.app.state === 'STARTED' ? 'started' : 'staged',
    durationsMs: durations,
    left: kept ? [bg.kept(venerable, s.opts.noStop)] : [],
    processes: s.processes,
  })
}

/**
 * Before the switch: roll back, and report the original error and the rollback's outcome apart.
 * After it: the new version is live; say exactly what was left behind. This observes and acts;
 * messages.ts says it.
 */
export async function afterFailure(s: OpState, error: unknown, opts: ActualizeOptions): Promise<CfzdError> {
  const stop = stopOf(error, s.env.signal)
  const venerable = venerableName(s)
  if (s.oldTouched) {
    // The old app has been stopped or deleted: no going back. Say what is where.
    const old = await s.env.capi.apps.get(s.app.guid).then(
      (a) => (a.state === 'STARTED' ? 'running' : 'stopped') as 'running' | 'stopped',
      () => 'gone' as const,
    )
    return bg.afterSwitch(stop, {appName: s.appName, newGuid: s.newApp?.guid, venerable, oldGuid: s.app.guid, old})
  }
  // Nothing was changed yet (a preflight refusal, for example).
  if (!s.newApp && s.app.name === s.appName) return bg.nothingChanged(stop)
  if (s.oldGone || (await appGone(s, s.app.guid))) {
    // Rolling back would delete the only copy left: keep it, and say where things are.
    const copy = s.newApp ? await s.env.capi.apps.get(s.newApp.guid).catch(() => undefined) : undefined
    return bg.oldDeleted(stop, {
      venerable,
      oldGuid: s.app.guid,
      madeCopy: Boolean(s.newApp),
      copy,
      routesUntouched: s.routes === 'untouched',
      routeUrls: s.snapshot?.routes.map((m) => m.route.url) ?? [],
    })
  }
  const rs: OpState = {...s, env: {...s.env, signal: new AbortController().signal}}
  try {
    await actualize(rollbackPlan(), rs, opts)
    return bg.rolledBack(stop, {ok: true, appName: s.appName, oldGuid: s.app.guid})
  } catch (rbError) {
    return bg.rolledBack(stop, {
      ok: false,
      appName: s.appName,
      oldGuid: s.app.guid,
      rollbackError: rbError,
      stable: rs.app,
      newApp: rs.newApp,
      routesUntouched: rs.routes === 'untouched',
    })
  }
}

export type {App}
