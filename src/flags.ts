/**
 * Shared flags, spread into commands: `{...strategyFlags, ...waitFlags}`.
 * Names follow the cf CLI v8 where it has them.
 */
import {Flags} from '@oclif/core'
import {parseDuration} from './clock.js'

export const STRATEGIES = ['rolling', 'canary', 'blue-green'] as const
export type StrategyName = (typeof STRATEGIES)[number]

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
  const parts = input.split(',').map((s) => s.trim()).filter(Boolean)
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
}
