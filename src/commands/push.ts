import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {blueGreenFlags, probeArgv, probeFlags, smokeTestFlags, strategyFlags, timeoutFlags} from '../flags.js'
import {summaryFlags} from '../summary/flag.js'

export default class Push extends BaseCommand {
  static summary = 'Push new code from a manifest without downtime (rolling by default), several apps included'
  static description = `Reads ./manifest.yml (or -f), substitutes ((vars)), checks every app before anything changes, then for each app: applies its manifest, uploads the bits (resource matching skips files the foundation already has), stages them and deploys the droplet with the strategy. A new app is created, staged and started directly. With several apps in the manifest, each is pushed in turn with the strategy; name one app to push only it.`
  static examples = [
    '<%= config.bin %> push --strategy rolling',
    '<%= config.bin %> push my-app -p ./build --strategy canary --instance-steps 20,50',
    '<%= config.bin %> push -f deploy/manifest.yml --vars-file deploy/prod.yml --var version=1.4.2',
    '<%= config.bin %> push api --strategy blue-green --no-delete',
    '<%= config.bin %> push my-app -i 4 -m 1G --max-in-flight 2',
    '<%= config.bin %> push my-app --no-start',
    '<%= config.bin %> push --strategy rolling --probe --abort-on-errors 3',
    '<%= config.bin %> push --strategy blue-green --smoke-test ./smoke.sh --probe',
  ]

  static args = {app: Args.string({description: 'App name: required without a manifest; with a multi-app manifest, push only this app', required: false})}
  static flags = {
    manifest: Flags.string({char: 'f', description: 'Manifest file, or a folder holding manifest.yml (default: ./manifest.yml if present).'}),
    'no-manifest': Flags.boolean({description: 'Ignore ./manifest.yml.', default: false}),
    path: Flags.string({char: 'p', description: "App folder or .zip/.jar/.war archive (default: the manifest's path, else the current folder)."}),
    var: Flags.string({description: 'Manifest variable ((NAME)): NAME=VALUE. Repeatable.', multiple: true, multipleNonGreedy: true, helpValue: 'NAME=VALUE'}),
    'vars-file': Flags.string({
      description: 'YAML file of manifest variables. Repeatable; later files and --var win.',
      multiple: true,
      multipleNonGreedy: true,
      helpValue: 'FILE',
    }),
    buildpack: Flags.string({
      char: 'b',
      description: "Buildpack name or URL (repeatable; 'default' for auto-detection).",
      multiple: true,
      multipleNonGreedy: true,
    }),
    stack: Flags.string({char: 's', description: 'Stack, for example cflinuxfs4.'}),
    instances: Flags.integer({char: 'i', description: 'Web instances. With a strategy, sent as a deployment option.', min: 0}),
    memory: Flags.string({char: 'm', description: 'Web memory, for example 512M or 1G. With a strategy, sent as a deployment option.'}),
    disk: Flags.string({char: 'k', description: 'Web disk, for example 1G. With a strategy, sent as a deployment option.'}),
    'log-rate-limit': Flags.string({
      char: 'l',
      description: 'Web log rate limit per second, for example 16K or -1 for no limit. With a strategy, sent as a deployment option.',
    }),
    'no-start': Flags.boolean({
      description: 'Apply the manifest and upload the bits, but do not stage or deploy (the running version is left alone).',
      default: false,
    }),
    ...strategyFlags,
    ...timeoutFlags,
    ...blueGreenFlags,
    ...smokeTestFlags,
    ...probeFlags,
    ...summaryFlags,
  }

  async run() {
    const {args, flags} = await this.parse(Push, probeArgv(this.argv))
    const {pushOptions, preparePush, runPush, renderPushResults} = await import('../push/index.js')
    const {input, opts, noStart, probe} = pushOptions(args.app, flags, process.cwd())
    const prepared = preparePush(input)
    const results = await this.withSummary(flags.summary, args.app, async () => runPush(await this.context(flags), {prepared, opts, noStart, probe}))
    this.log(renderPushResults(this.ui, results))
    return results.length === 1 ? results[0] : results
  }
}
