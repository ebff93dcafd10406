import {Args} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {describeTarget, findApp, resolveTarget} from '../context.js'
import {renderKeyValues, renderTable} from '../ui/table.js'

export default class AppCommand extends BaseCommand {
  static summary = 'Show an app: processes, instance states, and the active deployment'
  static args = {app: Args.string({description: 'App name', required: true})}

  async run() {
    const {args, flags} = await this.parse(AppCommand)
    const ctx = await this.context(flags)
    const target = await resolveTarget(ctx)
    const {describeApp} = await import('../services/apps.js')
    const {withSpinner} = await import('../ui/spinner.js')
    const {app, d} = await withSpinner(this.ui, `Showing health and status for app ${args.app} in ${describeTarget(ctx, target)}...`, async () => {
      const found = await findApp(ctx, target, args.app)
      return {app: found, d: await describeApp(ctx.capi, found)}
    })
    this.ui.info('')
    const bold = (s: string) => this.ui.style('bold', s)
    const buildpacks = (d.droplet?.buildpacks ?? []).map((b) => [b.name, b.version].filter(Boolean).join(' ')).join(', ')
    const lines = [
      renderKeyValues(
        [
          ['name', app.name],
          ['requested state', app.state.toLowerCase()],
          ['routes', d.routes.map((r) => r.url).join(', ')],
          ['stack', d.droplet?.stack ?? app.lifecycle.data.stack ?? ''],
          [app.lifecycle.type === 'docker' ? 'docker image' : 'buildpacks', app.lifecycle.type === 'docker' ? (d.droplet?.image ?? '') : buildpacks],
          ['droplet', d.droplet?.guid ?? ''],
        ],
        {bold},
      ),
    ]
    for (const p of d.processes) {
      lines.push(
        '',
        renderKeyValues(
          [
            ['type', p.type],
            ['instances', `${p.running}/${p.instances}`],
            ['memory', `${p.memoryMb}M`],
          ],
          {bold},
        ),
      )
      if (p.stats.length) {
        lines.push(
          renderTable(
            ['', 'state', 'routable', 'uptime', 'details'],
            p.stats.map((s) => [
              `#${s.index}`,
              s.state.toLowerCase(),
              s.routable === false ? 'no' : s.state === 'RUNNING' ? 'yes' : '',
              s.uptime ? `${s.uptime}s` : '',
              s.details ?? '',
            ]),
            {bold},
          ),
        )
      }
    }
    if (d.deployment) {
      const dep = d.deployment
      lines.push(
        '',
        `Active deployment with status ${dep.reason ?? dep.status} (since ${dep.since ?? 'unknown'})`,
        renderKeyValues(
          [
            ['strategy', dep.strategy],
            ['max-in-flight', dep.maxInFlight],
            ...(dep.canarySteps ? ([['canary-steps', `${dep.canarySteps.current ?? '?'}/${dep.canarySteps.total}`]] as [string, string][]) : []),
            ...(dep.error ? ([['error', dep.error]] as [string, string][]) : []),
          ],
          {bold},
        ),
      )
      if (dep.reason === 'PAUSED')
        lines.push(
          `Please run 'cfzd continue-deployment ${app.name}' to promote the canary deployment, or 'cfzd cancel-deployment ${app.name}' to rollback to the previous version.`,
        )
    }
    this.log(lines.join('\n'))
    return {
      name: app.name,
      guid: app.guid,
      state: app.state,
      routes: d.routes.map((r) => r.url),
      droplet: d.droplet ? {guid: d.droplet.guid, buildpacks: d.droplet.buildpacks ?? [], stack: d.droplet.stack} : null,
      processes: d.processes.map((p) => ({type: p.type, guid: p.guid, instances: p.instances, running: p.running, memoryMb: p.memoryMb, stats: p.stats})),
      deployment: d.deployment ?? null,
    }
  }
}
