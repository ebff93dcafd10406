import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {findApp, resolveTarget} from '../context.js'
import {timeoutFlags, resolveTimeouts} from '../flags.js'
import {summaryFlags} from '../summary/flag.js'

export default class CancelDeployment extends BaseCommand {
  static summary = "Cancel an app's active deployment and wait until it is finalized"
  static description =
    'Cloud Controller moves the app back to its previous droplet. Without --no-wait, cfzd waits until the deployment is FINALIZED (CANCELED), so a new deployment can start safely right after.'
  static args = {app: Args.string({description: 'App name', required: true})}
  static flags = {
    'no-wait': Flags.boolean({description: 'Return once the cancel is accepted, without waiting for FINALIZED.', default: false}),
    'startup-timeout': timeoutFlags['startup-timeout'],
    ...summaryFlags,
  }

  async run() {
    const {args, flags} = await this.parse(CancelDeployment)
    const result = await this.withSummary(flags.summary, args.app, async () => {
      const ctx = await this.context(flags)
      const app = await findApp(ctx, await resolveTarget(ctx), args.app)
      const {cancelDeployment} = await import('../strategies/cancel.js')
      const env = {capi: ctx.capi, clock: ctx.clock, signal: ctx.signal, ui: ctx.ui}
      return cancelDeployment(env, app, {wait: !flags['no-wait'], timeoutMs: resolveTimeouts(flags).startupMs}, {renderer: this.ui.renderer})
    })
    const {renderResult} = await import('../ui/results.js')
    this.log(renderResult(this.ui, result))
    return result
  }
}
