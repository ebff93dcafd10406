/**
 * 2. Completion lag and 5. blue-green against rolling. Every run gets its own site (foundation
 * + CF_HOME), all with the production updater tick (5 s) and a 2 s instance start-up, started a
 * fraction of a tick apart and run side by side, so a full set takes about one long deployment.
 *
 * - rolling big: `cfzd restart big --max-in-flight 1`, 10 instances (about 11 ticks: long enough
 *   for cfzd to learn the tick and poll just after it);
 * - cf big: the same deployment through bench/cf-poller.mjs (the cf CLI's fixed 3 s poll);
 * - rolling small / cf small: a 1-instance app, over in about 2 ticks, too short to learn the
 *   tick (cfzd polls about once a second then);
 * - bg big: `cfzd bg-restart big`, same app, tick and start-up delay.
 *
 * Completion lag: from the foundation's DEPLOYED event to the process's exit. Requests per second
 * while waiting: API requests logged after the POST /v3/deployments up to DEPLOYED, over that time.
 */
import {describeFailure, type Run} from '../lib/proc.js'
import {runCfPoller, seedApps, startSite, type Site} from '../lib/site.js'
import {median, ratio, sleep} from '../lib/stats.js'
import type {Figure, SectionContext} from '../types.js'

export const TICK_MS = 5000
export const STARTUP_MS = 2000
const BIG = 10
const SMALL = 1

type Kind = 'rolling-big' | 'cf-big' | 'rolling-small' | 'cf-small' | 'bg-big'

export interface DeployRun {
  kind: Kind
  wallMs: number
  /** DEPLOYED (FINALIZED/DEPLOYED event) → process exit. */
  lagMs?: number
  /** POST /v3/deployments → DEPLOYED. */
  waitMs?: number
  waitRequests?: number
  reqPerSec?: number
  totalRequests: number
}

async function runOne(kind: Kind, site: Site): Promise<DeployRun> {
  const app = kind.endsWith('big') ? 'big' : 'small'
  let r: Run
  if (kind.startsWith('cf-')) {
    r = await runCfPoller(site, app)
  } else {
    r = await site.cli(kind === 'bg-big' ? ['bg-restart', app] : ['restart', app, '--max-in-flight', '1'])
    if (r.code !== 0) throw describeFailure(`cfzd ${kind}`, r)
  }
  const all = site.requests(r.startedAt, r.endedAt)
  const out: DeployRun = {kind, wallMs: r.wallMs, totalRequests: all.length}
  if (kind === 'bg-big') return out
  const post = all.find((q) => q.method === 'POST' && q.path.startsWith('/v3/deployments'))
  const deployed = site.foundation.deploymentEvents.find((e) => e.appName === app && e.value === 'FINALIZED' && e.reason === 'DEPLOYED' && e.at >= r.startedAt)
  if (!post || !deployed) throw new Error(`${kind}: no deployment or no DEPLOYED event`)
  const waiting = all.filter((q) => q.at > post.at && q.at <= deployed.at)
  out.lagMs = r.endedAt - deployed.at
  out.waitMs = deployed.at - post.at
  out.waitRequests = waiting.length
  out.reqPerSec = waiting.length / (out.waitMs / 1000)
  return out
}

export async function runDeployments(ctx: SectionContext, kinds: Kind[], perKind: number): Promise<DeployRun[]> {
  const plan: Kind[] = []
  for (let i = 0; i < perKind; i++) plan.push(...kinds)
  const stagger = TICK_MS / plan.length
  let done = 0
  ctx.progress(`deployments: ${plan.length} runs side by side (${kinds.join(', ')}; ${perKind} each; tick ${TICK_MS / 1000} s)`)
  // Sites started a fraction of a tick apart, so their updaters tick at different moments.
  const started = await Promise.allSettled(
    plan.map(async (kind, k) => {
      await sleep(k * stagger)
      const big = kind.endsWith('big')
      return startSite({
        seed: seedApps('bench', 'dev', [{name: big ? 'big' : 'small', instances: big ? BIG : SMALL}]),
        org: 'bench',
        space: 'dev',
        tickMs: TICK_MS,
        startupMs: STARTUP_MS,
      })
    }),
  )
  const sites = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  try {
    const failed = started.find((s) => s.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
    // Then the runs, also spread out (and at a random point of their site's tick).
    return await Promise.all(
      plan.map(async (kind, k) => {
        await sleep(k * stagger + Math.random() * TICK_MS)
        const r = await runOne(kind, sites[k])
        ctx.progress(`deployments: ${++done}/${plan.length} done (${kind}: ${(r.wallMs / 1000).toFixed(1)} s)`)
        return r
      }),
    )
  } finally {
    await Promise.all(sites.map((s) => s.stop()))
  }
}

export function lagFigures(runs: DeployRun[]): Figure[] {
  const of = (k: Kind) => runs.filter((r) => r.kind === k)
  const figs: Figure[] = []
  for (const size of ['big', 'small'] as const) {
    const mine = of(`rolling-${size}`)
    const cf = of(`cf-${size}`)
    if (mine.length === 0) continue
    const label = size === 'big' ? `${BIG} instances, max-in-flight 1` : `${SMALL} instance (too short to learn the tick)`
    const lag = median(mine.map((r) => r.lagMs!))
    const cfLag = median(cf.map((r) => r.lagMs!))
    const rps = median(mine.map((r) => r.reqPerSec!))
    const cfRps = median(cf.map((r) => r.reqPerSec!))
    figs.push({
      section: 'lag',
      id: `lag-${size}`,
      label: `completion lag, DEPLOYED → exit (${label})`,
      unit: 'ms',
      value: lag,
      baselineLabel: 'cf CLI 3 s poll',
      baseline: cfLag,
      ratio: ratio(lag, cfLag),
      ...(size === 'big' ? {goal: '≤ 300 ms', met: lag <= 300} : {}),
      samples: mine.length,
      raw: mine.map((r) => r.lagMs!),
      extra: {baselineRaw: cf.map((r) => r.lagMs)},
    })
    figs.push({
      section: 'lag',
      id: `rps-${size}`,
      label: `API requests/s while waiting (${label})`,
      unit: 'req/s',
      value: rps,
      baselineLabel: 'cf CLI 3 s poll',
      baseline: cfRps,
      ratio: ratio(rps, cfRps),
      // The goal is for a deployment long enough to learn the tick; a short one shows the fallback.
      ...(size === 'big' ? {goal: '≤ 1', met: rps <= 1} : {}),
      samples: mine.length,
      raw: mine.map((r) => r.reqPerSec!),
      extra: {
        waitMs: median(mine.map((r) => r.waitMs!)),
        waitRequests: median(mine.map((r) => r.waitRequests!)),
        baselineRaw: cf.map((r) => r.reqPerSec),
        baselineWaitRequests: median(cf.map((r) => r.waitRequests!)),
      },
    })
  }
  return figs
}

export function blueGreenFigures(runs: DeployRun[]): Figure[] {
  const rolling = runs.filter((r) => r.kind === 'rolling-big').map((r) => r.wallMs)
  const bg = runs.filter((r) => r.kind === 'bg-big').map((r) => r.wallMs)
  return [
    {
      section: 'bluegreen',
      id: 'bg-wall',
      label: `bg-restart wall time (${BIG} instances, tick ${TICK_MS / 1000} s, start-up ${STARTUP_MS / 1000} s)`,
      unit: 'ms',
      value: median(bg),
      baselineLabel: 'rolling restart, max-in-flight 1',
      baseline: median(rolling),
      ratio: ratio(median(bg), median(rolling)),
      samples: bg.length,
      raw: bg,
      extra: {baselineRaw: rolling},
    },
  ]
}
