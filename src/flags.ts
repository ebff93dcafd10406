/**
 * Shared flags, spread into commands: `{...strategyFlags, ...timeoutFlags}`.
 * Names follow the cf CLI v8 where it has them.
 */
import {Flags} from '@oclif/core'
import {parseDuration} from './clock.js'
import {STRATEGIES, type StrategyName} from './strategies/names.js'

export {STRATEGIES, type StrategyName}

export const strategyFlag = Flags.custom<StrategyName>({
  description: 'Deployment strategy: rolling (default), canary or blue-green.',
  helpValue: 'rolling|canary|blue-green',
  parse: async (input) => {
    const v = input.trim().toLowerCase()
    if (v === 'bluegreen' || v === 'blue_green') return 'blue-green'
    if ((STRATEGIES as readonly string[]).includes(v)) return v as StrategyName
    throw new Error(`STRATEGY must be "rolling", "canary" or "blue-green" (got "${input}")`)
  },
})

/** "20,40,60" → [20, 40, 60]: integers 1..100 in ascending order, as Cloud Controller requires. */
export function parseInstanceSteps(input: string): number[] {
  const parts = input
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p))) throw new Error('Value for --instance-steps must be a list of weights, for example 20,40,60')
  const steps = parts.map(Number)
  if (steps.some((s) => s < 1 || s > 100)) throw new Error('Each --instance-steps weight must be an integer between 1 and 100')
  for (let i = 1; i < steps.length; i++) if (steps[i] < steps[i - 1]) throw new Error('--instance-steps must be sorted in ascending order')
  return steps
}

export const durationFlag = Flags.custom<number>({
  helpValue: 'DURATION',
  parse: async (input) => parseDuration(input),
})

export const strategyFlags = {
  strategy: strategyFlag({char: undefined, env: 'CFZD_STRATEGY'}),
  'max-in-flight': Flags.integer({
    description: 'Maximum number of new instances starting at once (rolling and canary). Default 1.',
    min: 1,
    env: 'CFZD_MAX_IN_FLIGHT',
  }),
  'instance-steps': Flags.custom<number[]>({
    description: 'Canary steps as percentages of instances, for example 20,40,60. Requires --strategy canary.',
    helpValue: '20,40,60',
    parse: async (input) => parseInstanceSteps(input),
  })(),
  'no-wait': Flags.boolean({description: 'Exit once the first new instance is healthy; the rest continues in the background.', default: false}),
  supersede: Flags.boolean({
    description: 'If a deployment is already in flight for the app, replace it instead of stopping.',
    default: false,
  }),
}

/** The web process's size after the operation, as cf scale and cf push name them. */
export const scaleFlags = {
  instances: Flags.integer({
    char: 'i',
    description: 'Web instances after the operation (rolling and canary send it as a deployment option; blue-green gives it to the new app).',
    min: 0,
    helpGroup: 'SCALE',
  }),
  memory: Flags.string({char: 'm', description: 'Web memory per instance after the operation, for example 512M or 1G.', helpGroup: 'SCALE'}),
  disk: Flags.string({char: 'k', description: 'Web disk per instance after the operation, for example 1G.', helpGroup: 'SCALE'}),
  'log-rate-limit': Flags.string({
    char: 'l',
    description: 'Web log rate limit per instance after the operation, for example 1K or 16M per second; -1 for no limit.',
    helpGroup: 'SCALE',
  }),
}

export const timeoutFlags = {
  'staging-timeout': durationFlag({
    description: 'Give up staging after this long (default: CF_STAGING_TIMEOUT minutes, else 15m).',
  }),
  'startup-timeout': durationFlag({
    description: 'Give up waiting for instances after this long (default: CF_STARTUP_TIMEOUT minutes, else 5m).',
  }),
}

/** CF_STAGING_TIMEOUT / CF_STARTUP_TIMEOUT are minutes (floats allowed), as in the cf CLI. Flags win. */
export function resolveTimeouts(flags: {'staging-timeout'?: number; 'startup-timeout'?: number}, env: NodeJS.ProcessEnv = process.env) {
  const minutes = (name: string, dflt: number) => {
    const raw = env[name]
    if (raw === undefined || raw.trim() === '') return dflt * 60_000
    const n = Number(raw)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number of minutes (got "${raw}")`)
    return n * 60_000
  }
  return {
    stagingMs: flags['staging-timeout'] ?? minutes('CF_STAGING_TIMEOUT', 15),
    startupMs: flags['startup-timeout'] ?? minutes('CF_STARTUP_TIMEOUT', 5),
  }
}

export const blueGreenFlags = {
  'no-delete': Flags.boolean({description: 'Blue-green: stop the old app but keep it (as APP-venerable).', default: false}),
  'no-stop': Flags.boolean({description: 'Blue-green: leave the old app running and keep it. Implies --no-delete.', default: false}),
  'venerable-suffix': Flags.string({description: 'Blue-green: suffix for the old app while it is replaced.', default: '-venerable'}),
  drain: durationFlag({
    description:
      "Blue-green: after unmapping the old app's routes, wait this long before stopping it, so routers learn of the change and the requests it serves finish (default 15s, or CFZD_DRAIN: a few seconds of route propagation plus Diego's 10 s graceful-shutdown window).",
  }),
}

/** Route propagation (a few seconds) plus Diego's 10 s graceful-shutdown window. */
export const DEFAULT_DRAIN_MS = 15_000

/** "5%", "5" or "0.5%" → 5, 5, 0.5 (a percentage, above 0 and at most 100). */
export function parsePercent(input: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(input)
  const n = m ? Number(m[1]) : Number.NaN
  if (!(n > 0 && n <= 100)) throw new Error(`Expected a percentage above 0 and at most 100, for example 5% (got "${input}")`)
  return n
}

/**
 * `--probe` takes an optional value, which oclif flags can't: a bare `--probe` (at the end, or
 * followed by another flag or by something that is neither a URL nor a /path, such as the app
 * name) becomes `--probe=`, which means "the app's first route". `--probe URL`, `--probe /path`
 * and `--probe=...` are left alone.
 */
export function probeArgv(argv: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      out.push(...argv.slice(i))
      break
    }
    const next = argv[i + 1]
    const takesValue = next !== undefined && (/^[a-z][a-z\d+.-]*:\/\//i.test(next) || next.startsWith('/'))
    out.push(a === '--probe' && !takesValue ? '--probe=' : a)
  }
  return out
}

export const probeFlags = {
  probe: Flags.string({
    description:
      "Send live requests while the operation runs and report availability, latency and which droplet answered. Bare --probe watches the app's first route; give a URL, or a /path on that route, to watch something else.",
    helpValue: '[URL|/PATH]',
    helpGroup: 'PROBE',
  }),
  'probe-rate': Flags.integer({description: 'Probe requests per second (default 10). Implies --probe.', min: 1, max: 1000, helpGroup: 'PROBE'}),
  'probe-timeout': durationFlag({description: 'A probe request slower than this counts as failed (default 5s). Implies --probe.', helpGroup: 'PROBE'}),
  'abort-on-errors': Flags.integer({
    description: 'Abort once this many probe requests have failed: rolling and canary cancel the deployment, blue-green rolls back. Implies --probe.',
    min: 1,
    helpGroup: 'PROBE',
    env: 'CFZD_ABORT_ON_ERRORS',
  }),
  'abort-on-error-rate': Flags.custom<number>({
    description: 'Abort once more than this share of the last --abort-sample probe requests failed, for example 5%. Implies --probe.',
    helpValue: 'PERCENT',
    helpGroup: 'PROBE',
    env: 'CFZD_ABORT_ON_ERROR_RATE',
    parse: async (input) => parsePercent(input),
  })(),
  'abort-sample': Flags.integer({
    description: 'How many of the latest probe requests --abort-on-error-rate looks at; it waits for that many first (default 20).',
    min: 1,
    helpGroup: 'PROBE',
  }),
}

export const smokeTestFlags = {
  'smoke-test': Flags.string({
    description:
      "Canary and blue-green: run this command with the new version's URL (as its last argument and in CFZD_SMOKE_URL) before traffic moves on; a non-zero exit cancels the canary or rolls the blue-green back. Blue-green tests the new app on a temporary route; canary tests the app's route at each pause, pinned to the canary: CFZD_PROCESS_INSTANCE holds the canary's process guid and CFZD_SMOKE_HEADER the header to send (X-CF-PROCESS-INSTANCE: <guid>, Routing release 0.332+); both are unset when the router ignores the header.",
    helpValue: 'COMMAND',
  }),
  'smoke-test-timeout': durationFlag({description: 'A smoke test running longer than this fails (default 5m).'}),
}
