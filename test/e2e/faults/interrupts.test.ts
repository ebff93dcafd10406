/**
 * Fault injection: Ctrl-C (SIGINT) at three points of each strategy, then the same command again.
 * The interrupted run stops in a consistent state (rolling and canary cancel, blue-green rolls
 * back), exits 130 and says so; the re-run finishes; the old version serves throughout (the CLI's
 * probe on each run, and traffic kept up across both runs, see 0 failed requests).
 *
 *   rolling     staging · the deployment just created · half the new instances routable
 *   canary      staging · the canary instances starting · the smoke test at the pause
 *   blue-green  staging the copy · the copy's instances starting · both versions on the routes
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {expectExit, startE2E, type CliResult, type E2E} from '../../helpers/e2e.js'
import type {Probe} from '../../../src/probe/probe.js'
import {STRATEGIES, appOf, appsFor, dropletOf, expectIntact, namesLike, seedApp, setEnv, type Checker, type Strategy} from './matrix.js'

let e: E2E
let c: Checker

beforeAll(async () => {
  e = await startE2E({seed: {orgs: [{name: 'local', spaces: [{name: 'dev', apps: ['stage', 'start', 'late'].flatMap(appsFor).map((n) => seedApp(n))}]}]}})
  c = {e, space: (await e.capi.spaces.list({names: ['dev']}))[0].guid}
}, 60_000)

afterAll(async () => e?.stop())

/** Run the same scenario for every strategy at once; report every strategy that failed. */
async function matrix(scenario: (s: Strategy) => Promise<void>): Promise<void> {
  const settled = await Promise.allSettled(STRATEGIES.map(scenario))
  const failed = settled.flatMap((r, i) => (r.status === 'rejected' ? [`── ${STRATEGIES[i]} ──\n${(r.reason as Error)?.stack ?? r.reason}`] : []))
  if (failed.length) throw new Error(failed.join('\n\n'))
}

/** The command for a strategy (human output: the progress lines say where it is). */
function command(s: Strategy, app: string, smokeTest = 'true'): string[] {
  const how: Record<Strategy, string[]> = {
    rolling: ['restage', app],
    canary: ['restage', app, '--strategy', 'canary', '--instance-steps', '50', '--smoke-test', smokeTest],
    'blue-green': ['bg-restage', app],
  }
  return [...how[s], '--probe', '--probe-rate', '20']
}

/** The CLI probe's counts, from its report (on stdout after a summary, on stderr after FAILED). */
function probed(r: CliResult): {sent: number; failed: number} {
  const m = /^requests: +(\d+) sent, (\d+) failed/m.exec(r.stdout + r.stderr)
  if (!m) throw new Error(`no probe report\n${r.stdout}\n${r.stderr}`)
  return {sent: Number(m[1]), failed: Number(m[2])}
}

/** What the interrupted run must say it did. */
const stopped: Record<Strategy, RegExp> = {
  rolling: /Canceled deployment \S+: '[\w-]+' is back on droplet/,
  canary: /Canceled deployment \S+: '[\w-]+' is back on droplet/,
  'blue-green': /Rolled back: '[\w-]+' \(.*\) serves as before, the new copy was deleted, and the routes are as they were\./,
}

/**
 * Interrupt one run of each strategy (`at` says when, by strategy), check what it left, run it
 * again to the end; traffic of our own runs across both.
 */
async function interruptThenRerun(
  point: string,
  fault: string,
  o: {
    env?: Record<string, string>
    /** When to press Ctrl-C: once stderr shows `stderr`, and then once `until` holds. */
    at: Record<Strategy, {stderr: RegExp; until?: (name: string, traffic: Probe) => Promise<boolean>}>
    said: (s: Strategy, r: CliResult) => void
    rerunSaid?: (s: Strategy, r: CliResult) => void
    smokeTest?: string
    cliEnv?: NodeJS.ProcessEnv
    /**
     * Hold every build at STAGING (the foundation's stagingHold) from the start until each
     * strategy's re-run has printed this: events decide, not staging times.
     */
    holdStagingUntil?: Record<Strategy, RegExp>
  },
) {
  const hold = o.holdStagingUntil
  let waiting = STRATEGIES.length
  const reached = () => (--waiting === 0 ? e.foundation.setFaults({stagingHold: false}) : undefined)
  if (hold) await e.foundation.setFaults({stagingHold: true})
  try {
    await matrix(async (s) => {
      // Each strategy arrives once: at its marker, or when its scenario ends without reaching it.
      let arrived = false
      const arrive = () => (arrived ? undefined : ((arrived = true), reached()))
      try {
        await scenario(s, hold ? {when: hold[s], then: arrive} : undefined)
      } finally {
        if (hold) await arrive()
      }
    })
  } finally {
    if (hold) await e.foundation.setFaults({stagingHold: false})
  }

  async function scenario(s: Strategy, rerunTrigger?: {when: RegExp; then: () => unknown}) {
    const name = appOf(fault, s)
    const before = await dropletOf(c, name)
    if (o.env) await setEnv(c, name, o.env)
    const traffic = e.traffic(name, {ratePerSec: 20})
    let cli: {kill(sig?: NodeJS.Signals): void} | undefined
    const at = o.at[s]
    const r = await e.cli(command(s, name, o.smokeTest), {
      env: o.cliEnv,
      control: (h) => (cli = h),
      trigger: {when: at.stderr, then: async () => (at.until && (await holds(() => at.until!(name, traffic))), cli!.kill('SIGINT'))},
    })
    if (o.env) await setEnv(c, name, Object.fromEntries(Object.keys(o.env).map((k) => [k, null])))
    expectExit(r, 130)
    expect(r.stderr).toMatch(/Interrupted: stopping in a consistent state/)
    expect(r.stderr).toMatch(/FAILED\n(Interrupted\.|Interrupted)/)
    o.said(s, r)
    expect(probed(r).failed).toBe(0)
    record(point, s, 130, probed(r))
    // consistent right away: no leftovers, nothing in flight, the droplet it had (checked in full after the re-run)
    const app = await e.capi.apps.findByName(c.space, name)
    expect(await namesLike(c, name)).toEqual([name])
    expect(await e.capi.deployments.activeForApp(app!.guid)).toBeUndefined()
    if (s !== 'blue-green') expect(await dropletOf(c, name)).toBe(before)

    // the same command again, at once (as someone who pressed Ctrl-C would)
    const again = await e.cli(command(s, name), {trigger: rerunTrigger})
    expectExit(again, 0)
    expect(again.stdout).toMatch(/^OK$/m)
    o.rerunSaid?.(s, again)
    expect(probed(again).failed).toBe(0)
    record(`${point}, re-run`, s, 0, probed(again))
    const report = await traffic.stop()
    expect(report.failed).toBe(0)
    await expectIntact(c, name)
  }
}

/** Read `test` every 20 ms until it holds (at most 20 s): the moment to act is an observed state. */
async function holds(test: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 20_000
  while (!(await test().catch(() => false))) {
    if (Date.now() > end) throw new Error('the state to interrupt in never came')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The states of the instances being started: the deployment's new process, or (blue-green) the new app's web process. */
async function newInstanceStates(s: Strategy, name: string): Promise<string[]> {
  const app = await e.capi.apps.findByName(c.space, name)
  if (!app) return []
  let guid: string | undefined
  if (s === 'blue-green') guid = app.name === name ? (await e.capi.processes.getForApp(app.guid, 'web')).guid : undefined
  else guid = (await e.capi.deployments.activeForApp(app.guid))?.new_processes[0]?.guid
  return guid ? (await e.capi.processes.stats(guid)).map((x) => (x.state === 'RUNNING' && x.routable !== false ? 'ROUTABLE' : x.state)) : []
}

const seen: {fault: string; strategy: Strategy; exit: number; sent: number; failed: number}[] = []
function record(fault: string, strategy: Strategy, exit: number, p: {sent: number; failed: number}) {
  seen.push({fault, strategy, exit, ...p})
}
afterAll(() => {
  const lines = seen.map(
    (x) => `  ${`7 SIGINT ${x.fault}`.padEnd(46)} ${x.strategy.padEnd(11)} exit ${String(x.exit).padEnd(4)} probe ${x.failed}/${x.sent} failed`,
  )
  if (lines.length) process.stderr.write(`fault matrix (SIGINT, then the same command again):\n${lines.join('\n')}\n`)
})

/** Each case runs three strategies twice (interrupted, then again) against one foundation. */
const RERUN_TIMEOUT_MS = 180_000

describe('7. SIGINT at three points of each strategy, then a re-run', () => {
  it(
    'while staging: nothing deployed (the build finishes on its own and the re-run uses it); blue-green rolls back',
    () =>
      interruptThenRerun('while staging', 'stage', {
        // builds stay STAGING until every re-run has reached the build: the re-run always starts
        // while the interrupted run's build still stages
        at: {
          rolling: {stderr: /❯ Stage newest package/},
          canary: {stderr: /❯ Stage newest package/},
          'blue-green': {stderr: /❯ Stage\n/},
        },
        holdStagingUntil: {
          rolling: /was already staging: waiting for it/,
          canary: /was already staging: waiting for it/,
          'blue-green': /❯ Stage\n/,
        },
        said: (s, r) => {
          if (s === 'blue-green') expect(r.stderr).toMatch(stopped[s])
          else {
            expect(r.stderr).toMatch(
              /Nothing was deployed: the app still runs its previous droplet\.\nBuild \S+ was still staging on '[\w-]+'; it finishes on its own and is not deployed \(running this again picks it up\)\./,
            )
          }
        },
        // one build at a time per app: the re-run waits for the interrupted run's build of the same package
        rerunSaid: (s, r) => s !== 'blue-green' && expect(r.stderr).toMatch(/› build \S+ of the same package was already staging: waiting for it/),
      }),
    RERUN_TIMEOUT_MS,
  )

  it(
    'while the new instances start: rolling and canary cancel the deployment, blue-green rolls back',
    () =>
      interruptThenRerun('while new instances start', 'start', {
        env: {CFZD_LOCAL_STARTUP_TIME: '1s'},
        at: {
          // rolling (max-in-flight 1, 2 instances): once the first new instance is routable
          rolling: {stderr: /❯ Start new instances/, until: async (name) => (await newInstanceStates('rolling', name)).includes('ROUTABLE')},
          // canary and blue-green: while a new instance is still starting
          canary: {stderr: /❯ Start canary instances/, until: async (name) => (await newInstanceStates('canary', name)).includes('STARTING')},
          'blue-green': {stderr: /❯ Start new instances/, until: async (name) => (await newInstanceStates('blue-green', name)).includes('STARTING')},
        },
        said: (s, r) => expect(r.stderr).toMatch(stopped[s]),
      }),
    RERUN_TIMEOUT_MS,
  )

  it(
    'late: canary during the smoke test at its pause (cancel, not continue); blue-green while both versions serve (routes restored)',
    () =>
      interruptThenRerun('late', 'late', {
        smokeTest: 'sleep 3; true',
        cliEnv: {CFZD_ROUTE_SETTLE: '4s'},
        at: {
          rolling: {stderr: /✔ Create rolling deployment/},
          // during the smoke test (it sleeps 3 s)
          canary: {stderr: /❯ Smoke-test and promote the canary/},
          // once our traffic has been served by both versions
          'blue-green': {stderr: /both versions serve/, until: async (_name, traffic) => traffic.report().droplets.length >= 2},
        },
        said: (s, r) => {
          expect(r.stderr).toMatch(stopped[s])
          if (s === 'blue-green') expect(r.stderr).toMatch(/✔ Restore routes to the old app/)
          if (s === 'canary') expect(r.stderr).not.toMatch(/Smoke tests passed/)
        },
      }),
    RERUN_TIMEOUT_MS,
  )
})
