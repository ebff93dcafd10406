'use strict'
/**
 * Source of dist/startup/help.js (bundled by scripts/startup/build.mjs): oclif's own Help class,
 * fed with the commands and topics that `npm run build` read from the real oclif Config, so
 * `cfzd ... --help` prints exactly what oclif prints (same code, same terminal width and colour
 * detection) without loading @oclif/core's config, plugins and command modules.
 */
const {format} = require('node:util')
const {Help, getHelpFlagAdditions, standardizeIDFromArgv} = require('@oclif/core/help')

/** A read-only stand-in for oclif's Config with what Help reads (see data.json). */
function stubConfig(data) {
  const commands = data.commands.map((c) => ({...c}))
  const byId = new Map(commands.map((c) => [c.id, c]))
  const topics = data.topics.map((t) => ({...t}))
  const topicsByName = new Map(topics.map((t) => [t.name, t]))
  return {
    ...data.config,
    commands,
    commandIDs: commands.map((c) => c.id),
    topics,
    theme: undefined,
    plugins: new Map(Object.entries(data.pluginStates).map(([name, state]) => [name, {pjson: {oclif: state ? {state} : {}}}])),
    findCommand: (id) => byId.get(id),
    findTopic: (name) => topicsByName.get(name),
    findMatches: () => [],
    runHook: async () => ({successes: [], failures: []}),
  }
}

exports.stubConfig = stubConfig

/** Help.showHelp's choice of subject (help/index.js getHelpSubject, which oclif does not export). */
function helpSubject(argv, config) {
  const helpFlags = getHelpFlagAdditions(config)
  let args = argv.filter((a) => !helpFlags.includes(a))
  if (config.topicSeparator !== ':') args = standardizeIDFromArgv(args, config)
  for (const arg of args) {
    if (arg === '--') return undefined
    if (helpFlags.includes(arg) || arg === 'help') continue
    if (arg.startsWith('-')) return undefined
    return arg
  }
  return undefined
}

/**
 * The help oclif would print for argv (everything it writes to stdout, as one string), or false
 * when this is not a case the fast path knows to be identical: an unknown subject (oclif's error
 * path), a command with dynamic help.
 */
exports.renderHelp = async function renderHelp(argv, data) {
  const config = stubConfig(data)
  const subject = helpSubject([...argv], config)
  if (subject !== undefined) {
    const command = config.findCommand(subject)
    if (!command && !config.findTopic(subject)) return false
    if (command && command.hasDynamicHelp) return false
  }
  // Help writes with console.log (ux.stdout); collect exactly what it would write.
  let out = ''
  const log = console.log
  console.log = (...args) => {
    out += format(...args) + '\n'
  }
  try {
    await new Help(config, data.helpOptions).showHelp([...argv])
  } finally {
    console.log = log
  }
  return out
}
