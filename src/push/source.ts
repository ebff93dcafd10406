/**
 * Push as a DropletSource for the shared strategies (src/strategies):
 *
 *   rolling/canary  check → [Apply manifest → Upload bits → Stage] → create deployment → follow it
 *   blue-green      check → rename → create → features → bindings → [Apply manifest → Upload bits
 *                   → Stage] → set droplet → copy processes → [Apply process settings] → start → switch…
 *
 * The strategy code is shared: push only brings its own way of producing the droplet (apply the
 * manifest, upload new bits, stage them), and, in blue-green, re-applies the manifest's process
 * settings over the ones copied from the old app, so the manifest wins where it speaks.
 */
import {dump} from 'js-yaml'
import type {CapiClient} from '../capi/client.js'
import type {App} from '../capi/resources/apps.js'
import type {Package} from '../capi/resources/packages.js'
import {createOnce} from '../capi/reconcile.js'
import {isAmbiguous} from '../capi/errors.js'
import {formatDuration} from '../clock.js'
import type {DropletSource} from '../strategies/sources.js'
import {stageStep} from '../strategies/sources.js'
import {buildApp, type OpState} from '../strategies/state.js'
import type {Step} from '../strategies/types.js'
import {applyManifestOnce} from '../strategies/once.js'
import {waitForPackage} from '../strategies/wait.js'
import {formatBytes, matchResources, resourceOf, zipBits} from './bits.js'
import type {ManifestApp} from './manifest.js'
import {entryForNewApp, type AppPlan} from './plan.js'

/** What the push steps did, for the result. */
export interface PushRecord {
  manifestApplied: boolean
  package?: string
  upload?: {files: number; matched: number; zipBytes: number}
}

export const JOB_TIMEOUT_MS = 10 * 60_000

/** The YAML apply_manifest gets: one app. */
export function manifestYaml(entry: ManifestApp): string {
  return dump({version: 1, applications: [entry]}, {noRefs: true, lineWidth: -1})
}

async function applyManifest(s: OpState, entry: ManifestApp): Promise<void> {
  const {capi, signal} = s.env
  await applyManifestOnce(capi, s.target.space.guid, manifestYaml(entry), {
    clock: s.env.clock,
    signal,
    timeoutMs: JOB_TIMEOUT_MS,
    onWarning: (w) => s.warnings.push(w),
  })
}

/** Apply the app's manifest entry (on the new app in blue-green). */
export function applyManifestStep(plan: AppPlan, record: PushRecord, title = 'Apply manifest'): Step<OpState> {
  return {
    id: 'apply-manifest',
    title,
    async run(s, task) {
      const target = buildApp(s)
      let entry: ManifestApp = {...plan.apply, name: target.name}
      if (s.newApp) entry = entryForNewApp(entry, (s.snapshot?.routes.length ?? 0) > 0)
      await applyManifest(s, entry)
      record.manifestApplied = true
      if (!s.newApp) {
        s.left.push(
          `The manifest was applied to '${target.name}': configuration changes (env, processes, services) take effect at its next deployment; route changes are live.`,
        )
      }
      task.output(`applied to ${target.name}`)
    },
  }
}

/** Blue-green: the manifest's process settings, over those copied from the old app. */
export function applyProcessesStep(plan: AppPlan): Step<OpState> {
  return {
    id: 'apply-processes',
    title: 'Apply manifest process settings',
    enabled: () => plan.processes !== undefined,
    async run(s) {
      await applyManifest(s, {...plan.processes!, name: s.newApp!.name})
    },
  }
}

/** Create a package on the build app: bits (matched files left out of the zip) or a docker image; wait for READY. */
export function uploadStep(plan: AppPlan, record: PushRecord): Step<OpState> {
  const {bits, docker} = plan.app
  const title = docker ? `Create docker package (${docker.image})` : `Upload bits (${bits!.fileCount} file${bits!.fileCount === 1 ? '' : 's'})`
  return {
    id: 'upload',
    title,
    async run(s, task) {
      const {capi, clock, signal} = s.env
      const app = buildApp(s)
      const started = clock.now()
      let pkg: Package
      if (docker) {
        pkg = await createPackage(capi, app, s.startedAt, {
          type: 'docker',
          relationships: {app: {data: {guid: app.guid}}},
          data: {image: docker.image, ...(docker.username ? {username: docker.username, password: docker.password ?? ''} : {})},
        })
      } else {
        const b = bits!
        const matched = await matchResources(capi, b)
        const files = `${b.fileCount} file${b.fileCount === 1 ? '' : 's'}`
        task.setTitle(`Upload bits (${files}, ${matched.length} matched)`)
        const zip = zipBits(
          b,
          matched.map((m) => m.path),
        )
        record.upload = {files: b.fileCount, matched: matched.length, zipBytes: zip.length}
        task.output(`${formatBytes(zip.length)} zipped, ${formatBytes(matched.reduce((n, m) => n + m.size, 0))} already on the foundation`)
        pkg = await createPackage(capi, app, s.startedAt, {type: 'bits', relationships: {app: {data: {guid: app.guid}}}})
        await uploadOnce(capi, pkg.guid, zip, matched.map(resourceOf))
        task.setTitle(`Upload bits (${files}, ${matched.length} matched, ${formatBytes(zip.length)})`)
      }
      await waitForPackage(capi, pkg.guid, {clock, signal, timeoutMs: s.opts.stagingTimeoutMs})
      s.packageGuid = record.package = pkg.guid
      if (docker) task.setTitle(`${title} (${formatDuration(clock.now() - started)})`)
    },
  }
}

async function createPackage(capi: CapiClient, app: App, since: number, body: Parameters<CapiClient['packages']['create']>[0]): Promise<Package> {
  const after = new Date(since - 1000).toISOString().replace(/\.\d+Z$/, 'Z')
  return createOnce(
    () => capi.packages.create(body),
    async () => {
      const p = await capi.packages.newestForApp(app.guid, [body.type === 'docker' ? 'READY' : 'AWAITING_UPLOAD'])
      return p && p.created_at >= after ? p : undefined
    },
  )
}

/** Upload once; after an ambiguous failure, re-read the package and upload again only if it is still waiting. */
export async function uploadOnce(capi: CapiClient, guid: string, zip: Buffer, resources: ReturnType<typeof resourceOf>[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await capi.packages.upload(guid, zip, resources)
      return
    } catch (error) {
      if (!isAmbiguous(error) || attempt >= 2) throw error
      const p = await capi.packages.get(guid)
      if (p.state !== 'AWAITING_UPLOAD' && p.state !== 'FAILED') return
    }
  }
}

/** The DropletSource the strategies run push with. */
export function pushSource(plan: AppPlan, record: PushRecord): DropletSource {
  return {
    async preflight(s) {
      s.previousDropletGuid = s.app.relationships.current_droplet?.data?.guid ?? undefined
    },
    inPlace: () => [applyManifestStep(plan, record), uploadStep(plan, record), stageStep()],
    toNewApp: () => [applyManifestStep(plan, record), uploadStep(plan, record), stageStep()],
    configure: () => [applyProcessesStep(plan)],
  }
}
