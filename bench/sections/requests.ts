/**
 * 3. API requests per operation, counted from the local foundation's request log (API requests
 * only: UAA token requests are listed apart), each operation on its own site with the production
 * tick (5 s), a 2 s start-up and 3 s staging, on a 2-instance app. Shown beside the call sequence
 * the cf CLI documents for the same operation (cloudfoundry/cli: command/v7/shared/app_stager.go,
 * actor/v7action/application.go), which polls on a fixed 3 s interval, the first poll 1 ms after
 * each POST: for restart and restage that sequence is run (bench/cf-poller.mjs) on sites of its
 * own and its requests counted the same way; for push it is estimated.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describeFailure, ROOT, type Run} from '../lib/proc.js'
import {runCfPoller, seedApps, startSite} from '../lib/site.js'
import {median, sleep} from '../lib/stats.js'
import type {Figure, SectionContext} from '../types.js'
import {STARTUP_MS, TICK_MS} from './deployments.js'

interface Op {
  id: string
  args: (dir: string) => string[]
  /** The cf CLI's documented sequence: calls made once, and what it polls. */
  cf: {fixed?: number; polls?: string; source: string; text: string}
  /** The cf CLI's sequence is run (bench/cf-poller.mjs) on a site of its own, rather than estimated. */
  cfRun?: {restage: boolean}
}

const A4 = 'cloudfoundry/cli: command/v7/shared/app_stager.go, actor/v7action/deployment.go'
const BG = 'the cf bg-restage plugin (cf-plugin-bg-restage): its command sequence'

export const OPS: Op[] = [
  {
    id: 'restart',
    args: () => ['restart', 'web'],
    cfRun: {restage: false},
    cf: {
      fixed: 7,
      polls: 'GET deployment every 3 s',
      source: A4,
      text: 'apps?names, packages (newest), its STAGED droplets, POST deployments, [poll], processes, stats ×1/process, active-deployment lookup (+ the rest of the app summary)',
    },
  },
  {
    id: 'restage',
    args: () => ['restage', 'web'],
    cfRun: {restage: true},
    cf: {
      fixed: 7,
      polls: 'GET build and then GET deployment every 3 s',
      source: A4,
      text: 'apps?names, packages?states=READY, POST builds, [poll build], POST deployments, [poll], processes, stats ×1/process, active-deployment lookup (+ summary)',
    },
  },
  {
    id: 'bg-restart',
    args: () => ['bg-restart', 'web'],
    cf: {
      source: BG,
      text: 'not documented as API calls: 11 cf commands (create-app-manifest, droplet download, rename, push --no-start, app --guid ×2, copy_bits + job polls every 0.5 s, push --droplet, start, delete, apps)',
    },
  },
  {
    id: 'bg-restage',
    args: () => ['bg-restage', 'web'],
    cf: {
      source: BG,
      text: 'not documented as API calls: 9 cf commands (create-app-manifest, rename, push --no-start, app --guid ×2, copy_bits + job polls every 0.5 s, start (stages), delete, apps)',
    },
  },
  {
    id: 'push',
    args: (dir) => ['push', 'web', '-p', dir, '--strategy', 'rolling'],
    cf: {
      fixed: 15,
      polls: 'GET job, package, build (each ≥1), then GET deployment every 3 s',
      source: A4,
      text: 'apps?names, manifest_diff, apply_manifest, [job], resource_matches, POST packages, upload, [package], POST builds, [build], GET droplet, POST deployments, [poll], processes, stats ×1/process, summary lookup',
    },
  },
]

/**
 * Each operation twice over: cold, on a foundation cfzd has never seen, and warm, its second run
 * there (the first one, not counted, learned the updater's tick and the app's staging time, as
 * any earlier run on that foundation would). Each case runs on its own site. Beside the cold
 * runs, the cf CLI's sequence for restart and restage runs on sites of its own (it learns
 * nothing, so it is the baseline of both the cold and the warm figure).
 */
export async function requestsPerOp(ctx: SectionContext): Promise<Figure[]> {
  const runs = ctx.quick ? 1 : 3
  // App bits for push: the hello fixture without its manifest (the app and flags come from the command line).
  const bits = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-bench-bits-'))
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'apps', 'hello'), bits, {recursive: true})
  fs.rmSync(path.join(bits, 'manifest.yml'), {force: true})
  const results: OpRun[] = []
  try {
    // In two waves, so a loaded 2-CPU machine keeps up with the ticks.
    for (const warm of [false, true]) {
      const ops = warm ? OPS.filter((op) => op.cf.fixed !== undefined) : OPS
      const plan = [
        ...ops.flatMap((op) => Array.from({length: runs}, () => ({op, who: 'cfzd' as const}))),
        ...(warm ? [] : OPS.filter((op) => op.cfRun).flatMap((op) => Array.from({length: runs}, () => ({op, who: 'cf' as const})))),
      ]
      const stagger = TICK_MS / plan.length
      let done = 0
      const kind = warm ? 'warm' : 'cold'
      ctx.progress(`requests (${kind}): ${plan.length} operations side by side (${runs} of each)`)
      results.push(
        ...(await Promise.all(
          plan.map(async ({op, who}, k) => {
            await sleep(k * stagger)
            const r = await runOp(op, who, bits, warm)
            ctx.progress(`requests (${kind}): ${++done}/${plan.length} (${who} ${op.id}: ${r.api} requests)`)
            return r
          }),
        )),
      )
    }
  } finally {
    fs.rmSync(bits, {recursive: true, force: true})
  }
  return [...OPS.map((op) => figureFor(op, results, false)), ...OPS.filter((op) => op.cf.fixed !== undefined).map((op) => figureFor(op, results, true))]
}

interface OpRun {
  op: string
  who: 'cfzd' | 'cf'
  warm: boolean
  api: number
  uaa: number
  polls: number
  wallMs: number
  paths: string[]
}

async function runOp(op: Op, who: 'cfzd' | 'cf', bits: string, warm: boolean): Promise<OpRun> {
  const site = await startSite({
    seed: seedApps('bench', 'dev', [{name: 'web', instances: 2}]),
    org: 'bench',
    space: 'dev',
    tickMs: TICK_MS,
    startupMs: STARTUP_MS,
    stagingMs: 3000,
  })
  try {
    if (warm) {
      const w = await site.cli(op.args(bits))
      if (w.code !== 0) throw describeFailure(`cfzd ${op.id} (warm-up)`, w)
    }
    await sleep(Math.random() * TICK_MS)
    site.foundation.clearRequestLog()
    let r: Run
    if (who === 'cf') r = await runCfPoller(site, 'web', {restage: op.cfRun?.restage})
    else {
      r = await site.cli(op.args(bits))
      if (r.code !== 0) throw describeFailure(`cfzd ${op.id}`, r)
    }
    const log = site.foundation.requestLog.filter((q) => q.at >= r.startedAt && q.at <= r.endedAt)
    const api = log.filter((q) => q.kind === 'api')
    // Polls: repeated GETs of the same resource.
    const seen = new Map<string, number>()
    for (const q of api) if (q.method === 'GET') seen.set(q.path, (seen.get(q.path) ?? 0) + 1)
    const polls = [...seen.values()].reduce((n, c) => n + c - 1, 0)
    return {
      op: op.id,
      who,
      warm,
      api: api.length,
      uaa: log.filter((q) => q.kind === 'uaa').length,
      polls,
      wallMs: r.wallMs,
      paths: api.map((q) => `${q.method} ${q.path}`),
    }
  } finally {
    await site.stop()
  }
}

function figureFor(op: Op, results: OpRun[], warm: boolean): Figure {
  const mine = results.filter((r) => r.op === op.id && r.who === 'cfzd' && r.warm === warm)
  const cf = results.filter((r) => r.op === op.id && r.who === 'cf')
  const wall = median(mine.map((r) => r.wallMs))
  const value = median(mine.map((r) => r.api))
  // The cf CLI's count: run (cf-poller.mjs), or else estimated at the same duration as its fixed
  // calls plus one poll per 3 s.
  const cfEstimate = cf.length > 0 ? median(cf.map((r) => r.api)) : op.cf.fixed !== undefined ? op.cf.fixed + Math.ceil(wall / 3000) : undefined
  return {
    section: 'requests',
    id: `requests-${op.id}${warm ? '-warm' : ''}`,
    label: `API requests: cfzd ${op.id}${warm ? ' (its second run on this foundation)' : ' (first run on this foundation)'}`,
    unit: 'req',
    value,
    ...(cfEstimate !== undefined
      ? {
          baselineLabel:
            cf.length > 0
              ? "cf CLI's documented sequence, run: first poll 1 ms after each POST, then every 3 s"
              : 'cf CLI documented: fixed calls + 1 poll / 3 s at the same duration',
          baseline: cfEstimate,
          ratio: value / cfEstimate,
          ...(op.id === 'restage' ? {goal: '≤ 1.2× the cf CLI', met: value / cfEstimate <= 1.2} : {}),
        }
      : {}),
    samples: mine.length,
    raw: mine.map((r) => r.api),
    extra: {
      polls: median(mine.map((r) => r.polls)),
      uaa: median(mine.map((r) => r.uaa)),
      wallMs: wall,
      cf: op.cf,
      ...(cf.length > 0 ? {cfRaw: cf.map((r) => r.api), cfWallMs: median(cf.map((r) => r.wallMs)), cfSequence: cf[0]?.paths} : {}),
      sequence: mine[0]?.paths,
    },
  } satisfies Figure
}
