#!/usr/bin/env node
/**
 * cfzd's entry point.
 *
 * `cfzd --version` and `cfzd [COMMAND] --help` take a fast path. Loading @oclif/core alone costs
 * about twice Node's own start-up, so these answer from what `npm run build` generated in
 * dist/startup/ (scripts/startup/build.mjs): the commands and topics oclif's Config found, and
 * oclif's own Help class bundled into one file with V8's code cache. The output is oclif's, for
 * any terminal width and colour setting (test/e2e/startup.test.ts compares them). Every other
 * command, and anything the fast path does not know to be identical (an unknown command, DEBUG,
 * a user theme, WSL or Windows, a manifest rebuilt since), goes to oclif as before.
 * CFZD_FAST_PATH=0 turns the fast path off; CFZD_FAST_PATH=trace says on stderr when it answered.
 */
const builtin = (id) => (process.getBuiltinModule ? process.getBuiltinModule(id) : import(id).then((m) => m.default))

async function fastPath(argv) {
  const env = process.env
  if (env.CFZD_FAST_PATH === '0' || env.DEBUG) return false
  // oclif's order: --version as the first argument; then --help anywhere before `--`, or no arguments.
  const end = argv.indexOf('--')
  const version = argv[0] === '--version'
  const help = !version && (argv.length === 0 || (end === -1 ? argv : argv.slice(0, end)).includes('--help'))
  if (!version && !help) return false

  const [fs, os, path] = await Promise.all([builtin('node:fs'), builtin('node:os'), builtin('node:path')])
  const dir = path.join(decodeURIComponent(new URL('.', import.meta.url).pathname), '..', 'dist', 'startup')
  let data
  try {
    // Made from this manifest: same size, and the manifest not rewritten since (npm pack gives
    // every file the same mtime, hence >=).
    const file = path.join(dir, 'data.json')
    const made = fs.statSync(file)
    const m = fs.statSync(path.join(dir, '..', '..', 'oclif.manifest.json'))
    data = JSON.parse(fs.readFileSync(file, 'utf8'))
    if (!data.ok || m.size !== data.manifest.size || m.mtimeMs > made.mtimeMs) return false
  } catch {
    return false
  }

  const platform = process.platform
  if (platform === 'win32' || isWsl(fs, os)) return false // oclif names the platform and shell differently there
  const arch = os.arch() === 'ia32' ? 'x86' : os.arch()
  const userAgent = `${data.name}/${data.version} ${platform}-${arch} node-${process.version}`
  if (version) {
    console.log(userAgent)
    return traced(true)
  }

  // A user theme (oclif reads <config dir>/theme.json) changes the colours: leave it to oclif.
  const scope = data.bin.replaceAll('@', '').replaceAll(/[-/]/g, '_').toUpperCase()
  if (env[`${scope}_CONFIG_DIR`]) return false
  const home = env.HOME || os.homedir() || os.tmpdir()
  if (fs.existsSync(path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), data.dirname, 'theme.json'))) return false

  const [vm, {createRequire}] = await Promise.all([builtin('node:vm'), builtin('node:module')])
  const file = path.join(dir, 'help.js')
  let cachedData
  try {
    cachedData = fs.readFileSync(path.join(dir, 'help.cache'))
  } catch {}
  const mod = {exports: {}}
  new vm.Script(fs.readFileSync(file, 'utf8'), {filename: file, cachedData}).runInThisContext()(mod.exports, createRequire(file), mod, file, dir)
  Object.assign(data.config, {userAgent, platform, arch, shell: (env.SHELL ?? 'unknown').split('/').at(-1), windows: false})
  return traced(await mod.exports.showHelp(argv, data))
}

function traced(handled) {
  if (handled && process.env.CFZD_FAST_PATH === 'trace') process.stderr.write('cfzd: fast path\n')
  return handled
}

function isWsl(fs, os) {
  if (process.platform !== 'linux') return false
  if (os.release().toLowerCase().includes('microsoft')) return true
  try {
    if (fs.readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')) return true
  } catch {}
  return fs.existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || fs.existsSync('/run/WSL')
}

if (!(await fastPath(process.argv.slice(2)))) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
