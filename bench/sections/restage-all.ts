/**
 * 4. restage-all over 10,000 apps, 1,000 of them built with nodejs_buildpack before its last
 * update (the generator's exact counts; 1% docker and 1% stopped apps among the others), on one
 * foundation with a fast updater (100 ms tick, 100 ms staging, 50 ms start-up: this measures
 * cfzd, not Cloud Controller).
 *
 * - Discovery: the requests `cfzd restage-all --dry-run` makes to find the 1,000 among 10,000,
 *   against the naive way (list the apps, then one request per app for its current droplet, as
 *   cloud-gov/buildpack-notify does), which the bench runs too, 20 requests at a time.
 * - Wall time at concurrency 1, the default and 20. The run at concurrency 20 restages all of
 *   them (a tenth in --quick). A full run at concurrency 1 would take the better part of an hour
 *   (each restage waits on staging and a deployment, polled every second or so), so concurrency
 *   1 and the default restage a few whole spaces each, after a new release of the buildpack; the
 *   figure is the time per 1,000 apps at each run's throughput (discovery included), against
 *   concurrency 1.
 * - Peak RSS of the cfzd process (getrusage), over every run: goal 200 MB.
 */
import {describeFailure} from '../lib/proc.js'
import {startSite, type Site} from '../lib/site.js'
import {median} from '../lib/stats.js'
import type {Report} from '../../src/restage-all/report.js'
import type {Figure, SectionContext} from '../types.js'

const BUILDPACK = 'nodejs_buildpack'
const ORGS = 10
const SPACES_PER_ORG = 10

interface RestageRun {
  concurrency: number
  spaces: number
  restaged: number
  failed: number
  wallMs: number
  maxRssKb?: number
  requests: number
}

/** `--org O --space S...` for the first n spaces (in org order), or nothing for all. */
function scope(n: number): string[] {
  if (n >= ORGS * SPACES_PER_ORG) return []
  const args: string[] = []
  const orgs = Math.ceil(n / SPACES_PER_ORG)
  for (let o = 1; o <= orgs; o++) args.push('--org', `bulk-org-${o}`)
  for (let s = 1; s <= Math.min(n, SPACES_PER_ORG); s++) args.push('--space', `space-${s}`)
  return args
}

async function restage(site: Site, concurrency: number | undefined, spaces: number): Promise<RestageRun> {
  const args = ['restage-all', '--buildpack', BUILDPACK, '--json', ...(concurrency ? ['--concurrency', String(concurrency)] : []), ...scope(spaces)]
  const r = await site.cli(args, {rss: true, timeoutMs: 30 * 60_000})
  if (r.code !== 0 && r.code !== 1) throw describeFailure(`cfzd ${args.join(' ')}`, r)
  const report = JSON.parse(r.stdout) as Report
  return {
    concurrency: concurrency ?? 0,
    spaces,
    restaged: report.counts.restaged,
    failed: report.counts.failed,
    wallMs: r.wallMs,
    maxRssKb: r.maxRssKb,
    requests: site.requests(r.startedAt, r.endedAt).length,
  }
}

/** The naive discovery: list the apps, then each app's current droplet, 20 at a time. */
async function naiveDiscovery(site: Site): Promise<{requests: number; wallMs: number; matching: number}> {
  const api = site.foundation.apiUrl
  const headers = {authorization: site.token(), accept: 'application/json'}
  const get = async (path: string) => {
    const res = await fetch(api + path, {headers})
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`)
    return (await res.json()) as {resources: {guid: string; buildpacks?: {name: string}[]}[]; pagination: {next: {href: string} | null}}
  }
  const t0 = performance.now()
  let requests = 0
  const apps: string[] = []
  for (let path: string | undefined = '/v3/apps?per_page=5000'; path;) {
    const page = await get(path)
    requests++
    apps.push(...page.resources.map((a) => a.guid))
    path = page.pagination.next ? new URL(page.pagination.next.href).pathname + new URL(page.pagination.next.href).search : undefined
  }
  let matching = 0
  let next = 0
  await Promise.all(
    Array.from({length: 20}, async () => {
      while (next < apps.length) {
        const guid = apps[next++]
        const d = await get(`/v3/apps/${guid}/droplets?current=true`)
        requests++
        if (d.resources[0]?.buildpacks?.some((b) => b.name === BUILDPACK)) matching++
      }
    }),
  )
  return {requests, wallMs: performance.now() - t0, matching}
}

export async function restageAll(ctx: SectionContext): Promise<Figure[]> {
  ctx.progress('restage-all: seeding 10,000 apps')
  const site = await startSite({
    seed: {
      orgs: [],
      generate: {
        count: 10_000,
        orgs: ORGS,
        spaces_per_org: SPACES_PER_ORG,
        prefix: 'bulk',
        mix: [{buildpack: BUILDPACK, fraction: 0.1, stale_fraction: 1}],
        stopped_fraction: 0.01,
        docker_fraction: 0.01,
        random_seed: 1,
      },
    },
    org: 'bulk-org-1',
    space: 'space-1',
    tickMs: 100,
    stagingMs: 100,
    startupMs: 50,
  })
  const figures: Figure[] = []
  try {
    // Discovery: the dry run finds every candidate and stops.
    const dry: {requests: number; discovery: number; wallMs: number; rss?: number; selected: number}[] = []
    for (let i = 0; i < (ctx.quick ? 2 : 3); i++) {
      ctx.progress(`restage-all: discovery (dry run) ${i + 1}`)
      const r = await site.cli(['restage-all', '--buildpack', BUILDPACK, '--dry-run', '--json'], {rss: true})
      if (r.code !== 0) throw describeFailure('cfzd restage-all --dry-run', r)
      const plan = JSON.parse(r.stdout) as Report
      dry.push({
        requests: site.requests(r.startedAt, r.endedAt).length,
        discovery: plan.discovery.requests,
        wallMs: r.wallMs,
        rss: r.maxRssKb,
        selected: plan.counts.selected,
      })
    }
    ctx.progress('restage-all: naive discovery (one request per app)')
    const naive = await naiveDiscovery(site)
    figures.push({
      section: 'restage-all',
      id: 'discovery-requests',
      label: `requests of restage-all --dry-run over 10,000 apps (${median(dry.map((d) => d.selected))} selected)`,
      unit: 'req',
      value: median(dry.map((d) => d.requests)),
      baselineLabel: 'one request per app',
      baseline: naive.requests,
      ratio: median(dry.map((d) => d.requests)) / naive.requests,
      samples: dry.length,
      raw: dry.map((d) => d.requests),
      extra: {naiveMatching: naive.matching, discoveryOnly: median(dry.map((d) => d.discovery))},
      note: `of which discovery ${median(dry.map((d) => d.discovery))} (restage-all's own count); the rest is the dry run's peak estimate`,
    })
    figures.push({
      section: 'restage-all',
      id: 'discovery-wall',
      label: 'discovery wall time (cfzd --dry-run, whole process)',
      unit: 'ms',
      value: median(dry.map((d) => d.wallMs)),
      baselineLabel: 'one request per app, 20 at a time, in-process',
      baseline: naive.wallMs,
      ratio: median(dry.map((d) => d.wallMs)) / naive.wallMs,
      samples: dry.length,
      raw: dry.map((d) => d.wallMs),
    })

    // Execution: 20 on everything (a tenth in --quick), then 1 and the default on a few spaces,
    // each after a new release of the buildpack so that its apps are all outdated again.
    const plan: {concurrency?: number; spaces: number}[] = ctx.quick
      ? [{concurrency: 20, spaces: 10}, {concurrency: 1, spaces: 1}, {spaces: 3}]
      : [{concurrency: 20, spaces: ORGS * SPACES_PER_ORG}, {concurrency: 1, spaces: 2}, {spaces: 6}]
    const runs: RestageRun[] = []
    for (const [i, p] of plan.entries()) {
      if (i > 0) site.foundation.releaseBuildpack(BUILDPACK)
      ctx.progress(`restage-all: concurrency ${p.concurrency ?? 'default'} over ${p.spaces} space(s)`)
      const r = await restage(site, p.concurrency, p.spaces)
      ctx.progress(`restage-all: ${r.restaged} restaged, ${r.failed} failed in ${(r.wallMs / 1000).toFixed(1)} s`)
      runs.push(r)
    }
    runs.sort((a, b) => (a.concurrency || 4) - (b.concurrency || 4))
    const per1000 = (r: RestageRun) => (r.wallMs / Math.max(1, r.restaged)) * 1000
    const base = per1000(runs[0])
    for (const r of runs) {
      figures.push({
        section: 'restage-all',
        id: `wall-c${r.concurrency || 'default'}`,
        label: `wall time per 1,000 apps at concurrency ${r.concurrency || 'default (4)'} (${r.restaged} apps restaged, ${r.failed} failed, in ${(r.wallMs / 1000).toFixed(0)} s)`,
        unit: 'ms',
        value: per1000(r),
        baselineLabel: 'concurrency 1',
        baseline: base,
        ratio: per1000(r) / base,
        samples: 1,
        extra: {...r},
      })
    }
    // Every API request the run made (discovery, batched reads, builds, deployments, polls), per app restaged.
    for (const r of runs) {
      const perApp = r.requests / Math.max(1, r.restaged)
      figures.push({
        section: 'restage-all',
        id: `requests-per-app-c${r.concurrency || 'default'}`,
        label: `API requests per restaged app at concurrency ${r.concurrency || 'default (4)'}, polls included (rolling, 100 ms tick)`,
        unit: 'req',
        value: perApp,
        goal: '≤ 10',
        met: perApp <= 10,
        samples: 1,
        raw: [r.requests, r.restaged],
      })
    }
    const rssFigure = (id: string, label: string, kb: number[]): Figure => {
      const peak = Math.max(...kb.filter(Number.isFinite))
      return {section: 'restage-all', id, label, unit: 'KB', value: peak, goal: '≤ 200 MB', met: peak <= 200 * 1024, samples: kb.length, raw: kb}
    }
    const all = runs.find((r) => r.concurrency === 20)!
    figures.push(
      rssFigure(
        'peak-rss-discovery',
        'peak RSS of cfzd: dry run over 10,000 apps (largest of the runs)',
        dry.map((d) => d.rss ?? NaN),
      ),
    )
    figures.push(
      rssFigure(
        'peak-rss-restage',
        `peak RSS of cfzd: restaging ${all.restaged} apps at concurrency 20${all.spaces >= ORGS * SPACES_PER_ORG ? ' (all)' : ''}`,
        [all.maxRssKb ?? NaN],
      ),
    )
  } finally {
    await site.stop()
  }
  return figures
}
