import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {describeTarget, findApp, resolveTarget} from '../context.js'
import {renderKeyValues} from '../ui/table.js'

export default class Revision extends BaseCommand {
  static summary = 'Show one revision of an app: its droplet, process commands, environment variable names and labels'
  static description = 'Like cf revision. Environment variable values are shown only with --show-env (and are always redacted in --verbose traces).'
  static examples = ['<%= config.bin %> revision my-app --version 3', '<%= config.bin %> revision my-app --version 3 --show-env --json']
  static args = {app: Args.string({description: 'App name', required: true})}
  static flags = {
    version: Flags.integer({description: 'The revision version (see cfzd revisions APP).', required: true, min: 1}),
    'show-env': Flags.boolean({description: "Show the values of the revision's environment variables, not only their names.", default: false}),
  }

  async run() {
    const {args, flags} = await this.parse(Revision)
    const ctx = await this.context(flags)
    const target = await resolveTarget(ctx)
    const {describeRevision} = await import('../services/revisions.js')
    const {withSpinner} = await import('../ui/spinner.js')
    const rev = await withSpinner(this.ui, `Showing revision ${flags.version} for app ${args.app} in ${describeTarget(ctx, target)}...`, async () =>
      describeRevision(ctx.capi, await findApp(ctx, target, args.app), flags.version, flags['show-env']),
    )
    this.ui.info('')
    const bold = (s: string) => this.ui.style('bold', s)
    const kv = (pairs: [string, string][]) => (pairs.length ? renderKeyValues(pairs, {bold}) : '(none)')
    const lines = [
      renderKeyValues(
        [
          ['revision', String(rev.version)],
          ['deployed', String(rev.deployed)],
          ['description', rev.description],
          ['deployable', String(rev.deployable)],
          ['revision GUID', rev.guid],
          ['droplet GUID', rev.droplet ?? ''],
          ['created on', rev.createdAt],
        ],
        {bold},
      ),
      '',
      bold('processes:'),
      kv(Object.entries(rev.processes).map(([type, command]) => [type, command ?? '(detected from the droplet)'])),
      ...(rev.sidecars.length ? ['', bold('sidecars:'), kv(rev.sidecars.map((s) => [s.name, `${s.command} (${s.processTypes.join(', ')})`]))] : []),
      '',
      bold('labels:'),
      kv(Object.entries(rev.labels).map(([k, v]) => [k, v ?? ''])),
      '',
      bold('annotations:'),
      kv(Object.entries(rev.annotations).map(([k, v]) => [k, v ?? ''])),
      '',
      bold('application environment variables:'),
      kv(rev.env.map((e) => [e.name, flags['show-env'] ? (typeof e.value === 'string' ? e.value : JSON.stringify(e.value)) : '(hidden: use --show-env)'])),
    ]
    this.log(lines.join('\n'))
    return rev
  }
}
