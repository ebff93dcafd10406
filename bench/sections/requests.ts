/**
 * 3. API requests per operation, counted from the local foundation's request log (API requests
 * only: UAA token requests are listed apart), each operation on its own site with the production
 * tick (5 s), a 2 s start-up and 3 s staging, on a 2-instance app. Shown beside the call sequence
 * the cf CLI documents for the same operation (cloudfoundry/cli: command/v7/shared/app_stager.go,
 * actor/v7action/application.go), which polls on a fixed 3 s interval.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describeFailure, ROOT} from '../lib/proc.js'
import {seedApps, startSite} from '../lib/site.js'
import {median, sleep} from '../lib/stats.js'
import type {Figure, SectionContext} from '../types.js'
import {STARTUP_MS, TICK_MS} from './deployments.js'

interface Op {
  id: string
  args: (dir: string) => string[]
  /** The cf CLI's documented sequence: calls made once, and what it polls. */
  cf: {fixed?: number; polls?: string; source: string; text: string}
}

const A4 = 'cloudfoundry/cli: command/v7/shared/app_stager.go, actor/v7action/deployment.go'
const BG = 'the cf bg-restage plugin (cf-plugin-bg-restage): its command sequence'

export const OPS: Op[] = [
  {
    id: 'restart',
    args: () => ['restart', 'web'],
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

export async function requestsPerOp(ctx: SectionContext): Promise<Figure[]> {
  const runs = ctx.quick ? 1 : 3
  // App bits for push: the hello fixture without its manifest (the app and flags come from the command line).
  const bits = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-bench-bits-'))
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'apps', 'hello'), bits, {recursive: true})
  fs.rmSync(path.join(bits, 'manifest.yml'), {force: true})
  const plan = OPS.flatMap((op) => Array.from({length: runs}, () => op))
  const stagger = TICK_MS / plan.length
  let done = 0
  ctx.progress(`requests: ${plan.length} operations side by side (${runs} of each)`)
  try {
    const results = await Promise.all(
      plan.map(async (op, k) => {
        await sleep(k * stagger)
        const site = await startSite({
          seed: seedApps('bench', 'dev', [{name: 'web', instances: 2}]),
          org: 'bench',
          space: 'dev',
          tickMs: TICK_MS,
          startupMs: STARTUP_MS,
          stagingMs: 3000,
        })
        try {
          await sleep(Math.random() * TICK_MS)
          site.foundation.clearRequestLog()
          const r = await site.cli(op.args(bits))
          if (r.code !== 0) throw describeFailure(`cfzd ${op.id}`, r)
          const log = site.foundation.requestLog.filter((q) => q.at >= r.startedAt && q.at <= r.endedAt)
          const api = log.filter((q) => q.kind === 'api')
          // Polls: repeated GETs of the same resource.
          const seen = new Map<string, number>()
          for (const q of api) if (q.method === 'GET') seen.set(q.path, (seen.get(q.path) ?? 0) + 1)
          const polls = [...seen.values()].reduce((n, c) => n + c - 1, 0)
          ctx.progress(`requests: ${++done}/${plan.length} (${op.id}: ${api.length} requests)`)
          return {
            op: op.id,
            api: api.length,
            uaa: log.filter((q) => q.kind === 'uaa').length,
            polls,
            wallMs: r.wallMs,
            paths: api.map((q) => `${q.method} ${q.path}`),
          }
        } finally {
          await site.stop()
        }
      }),
    )
    return OPS.map((op) => {
      const mine = results.filter((r) => r.op === op.id)
      const wall = median(mine.map((r) => r.wallMs))
      // The cf CLI's count at the same duration: its fixed calls plus one deployment (or build) poll per 3 s.
      const cfEstimate = op.cf.fixed !== undefined ? op.cf.fixed + Math.ceil(wall / 3000) : undefined
      return {
        section: 'requests',
        id: `requests-${op.id}`,
        label: `API requests: cfzd ${op.id}`,
        unit: 'req',
        value: median(mine.map((r) => r.api)),
        ...(cfEstimate !== undefined
          ? {
              baselineLabel: 'cf CLI documented: fixed calls + 1 poll / 3 s at the same duration',
              baseline: cfEstimate,
              ratio: median(mine.map((r) => r.api)) / cfEstimate,
            }
          : {}),
        samples: mine.length,
        raw: mine.map((r) => r.api),
        extra: {
          polls: median(mine.map((r) => r.polls)),
          uaa: median(mine.map((r) => r.uaa)),
          wallMs: wall,
          cf: op.cf,
          sequence: mine[0]?.paths,
        },
      } satisfies Figure
    })
  } finally {
    fs.rmSync(bits, {recursive: true, force: true})
  }
}
