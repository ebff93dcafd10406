'use strict'
/**
 * Source of the runner in dist/startup/commands/*.js (bundled by scripts/startup/build.mjs with one
 * command each): what oclif's execute() does for `cfzd COMMAND ...` once its Config is loaded, for
 * a command whose class is already in the bundle. oclif's main.run finds the command, runs the
 * init, prerun, postrun and finally hooks (cfzd and its plugins have none for these: the build
 * checks), and config.runCommand calls Command.run(argv, config), which makes the command with
 * `new Command(argv, config)` and runs cmd._run(); execute() then flushes stdout, or hands an error
 * to oclif's handle(), which prints it (and the usage for a parse error) and exits with its code.
 * Here the same oclif code runs (Command, Parser, handle, flush, Help, bundled), with a stand-in
 * for the Config made from what the build read from the real one (dist/startup/data.json).
 */
const Cache = require('../../node_modules/@oclif/core/lib/cache.js').default
const {handle} = require('../../node_modules/@oclif/core/lib/errors/handle.js')
const {flush} = require('../../node_modules/@oclif/core/lib/flush.js')
const {normalizeArgv} = require('../../node_modules/@oclif/core/lib/help/index.js')
const {stubConfig} = require('./help-entry.cjs')

const scope = (s) => s.replaceAll('@', '').replaceAll(/[/-]/g, '_')

/** oclif's Config as a command and the error handler see it, for this run. */
function commandConfig(data) {
  const config = stubConfig(data)
  return Object.assign(config, {
    _base: `@oclif/core@${Cache.getInstance().get('@oclif/core')?.version}`,
    binAliases: data.config.pjson.oclif?.binAliases,
    scopedEnvVar(k) {
      return process.env[this.scopedEnvVarKeys(k).find((key) => process.env[key])]
    },
    scopedEnvVarKey(k) {
      return [this.bin, k].map(scope).join('_').toUpperCase()
    },
    scopedEnvVarKeys(k) {
      return [this.bin, ...(this.binAliases ?? [])].filter(Boolean).map((alias) => [scope(alias), k].join('_').toUpperCase())
    },
    scopedEnvVarTrue(k) {
      const v = this.scopedEnvVar(k)
      return v === '1' || v === 'true'
    },
  })
}

/**
 * Run `Command` as oclif runs command `id` for `argv` (all of cfzd's arguments), when oclif would
 * take argv to mean that command: with a space as topic separator, `apps extra` is the unknown
 * command `apps:extra` to oclif. Returns false, having done nothing, when it would not.
 */
exports.runCommand = async function runCommand(Command, id, argv, data, onRun) {
  const config = commandConfig(data)
  const [found, ...rest] = normalizeArgv(config, [...argv])
  if (found !== id) return false
  onRun()
  await run(Command, id, rest, data, config)
  return true
}

async function run(Command, id, argv, data, config) {
  try {
    const cache = Cache.getInstance()
    cache.set('config', config)
    cache.set('exitCodes', data.config.pjson.oclif?.exitCodes ?? {})
    Command.id = id
    const cmd = new Command(argv, config)
    const result = await cmd._run()
    await flush()
    return result
  } catch (error) {
    return handle(error)
  }
}
