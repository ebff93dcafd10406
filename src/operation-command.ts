/**
 * The shared body of restart, restage, bg-restart and bg-restage: parse, build options, run the
 * operation with its strategy, render the result. Subclasses only declare what differs.
 */
import {Args, type Interfaces} from '@oclif/core'
import {BaseCommand} from './base-command.js'
import {blueGreenFlags, probeArgv, probeFlags, scaleFlags, smokeTestFlags, strategyFlags, timeoutFlags, type StrategyName} from './flags.js'
import {summaryFlags} from './summary/flag.js'
import type {Context} from './context.js'
import type {OperationRequest} from './strategies/index.js'
import type {OperationKind, OperationResult} from './strategies/types.js'

const allFlags = {...strategyFlags, ...scaleFlags, ...timeoutFlags, ...blueGreenFlags, ...smokeTestFlags, ...probeFlags, ...summaryFlags}
/** What any of the four commands may parse; bg-* declare a subset (no --strategy, --max-in-flight...). */
export type OperationFlags = Partial<Interfaces.InferredFlags<typeof allFlags>> & {verbose?: boolean}

export abstract class OperationCommand extends BaseCommand {
  /** What the command does to the app's droplet. */
  static kind: OperationKind
  /** bg-restart / bg-restage always use blue-green. */
  static strategy?: StrategyName
  /** Subclasses must re-declare `static args = OperationCommand.args` (oclif spreads the class, dropping inherited statics). */
  static args = {app: Args.string({description: 'App name', required: true})}
  static flags: Interfaces.FlagInput = allFlags

  async run() {
    const ctor = this.constructor as typeof OperationCommand
    const parsed = await this.parse(ctor, probeArgv(this.argv))
    const flags = parsed.flags as OperationFlags & Record<string, unknown>
    const args = parsed.args as {app: string}
    const {deployOptions} = await import('./deploy-options.js')
    const {probeSettings} = await import('./probe/settings.js')
    const opts = deployOptions(flags, process.env, ctor.strategy)
    const probe = probeSettings(flags)
    if (!(await this.confirm(flags, args.app))) return undefined
    const result = await this.withSummary(flags.summary, args.app, async () => {
      const ctx = await this.context(flags)
      return this.operate(ctx, {kind: ctor.kind, appName: args.app, opts, probe}, flags)
    })
    const {renderResult} = await import('./ui/results.js')
    this.log(renderResult(this.ui, result))
    return result
  }

  /** Asked before anything is sent (rollback confirms on a terminal). False: stop, nothing changed. */
  protected async confirm(_flags: OperationFlags & Record<string, unknown>, _app: string): Promise<boolean> {
    return true
  }

  /** Run the operation; rollback and scale choose their own way. */
  protected async operate(ctx: Context, req: OperationRequest, _flags: OperationFlags & Record<string, unknown>): Promise<OperationResult> {
    const {runOperation} = await import('./strategies/index.js')
    return runOperation(ctx, req)
  }
}
