/**
 * 2b. Completion lag on short deployments: `cfzd restart app --max-in-flight 1` on 1, 2, 4 and 10
 * instances, with a 1 s and a 5 s updater tick (2 s instance start-up), each beside the cf CLI's
 * fixed 3 s poll (bench/cf-poller.mjs) on its own foundation. Goal: a median lag of 0.3 s or
 * less at 1 request/s or less while waiting, at every length.
 *
 * The updater's tick belongs to the foundation, and cfzd keeps what it learned beside the cf
 * config: each cfzd site first rolls a 10-instance `warm` app once (as any earlier deployment on
 * that foundation would), then the measured app. The cf poller has nothing to remember.
 */
import {describeFailure, type Run} from '../lib/proc.js'
import {runCfPoller, startSite, type Site} from '../lib/site.js'
import {median, ratio, sleep} from '../lib/stats.js'
import type {Figure, SectionContext} from '../types.js'

const STARTUP_MS = 2000
export const SHORT_CASES = [
  {instances: 1, tickMs: 1000},
  {instances: 2, tickMs: 1000},
  {instances: 4, tickMs: 1000},
  {instances: 10, tickMs: 1000},
  {instances: 1, tickMs: 5000},
  {instances: 2, tickMs: 5000},
  {instances: 4, tickMs: 5000},
  {instances: 10, tickMs: 5000},
] as const

interface ShortRun {
  who: 'cfzd' | 'cf'
  instances: number
  tickMs: number
  lagMs: number
  waitMs: number
  reqPerSec: number
}

async function measure(site: Site, who: 'cfzd' | 'cf', app: string, instances: number, tickMs: number): Promise<ShortRun> {
  let r: Run
  if (who === 'cf') {
    r = await runCfPoller(site, app)
  } else {
    r = await site.cli(['restart', app, '--max-in-flight', '1'])
    if (r.code !== 0) throw describeFailure(`cfzd restart ${app}`, r)
  }
  const all = site.requests(r.startedAt, r.endedAt)
  const post = all.find((q) => q.method === 'POST' && q.path.startsWith('/v3/deployments'))
  const deployed = site.foundation.deploymentEvents.find((e) => e.appName === app && e.value === 'FINALIZED' && e.reason === 'DEPLOYED' && e.at >= r.startedAt)
  if (!post || !deployed) throw new Error(`${who} ${app}: no deployment or no DEPLOYED event`)
  const waiting = all.filter((q) => q.at > post.at && q.at <= deployed.at)
  const waitMs = deployed.at - post.at
  return {who, instances, tickMs, lagMs: r.endedAt - deployed.at, waitMs, reqPerSec: waiting.length / (waitMs / 1000)}
}

export async function shortDeployments(ctx: SectionContext): Promise<Figure[]> {
  // Five cfzd runs per case (medians of three were too noisy), the cf poller's twice: its lag is
  // set by its fixed 3 s interval, and every site more loads the shared machine.
  const perCase = ctx.quick ? 2 : 5
  const plan: {who: 'cfzd' | 'cf'; instances: number; tickMs: number}[] = []
  for (const c of SHORT_CASES) {
    for (let i = 0; i < perCase; i++) plan.push({who: 'cfzd', ...c})
    for (let i = 0; i < (ctx.quick ? 1 : 2); i++) plan.push({who: 'cf', ...c})
  }
  const runs: ShortRun[] = []
  // In two waves (1 s tick, then 5 s), so a loaded 2-CPU machine keeps up with the ticks.
  for (const tickMs of [1000, 5000]) {
    const wave = plan.filter((p) => p.tickMs === tickMs)
    ctx.progress(`short deployments: ${wave.length} runs side by side (tick ${tickMs / 1000} s)`)
    let done = 0
    const results = await Promise.all(
      wave.map(async (p, k) => {
        await sleep((k * tickMs) / wave.length + Math.random() * 300)
        const site = await startSite({
          seed: {
            orgs: [
              {
                name: 'bench',
                spaces: [
                  {
                    name: 'dev',
                    apps: [
                      {name: 'app', instances: p.instances, memory: '64M', buildpacks: ['nodejs_buildpack']},
                      ...(p.who === 'cfzd' ? [{name: 'warm', instances: 10, memory: '64M', buildpacks: ['nodejs_buildpack']}] : []),
                    ],
                  },
                ],
              },
            ],
          },
          org: 'bench',
          space: 'dev',
          tickMs,
          startupMs: STARTUP_MS,
        })
        try {
          await sleep(STARTUP_MS + 500)
          if (p.who === 'cfzd') {
            const w = await site.cli(['restart', 'warm', '--max-in-flight', '1'])
            if (w.code !== 0) throw describeFailure('cfzd restart warm', w)
          }
          // At a random point of the tick.
          await sleep(Math.random() * tickMs)
          const r = await measure(site, p.who, 'app', p.instances, tickMs)
          ctx.progress(
            `short deployments: ${++done}/${wave.length} (${p.who} ${p.instances}×, tick ${tickMs / 1000} s: lag ${r.lagMs} ms, ${r.reqPerSec.toFixed(2)} req/s)`,
          )
          return r
        } finally {
          await site.stop()
        }
      }),
    )
    runs.push(...results)
  }
  return shortFigures(runs)
}

export function shortFigures(runs: ShortRun[]): Figure[] {
  const figs: Figure[] = []
  for (const c of SHORT_CASES) {
    const of = (who: string) => runs.filter((r) => r.who === who && r.instances === c.instances && r.tickMs === c.tickMs)
    const mine = of('cfzd')
    const cf = of('cf')
    if (mine.length === 0) continue
    const lag = median(mine.map((r) => r.lagMs))
    const rps = median(mine.map((r) => r.reqPerSec))
    const cfLag = median(cf.map((r) => r.lagMs))
    const cfRps = median(cf.map((r) => r.reqPerSec))
    const label = `${c.instances} instance${c.instances > 1 ? 's' : ''}, tick ${c.tickMs / 1000} s`
    figs.push({
      section: 'lag',
      id: `short-lag-${c.instances}-${c.tickMs}`,
      label: `short deployment: completion lag (${label})`,
      unit: 'ms',
      value: lag,
      baselineLabel: 'cf CLI 3 s poll',
      baseline: cfLag,
      ratio: ratio(lag, cfLag),
      goal: '≤ 300 ms at ≤ 1 req/s',
      met: lag <= 300 && rps <= 1,
      samples: mine.length,
      raw: mine.map((r) => r.lagMs),
      extra: {baselineRaw: cf.map((r) => r.lagMs), waitMs: median(mine.map((r) => r.waitMs))},
    })
    figs.push({
      section: 'lag',
      id: `short-rps-${c.instances}-${c.tickMs}`,
      label: `short deployment: requests/s while waiting (${label}); lag × rate ${((lag / 1000) * rps).toFixed(2)} (cf ${((cfLag / 1000) * cfRps).toFixed(2)})`,
      unit: 'req/s',
      value: rps,
      baselineLabel: 'cf CLI 3 s poll',
      baseline: cfRps,
      ratio: ratio(rps, cfRps),
      samples: mine.length,
      raw: mine.map((r) => r.reqPerSec),
      extra: {baselineRaw: cf.map((r) => r.reqPerSec), lagTimesRate: (lag / 1000) * rps, baselineLagTimesRate: (cfLag / 1000) * cfRps},
    })
  }
  return figs
}
