import {BaseCommand} from '../base-command.js'
import {describeTarget, resolveTarget} from '../context.js'
import {renderTable} from '../ui/table.js'

export default class Apps extends BaseCommand {
  static summary = 'List the apps in the targeted space, with instances, routes and active deployments'

  async run() {
    const {flags} = await this.parse(Apps)
    const ctx = await this.context(flags)
    const target = await resolveTarget(ctx)
    const {listApps} = await import('../services/apps.js')
    const {withSpinner} = await import('../ui/spinner.js')
    const rows = await withSpinner(this.ui, `Getting apps in ${describeTarget(ctx, target)}...`, () => listApps(ctx.capi, target.space.guid))
    this.ui.info('')
    if (rows.length === 0) this.log('No apps found.')
    else {
      this.log(
        renderTable(
          ['name', 'requested state', 'processes', 'routes', 'deployment'],
          rows.map((r) => [
            r.name,
            r.state.toLowerCase(),
            r.processes.map((p) => `${p.type}:${p.running}/${p.instances}`).join(', '),
            r.routes.join(', '),
            r.deployment ? `${(r.deployment.reason ?? r.deployment.status).toLowerCase()} (${r.deployment.strategy})` : '',
          ]),
          {bold: (s) => this.ui.style('bold', s)},
        ),
      )
    }
    return {org: target.org.name, space: target.space.name, apps: rows}
  }
}
