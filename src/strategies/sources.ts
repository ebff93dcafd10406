/**
 * Where the droplet to deploy comes from. The same steps serve every strategy:
 * - restart keeps the current droplet (rolling: deploy it again; blue-green: copy it, and copy the
 *   newest READY package too, so the new app can be restaged once the old one is deleted);
 * - restage stages the newest READY package (rolling: on the app; blue-green: copied to the new app);
 * - push uploads new bits (src/push) and stages them.
 */
import type {Package} from '../capi/resources/packages.js'
import {isDeployable} from '../capi/resources/revisions.js'
import {refGuid, relGuid} from '../capi/schemas.js'
import {createOnce} from '../capi/reconcile.js'
import {CapiNotFound, CapiUnprocessable} from '../capi/errors.js'
import {errorMessage} from '../errors.js'
import {formatDuration} from '../clock.js'
import {readForInformation} from './advisory.js'
import {readReadyPackages, source} from './messages.js'
import {buildApp, step, type OpState} from './state.js'
import type {Step} from './types.js'
import {WaitFailure, waitForBuild, waitForDroplet, waitForPackage} from './wait.js'

export interface DropletSource {
  /**
   * Checks before anything changes (for example: is there a package to stage?). `warn` reports
   * what the operation will do without (shown as it goes, and in the result).
   */
  preflight(s: OpState, warn: (line: string) => void): Promise<void>
  /** Steps on the app itself that set s.dropletGuid (none: deploy the current droplet). */
  inPlace(): Step<OpState>[]
  /** Steps that give the new blue-green app its droplet, from the stable app. */
  toNewApp(): Step<OpState>[]
  /**
   * Optional blue-green steps run once the new app's processes are configured like the stable
   * app's, before it starts (push re-applies its manifest's process settings there).
   */
  configure?(): Step<OpState>[]
}

async function newestReadyPackage(s: OpState, appGuid: string): Promise<Package> {
  const known = s.env.known?.(appGuid)?.readyPackage
  const p = known !== undefined ? known : await s.env.capi.packages.newestForApp(appGuid, ['READY'])
  if (!p) {
    throw source.noPackage(s.appName)
  }
  return p
}

/** Stage a package on the build app and wait for its droplet. Re-reads builds if the POST was ambiguous. */
export function stageStep(title = 'Stage'): Step<OpState> {
  return step<OpState, 'packageGuid'>({
    id: 'stage',
    title,
    needs: ['packageGuid'],
    async run(s, task) {
      const app = buildApp(s)
      const pkg = s.packageGuid
      const {capi, clock, signal} = s.env
      const since = new Date(s.startedAt - 1000).toISOString().replace(/\.\d+Z$/, 'Z')
      let build
      try {
        build = await createOnce(
          () => capi.builds.create({package: {guid: pkg}}),
          async () => (await capi.builds.forPackage(pkg)).find((b) => b.created_at >= since),
        )
      } catch (error) {
        if (!(error instanceof CapiUnprocessable && error.is('CF-StagingInProgress'))) throw error
        // One build at a time per app. A build of this very package (an interrupted run's) makes the
        // droplet this step wants: wait for it rather than refuse.
        build = (await capi.builds.forPackage(pkg)).find((b) => b.state === 'STAGING')
        if (!build) {
          throw source.stagingAnother(app.name, error)
        }
        task.output(`build ${build.guid} of the same package was already staging: waiting for it`)
      }
      const started = clock.now()
      task.output(`build ${build.guid} staging`)
      let staged
      try {
        // How long this app staged last time on this API: by space and name, which blue-green keeps.
        const store = s.env.stagingStore
        const learnedFor = `${s.target.space.guid}/${s.appName}`
        staged = await waitForBuild(capi, build.guid, {
          clock,
          signal,
          timeoutMs: s.opts.stagingTimeoutMs,
          appName: app.name,
          staging: store ? {priorMs: store.load(capi.http.apiUrl, learnedFor), keep: (ms) => store.save(capi.http.apiUrl, learnedFor, ms)} : undefined,
        })
      } catch (error) {
        if (signal.aborted && !s.newApp) s.left.push(source.stillStaging(build.guid, app.name))
        throw error
      }
      s.dropletGuid = staged.droplet?.guid ?? undefined
      if (!s.dropletGuid) throw source.stagedWithoutDroplet(build.guid)
      task.setTitle(`${title} (${formatDuration(clock.now() - started)})`)
    },
  })
}

/** Package states that mean a copy is there or on its way (a FAILED or EXPIRED one is not). */
const COPIED = ['COPYING', 'READY']

/**
 * Give the new blue-green app a copy of the package in s.packageGuid, and point s.packageGuid at
 * the copy. Safe to re-run: a copy already on the new app (made by an interrupted or ambiguous
 * earlier try; cfzd made the new app, so nobody else puts packages on it) is adopted, not repeated.
 * `optional`: when the package can't be carried (refused, gone, or the copy FAILED), warn and go on
 * without it instead of failing.
 */
function copyPackageStep(optional: boolean): Step<OpState> {
  return step<OpState, 'newApp'>({
    id: 'copy-package',
    title: 'Copy package',
    needs: ['newApp'],
    async run(s, task) {
      const {capi, clock, signal} = s.env
      const to = s.newApp
      const from = s.packageGuid
      if (!from) return task.skip('the app has no package to carry')
      const without = (why: string) => {
        const line = source.packageNotCopied(from, s.appName, why)
        s.warnings.push(line)
        task.output(line)
        task.skip(`not carried: ${why}`)
      }
      let copy = await capi.packages.newestForApp(to.guid, COPIED)
      if (copy) task.output(`package ${copy.guid} was already copied`)
      else {
        try {
          copy = await createOnce(
            () => capi.packages.copy(from, to.guid),
            async () => capi.packages.newestForApp(to.guid, COPIED),
          )
        } catch (error) {
          // 422: the source package can't be copied (gone, expired); 404: not visible any more.
          if (!optional || !(error instanceof CapiUnprocessable || error instanceof CapiNotFound)) throw error
          return without(errorMessage(error))
        }
        task.output(`package ${copy.guid} copying`)
      }
      try {
        await waitForPackage(capi, copy.guid, {clock, signal, timeoutMs: s.opts.stagingTimeoutMs})
      } catch (error) {
        if (!optional || !(error instanceof WaitFailure && error.kind === 'failed')) throw error
        return without(error.message)
      }
      s.packageGuid = copy.guid
    },
  })
}

export const restartSource: DropletSource = {
  async preflight(s, warn) {
    const current = s.app.relationships.current_droplet?.data?.guid ?? (await s.env.capi.apps.getCurrentDropletGuid(s.app.guid))
    if (!current) throw source.noDroplet(s.appName)
    s.previousDropletGuid = current
    if (s.opts.strategy !== 'blue-green') return
    // Blue-green deletes the old app with its packages: carry the one a restage would stage. Only
    // the droplet is needed to restart, so an app without one (a docker app or one made from a
    // droplet alone) or a lookup cfzd can't make still restarts, with a warning.
    let lookedUp = true
    const pkg = await readForInformation(
      readReadyPackages(s.app.guid),
      () => s.env.capi.packages.newestForApp(s.app.guid, ['READY']),
      (why) => {
        lookedUp = false
        warn(source.cannotLookUpPackage(s.appName, why))
      },
    )
    if (pkg) s.packageGuid = pkg.guid
    else if (lookedUp) warn(source.noPackageToCarry(s.appName))
  },
  inPlace: () => [],
  toNewApp: () => [
    copyPackageStep(true),
    step<OpState, 'newApp' | 'previousDropletGuid'>({
      id: 'copy-droplet',
      title: 'Copy droplet',
      // restartSource.preflight (in 'check') read the droplet to copy.
      needs: ['newApp', 'previousDropletGuid'],
      async run(s, task) {
        const {capi, clock, signal} = s.env
        const to = s.newApp
        const existing = await capi.apps.getCurrentDropletGuid(to.guid)
        if (existing) {
          s.dropletGuid = existing
          return task.skip('the new app already has a droplet')
        }
        const copy = await createOnce(
          () => capi.droplets.copy(s.previousDropletGuid, to.guid),
          async () => (await capi.droplets.forApp(to.guid, {order_by: '-created_at'}))[0],
        )
        task.output(`droplet ${copy.guid} copying`)
        const d = await waitForDroplet(capi, copy.guid, {clock, signal, timeoutMs: s.opts.stagingTimeoutMs})
        s.dropletGuid = d.guid
      },
    }),
  ],
}

export const restageSource: DropletSource = {
  async preflight(s) {
    s.packageGuid = (await newestReadyPackage(s, s.app.guid)).guid
    s.previousDropletGuid = s.app.relationships.current_droplet?.data?.guid ?? undefined
  },
  inPlace: () => [stageStep('Stage newest package')],
  toNewApp: () => [copyPackageStep(false), stageStep()],
}

/**
 * Rollback: deploy an earlier revision (`POST /v3/deployments` with `revision.guid`). Cloud
 * Controller brings back that revision's droplet, variables, sidecars and commands, and records
 * a new revision. Checked before anything changes: the revision exists and is deployable; a
 * rollback to what is already deployed is Cloud Controller's to refuse, in its own words.
 */
export function rollbackSource(version: number): DropletSource {
  return {
    async preflight(s) {
      const {capi} = s.env
      const rev = await capi.revisions.byVersion(s.app.guid, version)
      if (!rev) {
        const versions = (await capi.revisions.forApp(s.app.guid)).map((r) => r.version).sort((a, b) => a - b)
        throw source.noRevision(version, s.appName, versions)
      }
      if (!isDeployable(rev)) {
        const ok = (await capi.revisions.forApp(s.app.guid))
          .filter(isDeployable)
          .map((r) => r.version)
          .sort((a, b) => a - b)
        throw source.revisionNotDeployable(version, s.appName, ok)
      }
      s.revisionGuid = rev.guid
      s.dropletGuid = refGuid(rev.droplet)
      s.previousDropletGuid = relGuid(s.app.relationships.current_droplet)
    },
    inPlace: () => [],
    toNewApp: () => {
      throw source.rollbackNeedsSameApp()
    },
  }
}
