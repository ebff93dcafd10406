import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {findApp, resolveTarget} from '../context.js'
import {resolveTimeouts, timeoutFlags} from '../flags.js'
import {summaryFlags} from '../summary/flag.js'

export default class ContinueDeployment extends BaseCommand {
  static summary = 'Promote a paused canary deployment to its next step (or to all instances)'
  static args = {app: Args.string({description: 'App name', required: true})}
  static flags = {
    'no-wait': Flags.boolean({description: 'Exit once the first new instance is healthy.', default: false}),
    'startup-timeout': timeoutFlags['startup-timeout'],
    ...summaryFlags,
  }

  async run() {
    const {args, flags} = await this.parse(ContinueDeployment)
    const result = await this.withSummary(flags.summary, args.app, async () => {
      const ctx = await this.context(flags)
      const app = await findApp(ctx, await resolveTarget(ctx), args.app)
      const {continueDeployment} = await import('../strategies/cancel.js')
      const env = {capi: ctx.capi, clock: ctx.clock, signal: ctx.signal, ui: ctx.ui}
      return continueDeployment(env, app, {noWait: flags['no-wait'], timeoutMs: resolveTimeouts(flags).startupMs}, {renderer: this.ui.renderer})
    })
    const {renderResult} = await import('../ui/results.js')
    this.log(renderResult(this.ui, result))
    return result
  }
}
