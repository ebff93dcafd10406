import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../errors.js'

export default class LocalReleaseBuildpack extends BaseCommand {
  static summary = 'Release a new version of a buildpack on a local foundation (bumps its version and updated_at)'
  static description =
    'Apps whose current droplet was staged before the release then count as outdated, so restage-all picks them up. Uses your session: log in to the local foundation first (cfzd login -a http://127.0.0.1:9022 ...).'
  static examples = ['<%= config.bin %> local release-buildpack nodejs_buildpack', '<%= config.bin %> local release-buildpack ruby_buildpack --version 1.11.0']
  static args = {name: Args.string({description: 'Buildpack name', required: true})}
  static flags = {
    version: Flags.string({description: 'The new version (default: the next patch version).'}),
    api: Flags.string({description: 'The local foundation to use; must be the one you are logged in to.'}),
  }

  async run() {
    const {args, flags} = await this.parse(LocalReleaseBuildpack)
    const ctx = await this.context(flags)
    if (flags.api && flags.api.replace(/\/+$/, '') !== ctx.session.apiUrl.replace(/\/+$/, '')) {
      throw new UsageError(`You are logged in to ${ctx.session.apiUrl}, not ${flags.api}.`, [`Log in to it first: cfzd login -a ${flags.api}`])
    }
    const {releaseBuildpack} = await import('../../capi/local-admin.js')
    const released = await releaseBuildpack(ctx.capi, args.name, flags.version)
    for (const b of released) this.ui.out(`Released ${b.name} ${b.version}${b.stack ? ` (${b.stack})` : ''}, updated_at ${b.updated_at}`)
    return {buildpacks: released}
  }
}
