/**
 * 1. Start-up: `cfzd --version`, `cfzd restart --help`, and the time from spawn to the first API
 * request of `cfzd apps`, each against `node -e 0` measured in the same rounds (interleaved, so
 * a busy moment on the machine hits every command alike). Output goes to a pipe, as in scripts
 * and CI, so `--help` is the page rendered at build time; the same page at 100 columns (as in a
 * terminal: rendered at run time by oclif's Help class) and the oclif path (CFZD_FAST_PATH=0)
 * are measured too, to show what each part of the fast path saves.
 */
import {median, ratio} from '../lib/stats.js'
import {cfzd, describeFailure, run} from '../lib/proc.js'
import {seedApps, startSite} from '../lib/site.js'
import type {Figure, SectionContext} from '../types.js'

export async function startup(ctx: SectionContext): Promise<Figure[]> {
  const rounds = ctx.quick ? 7 : 21
  const site = await startSite({
    seed: seedApps('bench', 'dev', [
      {name: 'app-a', instances: 1},
      {name: 'app-b', instances: 2},
    ]),
    org: 'bench',
    space: 'dev',
    tickMs: 5000,
  })
  const t = {
    node: [] as number[],
    version: [] as number[],
    help: [] as number[],
    helpRuntime: [] as number[],
    versionOclif: [] as number[],
    helpOclif: [] as number[],
    appsFirst: [] as number[],
    appsWall: [] as number[],
  }
  try {
    const env = site.env
    const noFast = {...env, CFZD_FAST_PATH: '0'}
    // One warm-up round (file cache), not counted.
    for (let i = -1; i < rounds; i++) {
      ctx.progress(`start-up round ${i + 1}/${rounds}`)
      const node = await run(process.execPath, ['-e', '0'], {env})
      const version = await cfzd(['--version'], {env})
      const help = await cfzd(['restart', '--help'], {env})
      const helpRuntime = await cfzd(['restart', '--help'], {env: {...env, OCLIF_COLUMNS: '100'}})
      const versionOclif = await cfzd(['--version'], {env: noFast})
      const helpOclif = await cfzd(['restart', '--help'], {env: noFast})
      site.foundation.clearRequestLog()
      const apps = await cfzd(['apps'], {env})
      for (const [name, r] of Object.entries({version, help, helpRuntime, versionOclif, helpOclif, apps}))
        if (r.code !== 0) throw describeFailure(`cfzd ${name}`, r)
      if (!/^cfzd\//.test(version.stdout) || !help.stdout.includes('USAGE')) throw new Error('unexpected --version/--help output')
      const first = site.foundation.requestLog.find((r) => r.at >= apps.startedAt)
      if (!first) throw new Error('cfzd apps made no request')
      if (i < 0) continue
      t.node.push(node.wallMs)
      t.version.push(version.wallMs)
      t.help.push(help.wallMs)
      t.helpRuntime.push(helpRuntime.wallMs)
      t.versionOclif.push(versionOclif.wallMs)
      t.helpOclif.push(helpOclif.wallMs)
      // The log has ms timestamps on the same clock as startedAt.
      t.appsFirst.push(first.at - apps.startedAt)
      t.appsWall.push(apps.wallMs)
    }
  } finally {
    await site.stop()
  }
  const base = median(t.node)
  const fig = (id: string, label: string, xs: number[], goal?: number): Figure => ({
    section: 'startup',
    id,
    label,
    unit: 'ms',
    value: median(xs),
    baselineLabel: 'node -e 0',
    baseline: base,
    ratio: ratio(median(xs), base),
    ...(goal !== undefined ? {goal: `≤ ${goal}× node -e 0`, met: ratio(median(xs), base) <= goal} : {}),
    samples: xs.length,
    raw: xs,
  })
  return [
    fig('version', 'cfzd --version', t.version, 1.5),
    fig('help', 'cfzd restart --help', t.help, 1.5),
    fig('help-runtime', 'cfzd restart --help at 100 columns (rendered at run time)', t.helpRuntime),
    fig('version-oclif', 'cfzd --version through oclif (CFZD_FAST_PATH=0)', t.versionOclif),
    fig('help-oclif', 'cfzd restart --help through oclif (CFZD_FAST_PATH=0)', t.helpOclif),
    fig('apps-first-request', 'cfzd apps: spawn → first API request', t.appsFirst),
    fig('apps-wall', 'cfzd apps: spawn → exit (2 apps)', t.appsWall),
    {section: 'startup', id: 'node', label: 'node -e 0 (baseline)', unit: 'ms', value: base, samples: t.node.length, raw: t.node},
  ]
}
