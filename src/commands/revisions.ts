import {Args} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {describeTarget, findApp, resolveTarget} from '../context.js'
import {renderTable} from '../ui/table.js'

export default class Revisions extends BaseCommand {
  static summary = "List an app's revisions: which is deployed, which can still be rolled back to"
  static description = 'Like cf revisions. A revision is deployable while its droplet still exists; roll back to one with cfzd rollback APP --version N.'
  static examples = ['<%= config.bin %> revisions my-app', '<%= config.bin %> revisions my-app --json']
  static args = {app: Args.string({description: 'App name', required: true})}

  async run() {
    const {args, flags} = await this.parse(Revisions)
    const ctx = await this.context(flags)
    const target = await resolveTarget(ctx)
    const {listRevisions} = await import('../services/revisions.js')
    const {withSpinner} = await import('../ui/spinner.js')
    const {app, list} = await withSpinner(this.ui, `Getting revisions for app ${args.app} in ${describeTarget(ctx, target)}...`, async () => {
      const found = await findApp(ctx, target, args.app)
      return {app: found, list: await listRevisions(ctx.capi, found)}
    })
    if (!list.enabled) this.ui.warn(`Warning: Revisions for app '${app.name}' are disabled. Updates to the app will not create new revisions.`)
    if (app.state === 'STOPPED') this.ui.info('Info: this app is in a stopped state. It is not possible to determine which revision is currently deployed.')
    if (list.deployed.length > 1) this.ui.info('Info: this app is in the middle of a deployment. More than one revision is deployed.')
    this.ui.info('')
    if (list.revisions.length === 0) this.log('No revisions found')
    else {
      this.log(
        renderTable(
          ['revision', 'description', 'deployable', 'revision guid', 'created at'],
          list.revisions.map((r) => [r.deployed ? `${r.version}(deployed)` : String(r.version), r.description, String(r.deployable), r.guid, r.createdAt]),
          {bold: (s) => this.ui.style('bold', s)},
        ),
      )
    }
    return {app: app.name, guid: app.guid, revisionsEnabled: list.enabled, deployed: list.deployed, revisions: list.revisions}
  }
}
