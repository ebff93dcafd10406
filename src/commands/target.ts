import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {renderKeyValues} from '../ui/table.js'

export default class TargetCommand extends BaseCommand {
  static summary = 'Show or set the targeted org and space'
  static examples = ['<%= config.bin %> target', '<%= config.bin %> target -o local -s dev']
  static flags = {
    org: Flags.string({char: 'o', description: 'Org'}),
    space: Flags.string({char: 's', description: 'Space'}),
  }

  async run() {
    const {flags} = await this.parse(TargetCommand)
    const ctx = await this.context(flags)
    let org = ctx.session.org
    let space = ctx.session.space
    if (flags.org || flags.space) {
      const {chooseTarget} = await import('../services/target.js')
      const {saveTarget} = await import('../auth/session.js')
      const chosen = await chooseTarget(ctx.capi, {org: flags.org, space: flags.space}, {org})
      org = chosen.org
      space = chosen.space
      if (org) await saveTarget(org, space, {})
      if (chosen.hint) this.ui.info(chosen.hint)
    }
    const who = ctx.session.tokens.identity()
    const out = {
      api: ctx.session.apiUrl,
      apiVersion: ctx.session.apiVersion,
      user: who.name,
      org: org?.name ?? ctx.session.orgName,
      space: space?.name ?? ctx.session.spaceName,
    }
    this.log(
      renderKeyValues([
        ['API endpoint', out.api],
        ['API version', out.apiVersion],
        [who.kind === 'client' ? 'client' : 'user', out.user],
        ['org', out.org ?? "No org targeted, use 'cfzd target -o ORG'"],
        ['space', out.space ?? "No space targeted, use 'cfzd target -s SPACE'"],
      ]),
    )
    return out
  }
}
