import {Args} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {blueGreenFlags, probeArgv, probeFlags, smokeTestFlags, timeoutFlags} from '../flags.js'

export default class BgRestart extends BaseCommand {
  static summary = 'Blue-green restart: a new copy of the app from the same droplet replaces the old one'
  static description = 'The old app is renamed APP-venerable and keeps serving; a new APP gets its environment, lifecycle, processes, routes, service bindings, features and metadata, starts all its instances, takes over the routes, and only then is the old app stopped and deleted. Any failure before the switch rolls back.'
  static examples = [
    '<%= config.bin %> bg-restart my-app',
    '<%= config.bin %> bg-restart my-app --no-delete',
    '<%= config.bin %> bg-restart my-app --no-stop --venerable-suffix -old',
    '<%= config.bin %> bg-restart my-app --smoke-test ./smoke.sh --probe --abort-on-errors 1',
  ]
  static args = {app: Args.string({description: 'App name', required: true})}
  static flags = {...timeoutFlags, ...blueGreenFlags, ...smokeTestFlags, ...probeFlags}

  async run() {
    const {args, flags} = await this.parse(BgRestart, probeArgv(this.argv))
    const {deployOptions} = await import('../strategies/options.js')
    const {probeSettings} = await import('../probe/settings.js')
    const opts = deployOptions(flags, process.env, 'blue-green')
    const probe = probeSettings(flags)
    const ctx = await this.context(flags)
    const {runOperation} = await import('../strategies/index.js')
    const result = await runOperation(ctx, {kind: 'restart', appName: args.app, opts, probe})
    const {renderResult} = await import('../ui/results.js')
    this.log(renderResult(this.ui, result))
    return result
  }
}
