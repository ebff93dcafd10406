/**
 * `cfzd restage-all --buildpack NAME`: restage every app whose current droplet was built with a
 * buildpack, across a foundation, without downtime and without losing track.
 *
 *   resume? → discover (a handful of requests) → plan → [dry run: peak capacity, stop]
 *           → execute (bounded, paced, retrying) → report (saved after every app) → exit code
 *
 * Exit code: 0 when nothing failed, 1 when some app failed, 130 when interrupted.
 */
import type {TickStore} from '../strategies/tick-store.js'
import type {StagingStore} from '../strategies/staging-store.js'
import type {CapiClient} from '../capi/client.js'
import type {Clock} from '../clock.js'
import {CfzdError, ExitCode, errorMessage} from '../errors.js'
import type {DeployOptions} from '../strategies/types.js'
import type {Ui} from '../ui/ui.js'
import {discover, type Candidate, type ScopeFlags} from './discover.js'
import {execute, iso, type ExecuteDeps, type WorkItem} from './execute.js'
import {collectGarbage} from './lean.js'
import {Pacer, type PacerOptions, type RetryPolicy} from './pacing.js'
import {estimatePeak} from './plan.js'
import {requestBudget} from './budget.js'
import type {RateLimitInfo} from '../capi/http.js'
import {createProgress, type Progress} from './progress.js'
import {countEntries, loadResume, type Report, ReportFile, type Resume} from './report.js'
import type {ReportEntry} from './types.js'

export interface RestageAllOptions {
  buildpack: string
  scope: ScopeFlags
  all: boolean
  includeStopped: boolean
  concurrency: number
  deploy: DeployOptions
  dryRun: boolean
  reportFile?: string
  resumeFile?: string
}

export interface RestageAllEnv {
  capi: CapiClient
  clock: Clock
  signal: AbortSignal
  ui: Ui
  /** Where deployments keep the updater's tick between runs; none when absent. */
  tickStore?: TickStore | null
  /** Where builds keep how long staging took, per app; none when absent. */
  stagingStore?: StagingStore | null
}

/** Seams for tests: the operation, the progress display, randomness and policies. */
export interface RestageAllHooks {
  operate?: ExecuteDeps['operate']
  progress?: Progress
  random?: () => number
  pacer?: Partial<PacerOptions>
  retryPolicy?: RetryPolicy
}

export interface RestageAllOutcome {
  report: Report
  exitCode: number
  /** Where the report was written, if anywhere. */
  reportFile?: string
}

function entryOf(c: Candidate, resume?: Resume): ReportEntry {
  const {app, decision} = c
  const m = decision.match
  const e: ReportEntry = {
    guid: app.guid,
    name: app.name,
    org: app.org,
    space: app.space,
    spaceGuid: app.spaceGuid,
    state: app.state,
    status: decision.kind === 'restage' ? 'pending' : 'skipped',
    droplet: {...m.droplet, buildpack: m.buildpack.name, version: m.buildpack.version},
  }
  if (decision.kind === 'restage') e.why = decision.why
  else {
    e.reason = decision.reason
    e.detail = decision.detail
    if (decision.reason === 'already-restaged' && resume) {
      const before = resume.entry(app.guid)
      e.detail = `already restaged (per ${resume.file}${before?.finishedAt ? `, ${before.finishedAt}` : ''})`
    }
  }
  return e
}

export async function restageAll(env: RestageAllEnv, o: RestageAllOptions, hooks: RestageAllHooks = {}): Promise<RestageAllOutcome> {
  const {capi, clock, ui} = env
  const startedAt = clock.now()
  const resume = o.resumeFile ? await loadResume(o.resumeFile, o.buildpack) : undefined
  // Resuming writes back to the same report unless told otherwise; a dry run writes only where asked.
  const reportPath = o.reportFile ?? (o.dryRun ? undefined : o.resumeFile)

  // The rate limit as the latest response reports it (X-RateLimit-*), for the request budget.
  let rateLimit: RateLimitInfo | undefined
  const stopWatching = capi.http.observe((e) => {
    if (e.rateLimit) rateLimit = e.rateLimit
  })
  try {
    return await run()
  } finally {
    stopWatching()
  }

  async function run(): Promise<RestageAllOutcome> {
    ui.info(`Finding apps built with ${o.buildpack}${describeScope(o.scope)}...`)
    const found = await discover(capi, {
      scope: o.scope,
      rules: {buildpack: o.buildpack, all: o.all, includeStopped: o.includeStopped, venerableSuffix: o.deploy.venerableSuffix},
      done: resume?.done,
      signal: env.signal,
      clock,
    })
    if (found.releases.length === 0 && !o.all) {
      ui.warn(
        `There is no admin buildpack named '${o.buildpack}' (names are case-sensitive), so cfzd cannot tell which droplets are outdated. Use --all to restage every app that uses it.`,
      )
    }

    const entries = [...found.selected, ...found.skipped].map((c) => entryOf(c, resume))
    if (resume) {
      // Apps done earlier that this discovery did not see again stay in the report.
      const seen = new Set<string>()
      for (const e of entries) seen.add(e.guid).add(`${e.spaceGuid}/${e.name.toLowerCase()}`)
      for (const e of resume.doneEntries) {
        if (seen.has(e.guid) || seen.has(`${e.spaceGuid}/${e.name.toLowerCase()}`) || (e.newGuid && seen.has(e.newGuid))) continue
        entries.push({...e, status: 'skipped', reason: 'already-restaged', detail: `already restaged (per ${resume.file}); not seen by this run`})
      }
    }
    const report: Report = {
      version: 1,
      command: 'restage-all',
      buildpack: o.buildpack,
      status: o.dryRun ? 'planned' : 'running',
      dryRun: o.dryRun,
      options: {all: o.all, includeStopped: o.includeStopped, strategy: o.deploy.strategy, concurrency: o.concurrency, maxInFlight: o.deploy.maxInFlight},
      scope: {orgs: found.scope.orgs.map((x) => x.name), spaces: found.scope.spaces.map((x) => x.name), labelSelector: found.scope.labelSelector},
      startedAt: iso(startedAt),
      updatedAt: iso(startedAt),
      resumedFrom: resume?.file,
      discovery: {
        apps: found.apps,
        requests: found.requests,
        perAppRequests: found.perAppRequests,
        durationMs: found.durationMs,
        releases: found.releases.map((r) => ({stack: r.stack, updatedAt: r.updatedAt})),
      },
      counts: countEntries(entries),
      notUsingBuildpack: found.ignored,
      apps: entries,
    }
    const file = reportPath ? new ReportFile(reportPath) : undefined
    const save = async () => {
      report.updatedAt = iso(clock.now())
      report.counts = countEntries(entries)
      await file?.save(report)
    }
    if (file) {
      await save()
      if (file.error)
        throw new CfzdError(`Cannot write the report to ${file.file}: ${errorMessage(file.error)}. Nothing was changed.`, {exitCode: ExitCode.USAGE})
    }

    if (o.dryRun) {
      report.peak = await estimatePeak(capi, found.selected, found.scope, {
        strategy: o.deploy.strategy,
        maxInFlight: o.deploy.maxInFlight,
        concurrency: o.concurrency,
      })
      report.requests = requestBudget({apps: found.selected.length, strategy: o.deploy.strategy, now: clock.now(), rateLimit})
      report.finishedAt = iso(clock.now())
      report.durationMs = clock.now() - startedAt
      await save()
      return {report, exitCode: ExitCode.OK, reportFile: reportPath}
    }

    // Discovery's pages are garbage now: start the long part from what is alive.
    if (found.apps >= 1000) collectGarbage()
    const byGuid = new Map(found.selected.map((c) => [c.app.guid, c.app]))
    const items: WorkItem[] = entries.filter((e) => e.status === 'pending').map((entry) => ({app: byGuid.get(entry.guid)!, entry, attempt: 0, notBefore: 0}))
    const progress = hooks.progress ?? createProgress(ui.renderer)
    const pacer = new Pacer(o.concurrency, hooks.pacer)
    let {interrupted} =
      items.length === 0
        ? {interrupted: false}
        : await execute(
            items,
            {
              capi,
              clock,
              signal: env.signal,
              ui,
              tickStore: env.tickStore,
              stagingStore: env.stagingStore,
              progress,
              pacer,
              save,
              operate: hooks.operate,
              random: hooks.random,
              retryPolicy: hooks.retryPolicy,
            },
            {deploy: o.deploy, includeStopped: o.includeStopped, title: `${o.buildpack} apps`, budget: (b) => (report.requests = b)},
          )
    interrupted ||= entries.some((e) => e.status === 'interrupted')
    report.status = interrupted ? 'interrupted' : 'finished'
    report.finishedAt = iso(clock.now())
    report.durationMs = clock.now() - startedAt
    await save()
    if (file?.error) ui.warn(`Could not write the report to ${file.file}: ${errorMessage(file.error)}`)
    const exitCode = interrupted ? ExitCode.INTERRUPTED : report.counts.failed > 0 ? ExitCode.FAILED : ExitCode.OK
    return {report, exitCode, reportFile: reportPath}
  }
}

function describeScope(s: ScopeFlags): string {
  const parts: string[] = []
  if (s.orgs.length) parts.push(`org ${s.orgs.join(', ')}`)
  if (s.spaces.length) parts.push(`space ${s.spaces.join(', ')}`)
  if (s.labelSelector) parts.push(`labels ${s.labelSelector}`)
  return parts.length ? ` in ${parts.join('; ')}` : ' across the foundation'
}
