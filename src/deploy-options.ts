/** Turn command-line flags (and CFZD_ROUTE_SETTLE) into the typed DeployOptions the strategies take, refusing combinations that make no sense (exit 2, nothing changed). */
import {parseDuration} from './clock.js'
import {UsageError} from './errors.js'
import {DEFAULT_DRAIN_MS, resolveTimeouts, type StrategyName} from './flags.js'
import {SizeError, logRateBytes, megabytes} from './push/sizes.js'
import type {DeployOptions} from './strategies/types.js'

export interface DeployFlags {
  strategy?: StrategyName
  'max-in-flight'?: number
  'instance-steps'?: number[]
  'no-wait'?: boolean
  supersede?: boolean
  'staging-timeout'?: number
  'startup-timeout'?: number
  'no-delete'?: boolean
  'no-stop'?: boolean
  'venerable-suffix'?: string
  drain?: number
  'smoke-test'?: string
  'smoke-test-timeout'?: number
  instances?: number
  memory?: string
  disk?: string
  'log-rate-limit'?: string
}

export function deployOptions(flags: DeployFlags, env: NodeJS.ProcessEnv = process.env, forced?: StrategyName): DeployOptions {
  if (forced && flags.strategy && flags.strategy !== forced) {
    throw new UsageError(`This command always uses the ${forced} strategy; drop --strategy ${flags.strategy}.`)
  }
  const strategy = forced ?? flags.strategy ?? 'rolling'
  if (flags['instance-steps'] && strategy !== 'canary')
    throw new UsageError("Incorrect Usage: '--instance-steps' and '--strategy=canary' must be used together.")
  if (strategy === 'blue-green') {
    if (flags['max-in-flight'] !== undefined) throw new UsageError("'--max-in-flight' applies to rolling and canary deployments, not blue-green.")
    if (flags['no-wait']) throw new UsageError("'--no-wait' can't be used with blue-green: the old app is only replaced once every new instance is running.")
    if (flags.supersede) throw new UsageError("'--supersede' applies to rolling and canary deployments.")
  } else if (flags['no-delete'] || flags['no-stop']) {
    throw new UsageError("'--no-delete' and '--no-stop' apply to blue-green only (--strategy blue-green, bg-restart, bg-restage).")
  }
  const smokeTest = smokeTestOption(flags, strategy, env)
  const suffix = flags['venerable-suffix'] ?? '-venerable'
  if (!/^[\w.-]+$/.test(suffix)) throw new UsageError(`--venerable-suffix "${suffix}" must be letters, digits, '-', '_' or '.'.`)
  let timeouts
  try {
    timeouts = resolveTimeouts(flags, env)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  let routeSettleMs = 2000
  if (env.CFZD_ROUTE_SETTLE) {
    try {
      routeSettleMs = parseDuration(env.CFZD_ROUTE_SETTLE)
    } catch (error) {
      throw new UsageError(`CFZD_ROUTE_SETTLE: ${(error as Error).message}`)
    }
  }
  let drainMs = flags.drain ?? DEFAULT_DRAIN_MS
  if (flags.drain === undefined && env.CFZD_DRAIN) {
    try {
      drainMs = parseDuration(env.CFZD_DRAIN)
    } catch (error) {
      throw new UsageError(`CFZD_DRAIN: ${(error as Error).message}`, ['Give a duration such as 15s, 500ms or 1m, or 0 for none.'])
    }
  }
  return {
    strategy,
    maxInFlight: flags['max-in-flight'],
    instanceSteps: flags['instance-steps'],
    noWait: Boolean(flags['no-wait']),
    supersede: Boolean(flags.supersede),
    stagingTimeoutMs: timeouts.stagingMs,
    startupTimeoutMs: timeouts.startupMs,
    noDelete: Boolean(flags['no-delete'] || flags['no-stop']),
    noStop: Boolean(flags['no-stop']),
    venerableSuffix: suffix,
    routeSettleMs,
    drainMs,
    ...(smokeTest ? {smokeTest} : {}),
    ...scaleOption(flags),
  }
}

/** -i/-m/-k/-l as the size the web process has after the operation. */
export function scaleOption(flags: Pick<DeployFlags, 'instances' | 'memory' | 'disk' | 'log-rate-limit'>): Pick<DeployOptions, 'scale'> {
  const scale: NonNullable<DeployOptions['scale']> = {}
  try {
    if (flags.instances !== undefined) scale.instances = flags.instances
    if (flags.memory !== undefined) scale.memoryInMb = megabytes(flags.memory, '--memory')
    if (flags.disk !== undefined) scale.diskInMb = megabytes(flags.disk, '--disk')
    if (flags['log-rate-limit'] !== undefined) scale.logRateLimit = logRateBytes(flags['log-rate-limit'], '--log-rate-limit')
  } catch (error) {
    if (error instanceof SizeError) throw new UsageError(error.message)
    throw error
  }
  return Object.keys(scale).length ? {scale} : {}
}

/**
 * --smoke-test needs a point where traffic waits for it: the blue-green switch, or a canary pause.
 * The command runs in the CLI's environment (`env`), which the strategy is handed, never reads.
 */
function smokeTestOption(flags: DeployFlags, strategy: StrategyName, env: NodeJS.ProcessEnv): DeployOptions['smokeTest'] {
  const command = flags['smoke-test']?.trim()
  if (flags['smoke-test'] !== undefined && !command) throw new UsageError('--smoke-test needs a command to run.')
  if (!command) {
    if (flags['smoke-test-timeout'] !== undefined) throw new UsageError("'--smoke-test-timeout' needs --smoke-test.")
    return undefined
  }
  if (strategy === 'rolling') {
    throw new UsageError(
      "'--smoke-test' needs --strategy canary or blue-green: a rolling deployment never waits before moving traffic, so there is no point to test at.",
      ['Use --strategy canary (tested on the app route at each pause) or --strategy blue-green (tested on a temporary route before the switch).'],
    )
  }
  if (flags['no-wait']) throw new UsageError("'--smoke-test' can't be used with --no-wait: cfzd has to stay to run it at each canary pause.")
  return {command, timeoutMs: flags['smoke-test-timeout'] ?? 5 * 60_000, env}
}
