/** `cfzd push` flags → what to prepare and how to deploy, refusing combinations that make no sense (exit 2, nothing changed). */
import {UsageError} from '../errors.js'
import {deployOptions, type DeployFlags} from '../deploy-options.js'
import type {DeployOptions} from '../strategies/types.js'
import {probeSettings, type ProbeFlags, type ProbeSettings} from '../probe/settings.js'
import type {PushInput} from './prepare.js'

export interface PushFlags extends DeployFlags, ProbeFlags {
  manifest?: string
  'no-manifest'?: boolean
  path?: string
  var?: string[]
  'vars-file'?: string[]
  buildpack?: string[]
  stack?: string
  instances?: number
  memory?: string
  disk?: string
  'log-rate-limit'?: string
  'no-start'?: boolean
}

/** Flags that only mean something when something is deployed. */
const DEPLOY_ONLY: [keyof PushFlags, string][] = [
  ['strategy', '--strategy'],
  ['max-in-flight', '--max-in-flight'],
  ['instance-steps', '--instance-steps'],
  ['no-wait', '--no-wait'],
  ['supersede', '--supersede'],
  ['no-delete', '--no-delete'],
  ['no-stop', '--no-stop'],
  ['smoke-test', '--smoke-test'],
  ['probe', '--probe'],
  ['probe-rate', '--probe-rate'],
  ['probe-timeout', '--probe-timeout'],
  ['abort-on-errors', '--abort-on-errors'],
  ['abort-on-error-rate', '--abort-on-error-rate'],
]

export function validatePushFlags(flags: PushFlags): void {
  if (flags['no-start']) {
    const given = DEPLOY_ONLY.filter(([k]) => flags[k] !== undefined && flags[k] !== false).map(([, name]) => name)
    if (given.length) {
      throw new UsageError(`Incorrect Usage: The following arguments cannot be used together: --no-start, ${given.join(', ')}`, [
        '--no-start applies the manifest and uploads the bits without deploying them, so there is no strategy to run. Drop --no-start to deploy, or deploy the uploaded package later with cfzd restage APP --strategy ...',
      ])
    }
  }
  if (flags.manifest && flags['no-manifest']) throw new UsageError("Incorrect Usage: '-f' and '--no-manifest' can't be used together.")
}

export function pushOptions(
  app: string | undefined,
  flags: PushFlags,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): {input: PushInput; opts: DeployOptions; noStart: boolean; probe?: ProbeSettings} {
  validatePushFlags(flags)
  // -i/-m/-k/-l reach the manifest entry (overrides below); planApp turns its web scale into options.
  const {scale: _fromFlags, ...opts} = deployOptions(flags, env)
  const input: PushInput = {
    cwd,
    appName: app,
    manifest: flags.manifest,
    noManifest: flags['no-manifest'],
    vars: flags.var,
    varsFiles: flags['vars-file'],
    env,
    overrides: {
      path: flags.path,
      buildpacks: flags.buildpack,
      stack: flags.stack,
      instances: flags.instances,
      memory: flags.memory,
      disk: flags.disk,
      logRate: flags['log-rate-limit'],
    },
  }
  return {input, opts, noStart: Boolean(flags['no-start']), probe: probeSettings(flags)}
}
