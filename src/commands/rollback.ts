import {Flags} from '@oclif/core'
import {UsageError} from '../errors.js'
import {probeFlags, smokeTestFlags, strategyFlags, timeoutFlags} from '../flags.js'
import {OperationCommand, type OperationFlags} from '../operation-command.js'
import type {Context} from '../context.js'
import type {OperationRequest} from '../strategies/index.js'
import type {OperationResult} from '../strategies/types.js'
import {summaryFlags} from '../summary/flag.js'

type RollbackFlags = OperationFlags & {version?: number; force?: boolean}

export default class Rollback extends OperationCommand {
  static kind = 'rollback' as const
  // oclif reads a command's options by spreading the class, which drops inherited statics.
  static args = OperationCommand.args
  static summary = 'Roll an app back to an earlier revision without downtime (rolling by default)'
  static description =
    "Like cf rollback: a deployment of the revision (POST /v3/deployments with revision.guid) brings back its droplet, environment variables, sidecars and process commands, and records a new revision. On a terminal it asks first, unless -f is given; elsewhere -f is required. A rollback to what is already deployed is refused by Cloud Controller, and a revision whose droplet has expired is refused with the versions still deployable. A failed or timed-out rollback is canceled, as restart's is."
  static examples = [
    '<%= config.bin %> rollback my-app --version 3',
    '<%= config.bin %> rollback my-app --version 3 -f --strategy canary --instance-steps 20,50',
    '<%= config.bin %> rollback my-app --version 3 -f --probe --abort-on-errors 3',
  ]
  static flags = {
    version: Flags.integer({description: 'The revision to roll back to (see cfzd revisions APP).', required: true, min: 1}),
    force: Flags.boolean({char: 'f', description: 'Roll back without asking for confirmation.', default: false}),
    ...strategyFlags,
    ...timeoutFlags,
    ...smokeTestFlags,
    ...probeFlags,
    ...summaryFlags,
  }

  protected async confirm(flags: RollbackFlags, app: string): Promise<boolean> {
    if (flags.strategy === 'blue-green') throw new UsageError('A rollback deploys a revision of the same app: use --strategy rolling or canary.')
    if (flags.force) return true
    const {ask, canPrompt} = await import('../ui/prompt.js')
    if (!canPrompt())
      throw new UsageError(`Rolling back '${app}' needs confirmation, and there is no terminal to ask on: pass -f to roll back without a prompt.`)
    this.ui.info(
      `Rolling '${app}' back to revision '${flags.version}' will create a new revision. The new revision will use the settings from revision '${flags.version}'.`,
    )
    const answer = await ask('Are you sure you want to continue? [yN]: ')
    if (/^y(es)?$/i.test(answer)) return true
    this.ui.info(`App '${app}' has not been rolled back to revision '${flags.version}'.`)
    return false
  }

  protected async operate(ctx: Context, req: OperationRequest, flags: RollbackFlags): Promise<OperationResult> {
    const [{runOperation}, {rollbackSource}] = await Promise.all([import('../strategies/index.js'), import('../strategies/sources.js')])
    return runOperation(ctx, {...req, source: rollbackSource(flags.version!)})
  }
}
