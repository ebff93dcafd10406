import {Command} from '@oclif/core'

export default class AutocompleteFish extends Command {
  static summary = 'Print the fish completion script (bash, zsh and PowerShell: cfzd autocomplete SHELL)'
  static description =
    'Generated from the commands themselves: commands, topics, flags with their descriptions, and the values a flag takes. Save it where fish loads completions, then open a new shell.'
  static examples = ['<%= config.bin %> autocomplete fish > ~/.config/fish/completions/<%= config.bin %>.fish']

  async run() {
    await this.parse(AutocompleteFish)
    const {fishCompletion} = await import('../../completion/fish.js')
    const commands = this.config.commands.map((c) => ({...c, flags: c.flags as never}))
    process.stdout.write(fishCompletion(this.config.bin, commands, this.config.topics))
  }
}
