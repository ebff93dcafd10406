/**
 * `npm run bench`: cfzd's benchmarks on the local foundation (loopback only). Every figure is the
 * median of several runs, beside a baseline measured in the same run (these machines are shared
 * and noisy: compare ratios from one run to the next, not raw times). Prints a table and writes
 * bench/results.json. See bench/README.md.
 *
 *   npm run bench                          # every section (a few minutes)
 *   npm run bench -- --quick               # fewer runs per figure
 *   npm run bench -- --only startup,lag    # some sections: startup, first-request, lag, short, requests, restage-all, bluegreen
 *   npm run bench -- --markdown            # also print the table as Markdown (for bench/README.md)
 */
import {execSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {ROOT} from './lib/proc.js'
import {renderMarkdown, renderTable} from './lib/report.js'
import {blueGreenFigures, lagFigures, runDeployments} from './sections/deployments.js'
import {requestsPerOp} from './sections/requests.js'
import {firstRequest} from './sections/first-request.js'
import {restageAll} from './sections/restage-all.js'
import {shortDeployments} from './sections/short.js'
import {startup} from './sections/startup.js'
import type {Figure, SectionContext} from './types.js'

const SECTIONS = ['startup', 'first-request', 'lag', 'short', 'requests', 'restage-all', 'bluegreen'] as const
type Section = (typeof SECTIONS)[number]

function parseArgs(argv: string[]): {quick: boolean; only: Section[]; markdown: boolean} {
  let quick = false
  let markdown = false
  let only: Section[] = [...SECTIONS]
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--quick') quick = true
    else if (a === '--markdown') markdown = true
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]
      const names = (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n))
      if (bad.length > 0 || names.length === 0) throw new Error(`--only takes a comma-separated list of: ${SECTIONS.join(', ')}`)
      only = names as Section[]
    } else if (a === '--help' || a === '-h') {
      console.log('npm run bench [-- --quick] [--only startup,first-request,lag,short,requests,restage-all,bluegreen] [--markdown]')
      process.exit(0)
    } else throw new Error(`unknown argument ${a} (try --help)`)
  }
  return {quick, only, markdown}
}

async function main() {
  const {quick, only, markdown} = parseArgs(process.argv.slice(2))
  if (!fs.existsSync(path.join(ROOT, 'dist', 'startup', 'data.json')))
    throw new Error('dist/ is missing or old: run `npm run build` first (npm run bench does)')
  const t0 = Date.now()
  const ctx: SectionContext = {
    quick,
    progress: (line) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`),
  }
  const figures: Figure[] = []
  const timings: Record<string, number> = {}
  const timed = async (name: string, fn: () => Promise<Figure[]>) => {
    const s = Date.now()
    figures.push(...(await fn()))
    timings[name] = Date.now() - s
  }
  if (only.includes('startup')) await timed('startup', () => startup(ctx))
  if (only.includes('first-request')) await timed('first-request', () => firstRequest(ctx))
  if (only.includes('lag') || only.includes('bluegreen')) {
    const kinds = [
      ...(only.includes('lag') ? (['rolling-big', 'cf-big', 'rolling-small', 'cf-small'] as const) : []),
      ...(only.includes('bluegreen') ? (only.includes('lag') ? (['bg-big'] as const) : (['rolling-big', 'bg-big'] as const)) : []),
    ]
    await timed('deployments', async () => {
      const runs = await runDeployments(ctx, [...kinds], quick ? 3 : 5)
      return [...(only.includes('lag') ? lagFigures(runs) : []), ...(only.includes('bluegreen') ? blueGreenFigures(runs) : [])]
    })
  }
  if (only.includes('short')) await timed('short', () => shortDeployments(ctx))
  if (only.includes('requests')) await timed('requests', () => requestsPerOp(ctx))
  if (only.includes('restage-all')) await timed('restage-all', () => restageAll(ctx))
  // Sections in the order.
  const order = ['startup', 'first-request', 'lag', 'requests', 'restage-all', 'bluegreen']
  figures.sort((a, b) => order.indexOf(a.section) - order.indexOf(b.section))

  let commit = ''
  try {
    commit = execSync('git rev-parse --short HEAD', {cwd: ROOT, encoding: 'utf8'}).trim()
  } catch {}
  const results = {
    date: new Date().toISOString(),
    commit,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadavg: os.loadavg(),
    quick,
    sections: only,
    durationMs: Date.now() - t0,
    sectionMs: timings,
    figures,
  }
  fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n')
  console.log(renderTable(figures))
  if (markdown) console.log(`\n${renderMarkdown(figures)}`)
  console.log(
    `\n${figures.length} figures in ${((Date.now() - t0) / 1000).toFixed(0)} s on ${results.cpus} CPUs (load ${results.loadavg.map((l) => l.toFixed(1)).join(' ')}); bench/results.json written.`,
  )
  for (const f of figures.filter((x) => x.note)) console.log(`- ${f.label}: ${f.note}`)
  const missed = figures.filter((f) => f.met === false)
  if (missed.length > 0) console.log(`Missed: ${missed.map((f) => f.label).join('; ')}`)
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error)
    process.exit(1)
  },
)
