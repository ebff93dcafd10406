import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {CfzdError, ExitCode, UsageError} from '../errors.js'
import {blueGreenFlags, strategyFlag, timeoutFlags} from '../flags.js'
import {summaryFlags} from '../summary/flag.js'

export default class RestageAll extends BaseCommand {
  static summary = 'Restage every app built with a buildpack, across orgs and spaces, without downtime'
  static description = `Selects the apps whose current droplet lists the buildpack (by name or buildpack_name) and was built before the buildpack was last updated (every such app with --all), and restages each with the chosen strategy, a few at a time. Docker apps are skipped, and stopped apps too unless --include-stopped (they get the new droplet and stay stopped).

Exits 0 only if no app failed; 1 if some did (the others are still restaged); 130 when interrupted. --report writes a JSON report after every app (FILE.html: an HTML page with a table, a timeline and the failures); --resume skips the apps a report says are done.`

  static examples = [
    '<%= config.bin %> restage-all --buildpack ruby_buildpack --dry-run',
    '<%= config.bin %> restage-all --buildpack ruby_buildpack --report restage.json',
    '<%= config.bin %> restage-all --buildpack ruby_buildpack --report restage.html',
    '<%= config.bin %> restage-all --buildpack ruby_buildpack --resume restage.json',
    '<%= config.bin %> restage-all -b java_buildpack_offline --org acme --space prod --space staging --concurrency 8',
    '<%= config.bin %> restage-all -b nodejs_buildpack --label-selector "team=payments" --strategy blue-green --all',
  ]

  static flags = {
    buildpack: Flags.string({
      char: 'b',
      description: "The buildpack: an admin buildpack's name, or the name the buildpack reports (buildpack_name).",
      required: true,
    }),
    org: Flags.string({char: 'o', description: 'Only apps in this org (repeatable).', multiple: true}),
    space: Flags.string({char: 's', description: 'Only apps in spaces of this name (repeatable; in the --org orgs, if given).', multiple: true}),
    'label-selector': Flags.string({char: 'l', description: 'Only apps whose labels match, e.g. "env=prod,tier!=batch".'}),
    all: Flags.boolean({description: 'Restage every app of the buildpack, not only those built before its last update.', default: false}),
    'include-stopped': Flags.boolean({
      description: 'Also restage stopped apps: stage them and give them the new droplet, leaving them stopped.',
      default: false,
    }),
    strategy: strategyFlag({description: 'How each app is restaged: rolling (default) or blue-green.', helpValue: 'rolling|blue-green', env: 'CFZD_STRATEGY'}),
    'max-in-flight': Flags.integer({description: 'Rolling: new instances starting at once per app. Default 1.', min: 1, env: 'CFZD_MAX_IN_FLIGHT'}),
    concurrency: Flags.integer({description: 'Apps restaged at once.', min: 1, max: 100, default: 4, env: 'CFZD_CONCURRENCY'}),
    'dry-run': Flags.boolean({description: 'Print the plan (which apps, why, the extra instances needed at peak) and change nothing.', default: false}),
    report: Flags.string({
      description: 'Write a report to this file as the run goes (after every app): JSON, or a self-contained HTML page when FILE ends in .html.',
      helpValue: 'FILE',
    }),
    resume: Flags.string({
      description: 'Skip the apps this earlier report (JSON or HTML) says are restaged; writes back to it unless --report.',
      helpValue: 'FILE',
    }),
    ...timeoutFlags,
    ...blueGreenFlags,
    ...summaryFlags,
  }

  async run() {
    const {flags} = await this.parse(RestageAll)
    if (flags.strategy === 'canary') throw new UsageError('restage-all supports --strategy rolling or blue-green: a canary pauses for a decision on every app.')
    const {deployOptions} = await import('../deploy-options.js')
    const deploy = deployOptions(flags)
    const {restageAll} = await import('../restage-all/index.js')
    const run = async () =>
      restageAll(await this.context(flags), {
        buildpack: flags.buildpack,
        scope: {orgs: flags.org ?? [], spaces: flags.space ?? [], labelSelector: flags['label-selector']},
        all: flags.all,
        includeStopped: flags['include-stopped'],
        concurrency: flags.concurrency,
        deploy,
        dryRun: flags['dry-run'],
        reportFile: flags.report,
        resumeFile: flags.resume,
      })
    const outcome = await this.withSummary(flags.summary, `--buildpack ${flags.buildpack}`, run, (o) => o.report)
    const {report, exitCode, reportFile} = outcome
    if (this.jsonEnabled()) {
      if (exitCode === ExitCode.OK) return report
      this.logJson(report)
      this.exit(exitCode)
    }
    const {renderPlan, renderSummary} = await import('../restage-all/summary.js')
    const {chartMode, chartWidth} = await import('../report/chart.js')
    const color = (c: 'green' | 'red' | 'yellow' | 'gray', s: string) => this.ui.style(c, s)
    const styler = {bold: (s: string) => this.ui.style('bold', s), color, timeline: {mode: chartMode(), width: chartWidth(), paint: color}}
    this.log(report.dryRun ? renderPlan(report, styler) : renderSummary(report, styler, reportFile))
    if (exitCode !== ExitCode.OK) throw failure(report, exitCode, reportFile)
    return report
  }
}

function failure(report: {counts: Record<string, number>; options: {all: boolean}}, exitCode: number, reportFile?: string): CfzdError {
  const c = report.counts
  const rerun = reportFile
    ? `Run again with --resume ${reportFile} to skip the apps already restaged.`
    : report.options.all
      ? 'Next time pass --report FILE, so that --resume FILE can skip the apps already restaged.'
      : 'Run the same command again: the apps already restaged are up to date now and are skipped.'
  if (exitCode === ExitCode.INTERRUPTED) {
    return new CfzdError(
      `Interrupted: ${c.restaged} restaged, ${c.interrupted} stopped midway (their strategy cancelled or rolled them back), ${c.pending} not started.`,
      {exitCode, suggestions: [rerun]},
    )
  }
  return new CfzdError(`${c.failed} of ${c.selected} app${c.selected === 1 ? '' : 's'} failed to restage; the others were restaged.`, {
    exitCode,
    suggestions: ['The report and the table above say why each failed.', rerun],
  })
}
