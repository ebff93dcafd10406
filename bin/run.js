#!/usr/bin/env node
/**
 * cfzd's entry point.
 *
 * `cfzd --version` and `cfzd [COMMAND] --help` take a fast path. Loading @oclif/core alone costs
 * several times Node's own start-up, so these answer from what `npm run build` generated in
 * dist/startup/ (scripts/startup/build.mjs): the commands and topics oclif's Config found, every
 * help page as oclif prints it to a pipe, and oclif's own Help class bundled into one file (with
 * V8's code cache) for the other widths and colours. The output is oclif's, byte for byte
 * (test/e2e/startup compares them). The day-to-day commands (apps, app, restart, restage, push,
 * cancel-deployment, restage-all: meta.json lists them) run from one bundle each in
 * dist/startup/commands/, with V8's code cache and without loading oclif's Config (see
 * runCommand). Every other command, and anything the fast path does not know to be identical (an
 * unknown command, DEBUG or CFZD_DEBUG, --verbose, a user theme, WSL or Windows, a manifest
 * rebuilt since), goes to oclif as before.
 *
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
  // A command cfzd runs from a bundle (`npm run build` lists them in meta.json): argv[0] is its id.
  const command = !version && !help && /^[a-z][a-z-]*$/.test(argv[0] ?? '') ? argv[0] : undefined
  if (!version && !help && !command) return false

  const [fs, os, path] = await Promise.all([builtin('node:fs'), builtin('node:os'), builtin('node:path')])
  const dir = path.join(decodeURIComponent(new URL('.', import.meta.url).pathname), '..', 'dist', 'startup')
  let meta
  try {
    // Made from this manifest: same size, and the manifest not rewritten since (npm pack gives
    // every file the same mtime, hence >=).
    const file = path.join(dir, 'meta.json')
    const made = fs.statSync(file)
    const m = fs.statSync(path.join(dir, '..', '..', 'oclif.manifest.json'))
    meta = JSON.parse(fs.readFileSync(file, 'utf8'))
    if (!meta.ok || m.size !== meta.manifest.size || m.mtimeMs > made.mtimeMs) return false
  } catch {
    return false
  }
  if (command && !meta.commands?.includes(command)) return false

  const platform = process.platform
  if (platform === 'win32' || isWsl(fs, os)) return false // oclif names the platform and shell differently there
  const arch = os.arch() === 'ia32' ? 'x86' : os.arch()
  const userAgent = `${meta.name}/${meta.version} ${platform}-${arch} node-${process.version}`
  if (version) return print(fs, `${userAgent}\n`)

  // A user theme (oclif reads <config dir>/theme.json) changes the colours: leave it to oclif.
  const scope = meta.bin.replaceAll('@', '').replaceAll(/[-/]/g, '_').toUpperCase()
  if (env[`${scope}_CONFIG_DIR`]) return false
  const home = env.HOME || os.homedir() || os.tmpdir()
  if (fs.existsSync(path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), meta.dirname, 'theme.json'))) return false

  if (command) {
    // oclif turns on its debug output for CFZD_DEBUG (as for DEBUG, above).
    if (env[`${scope}_DEBUG`]) return false
    // --verbose shows stack traces, which name oclif's and cfzd's own files: oclif's.
    if ((end === -1 ? argv : argv.slice(0, end)).includes('--verbose')) return false
    return runCommand(fs, path, dir, command, argv, {userAgent, platform, arch, shell: (env.SHELL ?? 'unknown').split('/').at(-1), windows: false})
  }

  // Output to a pipe or file, without colour, for a plain `[TOPIC...] [COMMAND] --help`: the page
  // as it was rendered at build time.
  const subject = argv.filter((a) => a !== '--help').join(':')
  if (plainOutput(fs, env) && meta.pages?.includes(subject) && !/(^|:)help(:|$)/.test(subject) && (subject || meta.rootUserAgent === userAgent)) {
    let page
    try {
      page = fs.readFileSync(path.join(dir, 'plain', `${subject.replaceAll(':', '+') || '_root'}.txt`), 'utf8')
    } catch {}
    if (page !== undefined) return print(fs, page)
  }

  // Anything else: oclif's Help at run time, from the bundle.
  const [vm, {createRequire}] = await Promise.all([builtin('node:vm'), builtin('node:module')])
  const file = path.join(dir, 'help.js')
  let cachedData
  try {
    cachedData = fs.readFileSync(path.join(dir, 'help.cache'))
  } catch {}
  const mod = {exports: {}}
  new vm.Script(fs.readFileSync(file, 'utf8'), {filename: file, cachedData}).runInThisContext()(mod.exports, createRequire(file), mod, file, dir)
  const data = JSON.parse(fs.readFileSync(path.join(dir, 'data.json'), 'utf8'))
  Object.assign(data.config, {userAgent, platform, arch, shell: (env.SHELL ?? 'unknown').split('/').at(-1), windows: false})
  const out = await mod.exports.renderHelp(argv, data)
  return out === false ? false : print(fs, out)
}

/**
 * `cfzd COMMAND ...` from dist/startup/commands/COMMAND.js: the command and everything it imports
 * (oclif's Command, Parser and error handling included) in one file, compiled from V8's code
 * cache, run as oclif runs it (scripts/startup/command-entry.cjs) with oclif's Config as the build
 * read it. Returns false (for oclif) when the bundle is missing.
 */
async function runCommand(fs, path, dir, id, argv, runtime) {
  const [vm, {createRequire}] = await Promise.all([builtin('node:vm'), builtin('node:module')])
  const file = path.join(dir, 'commands', `${id}.js`)
  let source
  let data
  try {
    // Made from cfzd's compiled files as they are now (not rebuilt by tsc alone since).
    const made = fs.statSync(file).mtimeMs
    const root = path.join(dir, '..', '..')
    for (const input of JSON.parse(fs.readFileSync(path.join(dir, 'commands', `${id}.inputs.json`), 'utf8'))) {
      if (fs.statSync(path.join(root, input)).mtimeMs > made) return false
    }
    source = fs.readFileSync(file, 'utf8')
    data = JSON.parse(fs.readFileSync(path.join(dir, 'data.json'), 'utf8'))
  } catch {
    return false
  }
  let cachedData
  try {
    cachedData = fs.readFileSync(path.join(dir, 'commands', `${id}.cache`))
  } catch {}
  const mod = {exports: {}}
  new vm.Script(source, {filename: file, cachedData}).runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file))
  Object.assign(data.config, runtime)
  const trace = () => process.env.CFZD_FAST_PATH === 'trace' && process.stderr.write('cfzd: fast path\n')
  return mod.exports.runCommand(mod.exports.Command, id, argv, data, trace)
}

/**
 * Whether oclif would print help at 80 columns without colour: stdout is not a terminal (a pipe,
 * file or socket, or /dev/null), no OCLIF_COLUMNS, and nothing that makes ansis use colour
 * anyway (FORCE_COLOR, COLORTERM, CI systems, --color) unless NO_COLOR says no.
 */
function plainOutput(fs, env) {
  if (Number.parseInt(env.OCLIF_COLUMNS, 10)) return false
  if (process.argv.some((a) => /^-{1,2}(no-)?colou?r/.test(a))) return false
  let st
  try {
    st = fs.fstatSync(1)
  } catch {
    return false
  }
  const terminal = !(st.isFIFO() || st.isFile() || st.isSocket() || (st.isCharacterDevice() && devNull(fs)))
  if (terminal) return false
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return true
  const colourAnyway =
    ['FORCE_COLOR', 'COLORTERM', 'TF_BUILD', 'CI', 'PM2_HOME', 'NEXT_RUNTIME'].some((k) => k in env) || Object.keys(env).some((k) => k.startsWith('TEAMCI'))
  return !colourAnyway
}

function devNull(fs) {
  try {
    return fs.readlinkSync('/proc/self/fd/1') === '/dev/null'
  } catch {
    return false
  }
}

/** Write to stdout in one go, as console.log would have (without setting up the stream). */
function print(fs, text) {
  const buf = Buffer.from(text)
  let off = 0
  try {
    while (off < buf.length) off += fs.writeSync(1, buf, off)
  } catch (error) {
    if (error.code === 'EAGAIN') process.stdout.write(buf.subarray(off))
    else if (error.code !== 'EPIPE') throw error
  }
  if (process.env.CFZD_FAST_PATH === 'trace') process.stderr.write('cfzd: fast path\n')
  return true
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
