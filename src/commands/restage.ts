import {Args} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {blueGreenFlags, probeArgv, probeFlags, smokeTestFlags, strategyFlags, timeoutFlags} from '../flags.js'

export default class Restage extends BaseCommand {
  static summary = 'Restage an app without downtime: stage its newest package against the current buildpacks, then deploy the new droplet'
  static examples = [
    '<%= config.bin %> restage my-app',
    '<%= config.bin %> restage my-app --max-in-flight 3',
    '<%= config.bin %> restage my-app --strategy canary --instance-steps 20,50',
    '<%= config.bin %> restage my-app --strategy blue-green --no-delete',
    '<%= config.bin %> restage my-app --probe --abort-on-error-rate 5%',
    '<%= config.bin %> restage my-app --strategy canary --instance-steps 25,50 --smoke-test "npm run smoke --" --probe',
  ]

  static args = {app: Args.string({description: 'App name', required: true})}
  static flags = {...strategyFlags, ...timeoutFlags, ...blueGreenFlags, ...smokeTestFlags, ...probeFlags}

  async run() {
    const {args, flags} = await this.parse(Restage, probeArgv(this.argv))
    const {deployOptions} = await import('../strategies/options.js')
    const {probeSettings} = await import('../probe/settings.js')
    const opts = deployOptions(flags)
    const probe = probeSettings(flags)
    const ctx = await this.context(flags)
    const {runOperation} = await import('../strategies/index.js')
    const result = await runOperation(ctx, {kind: 'restage', appName: args.app, opts, probe})
    const {renderResult} = await import('../ui/results.js')
    this.log(renderResult(this.ui, result))
    return result
  }
}
