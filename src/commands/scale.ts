import {blueGreenFlags, probeFlags, scaleFlags, smokeTestFlags, strategyFlags, timeoutFlags} from '../flags.js'
import {UsageError} from '../errors.js'
import {OperationCommand, type OperationFlags} from '../operation-command.js'
import type {Context} from '../context.js'
import type {OperationRequest} from '../strategies/index.js'
import type {OperationResult} from '../strategies/types.js'
import {summaryFlags} from '../summary/flag.js'

export default class Scale extends OperationCommand {
  static kind = 'scale' as const
  // oclif reads a command's options by spreading the class, which drops inherited statics.
  static args = OperationCommand.args
  static summary = "Change an app's web instances, memory, disk or log rate limit without downtime"
  static description =
    '-i alone scales in place, as cf scale does: no instance restarts. -m, -k or -l need new instances: cfzd deploys the current droplet with the new sizes (rolling by default, or canary, or a blue-green copy), where cf scale would stop and start the app. A Cloud Controller too old for deployment size options refuses them before anything changes; cfzd then says so and uses blue-green.'
  static examples = [
    '<%= config.bin %> scale my-app -i 6',
    '<%= config.bin %> scale my-app -m 1G',
    '<%= config.bin %> scale my-app -m 512M -k 2G -l 16K --max-in-flight 2',
    '<%= config.bin %> scale my-app -m 2G --strategy blue-green --probe',
  ]
  static flags = {...scaleFlags, ...strategyFlags, ...timeoutFlags, ...blueGreenFlags, ...smokeTestFlags, ...probeFlags, ...summaryFlags}

  protected async confirm(flags: OperationFlags): Promise<boolean> {
    if (flags.instances === undefined && flags.memory === undefined && flags.disk === undefined && flags['log-rate-limit'] === undefined) {
      throw new UsageError('Say what to change: -i INSTANCES, -m MEMORY, -k DISK or -l LOG_RATE_LIMIT.', ['For example: cfzd scale my-app -m 1G'])
    }
    return true
  }

  protected async operate(ctx: Context, req: OperationRequest): Promise<OperationResult> {
    const {runScale} = await import('../strategies/scale.js')
    return runScale(ctx, req)
  }
}
