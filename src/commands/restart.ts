import {Args} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {blueGreenFlags, probeArgv, probeFlags, smokeTestFlags, strategyFlags, timeoutFlags} from '../flags.js'

export default class Restart extends BaseCommand {
  static summary = 'Restart an app without downtime (rolling by default), keeping its current droplet'
  static examples = [
    '<%= config.bin %> restart my-app',
    '<%= config.bin %> restart my-app --max-in-flight 3',
    '<%= config.bin %> restart my-app --strategy canary --instance-steps 20,50',
    '<%= config.bin %> restart my-app --strategy blue-green --no-delete',
    '<%= config.bin %> restart my-app --probe --abort-on-errors 3',
    '<%= config.bin %> restart my-app --strategy blue-green --smoke-test ./smoke.sh --probe /health --abort-on-error-rate 5%',
  ]

  static args = {app: Args.string({description: 'App name', required: true})}
  static flags = {...strategyFlags, ...timeoutFlags, ...blueGreenFlags, ...smokeTestFlags, ...probeFlags}

  async run() {
    const {args, flags} = await this.parse(Restart, probeArgv(this.argv))
    const {deployOptions} = await import('../strategies/options.js')
    const {probeSettings} = await import('../probe/settings.js')
    const opts = deployOptions(flags)
    const probe = probeSettings(flags)
    const ctx = await this.context(flags)
    const {runOperation} = await import('../strategies/index.js')
    const result = await runOperation(ctx, {kind: 'restart', appName: args.app, opts, probe})
    const {renderResult} = await import('../ui/results.js')
    this.log(renderResult(this.ui, result))
    return result
  }
}
