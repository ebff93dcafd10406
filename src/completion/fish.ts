/**
 * Fish completions, generated from the commands' own definitions (oclif's manifest), for
 * `cfzd autocomplete fish`. @oclif/plugin-autocomplete covers bash, zsh and PowerShell.
 *
 * Commands complete at the start, topic commands after their topic (`cfzd local <TAB>`), and
 * each command's flags after it, with their descriptions, short names, and their values where
 * the flag lists them (`--strategy rolling|canary|blue-green`).
 */

export interface CompletionFlag {
  name: string
  char?: string
  type: 'boolean' | 'option'
  description?: string
  summary?: string
  helpValue?: string | string[]
  options?: readonly string[]
  hidden?: boolean
  allowNo?: boolean
}

export interface CompletionCommand {
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  flags: Record<string, CompletionFlag>
}

export interface CompletionTopic {
  name: string
  description?: string
  hidden?: boolean
}

/** A fish single-quoted string. */
function quote(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/** The first line (and sentence) of a description: what a completion menu has room for. */
function short(s: string | undefined, bin: string): string {
  const line = (s ?? '').replaceAll('<%= config.bin %>', bin).split('\n')[0].trim()
  const sentence = line.match(/^(.+?[.!?])\s+(?=[A-Z])/)
  return (sentence ? sentence[1] : line).replace(/\.$/, '')
}

/** Values a flag takes, from its options or a helpValue such as rolling|canary|blue-green. */
function values(f: CompletionFlag): string[] | undefined {
  if (f.options?.length) return [...f.options]
  const hv = Array.isArray(f.helpValue) ? f.helpValue.join('|') : f.helpValue
  return hv && /^[a-z0-9-]+(\|[a-z0-9-]+)+$/.test(hv) ? hv.split('|') : undefined
}

export function fishCompletion(bin: string, commands: CompletionCommand[], topics: CompletionTopic[]): string {
  const visible = commands.filter((c) => !c.hidden).sort((a, b) => a.id.localeCompare(b.id))
  const topicNames = new Set(topics.filter((t) => !t.hidden).map((t) => t.name))
  for (const c of visible) {
    const parts = c.id.split(':')
    for (let i = 1; i < parts.length; i++) topicNames.add(parts.slice(0, i).join(':'))
  }
  const describe = new Map<string, string>()
  for (const t of topics) describe.set(t.name, short(t.description, bin))
  for (const c of visible) describe.set(c.id, short(c.summary ?? c.description, bin))
  const ids = [...new Set([...visible.map((c) => c.id), ...topicNames])].sort()
  const fn = `__${bin.replaceAll(/[^a-zA-Z0-9]/g, '_')}`

  const lines = [
    `# ${bin} completions for fish, generated from its commands by \`${bin} autocomplete fish\`.`,
    `# Install: ${bin} autocomplete fish > ~/.config/fish/completions/${bin}.fish`,
    '',
    `set -g ${fn}_ids ${ids.map(quote).join(' ')}`,
    '',
    `# The command typed so far: its words up to the first flag or argument, joined with ':'.`,
    `function ${fn}_command`,
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    '    set -l id',
    '    for w in $words',
    "        string match -q -- '-*' $w; and break",
    '        set -l next (string join : $id $w)',
    `        contains -- $next $${fn}_ids; or break`,
    '        set id $next',
    '    end',
    '    string join : $id',
    'end',
    '',
    `function ${fn}_at`,
    `    set -l id (${fn}_command)`,
    '    test "$id" = "$argv[1]"',
    'end',
    '',
    `complete -c ${bin} -f -n '${fn}_at ""' -s h -l help -d 'Show help'`,
    `complete -c ${bin} -f -n '${fn}_at ""' -s v -l version -d 'Show the version'`,
  ]
  // Subcommands and topics: after the topic they belong to ('' for the root).
  for (const id of ids) {
    const parent = id.includes(':') ? id.slice(0, id.lastIndexOf(':')) : ''
    const word = id.slice(id.lastIndexOf(':') + 1)
    lines.push(`complete -c ${bin} -f -n ${quote(`${fn}_at ${quote(parent)}`)} -a ${quote(word)} -d ${quote(describe.get(id) ?? '')}`)
  }
  for (const c of visible) {
    lines.push('')
    const at = quote(`${fn}_at ${quote(c.id)}`)
    const flags = Object.values(c.flags)
      .filter((f) => !f.hidden)
      .sort((a, b) => a.name.localeCompare(b.name))
    for (const f of flags) {
      const opts = [`-n ${at}`, `-l ${f.name}`]
      if (f.char) opts.push(`-s ${f.char}`)
      if (f.type === 'option') {
        const v = values(f)
        opts.push(v ? `-x -a ${quote(v.join(' '))}` : '-r')
      }
      lines.push(`complete -c ${bin} ${opts.join(' ')} -d ${quote(short(f.summary ?? f.description, bin))}`)
      if (f.type === 'boolean' && f.allowNo) lines.push(`complete -c ${bin} -n ${at} -l no-${f.name} -d ${quote(short(f.summary ?? f.description, bin))}`)
    }
    lines.push(`complete -c ${bin} -n ${at} -l help -d 'Show help for the command'`)
  }
  return lines.join('\n') + '\n'
}
