/**
 * The build step behind bin/run.js's fast path for `cfzd --version` and `cfzd ... --help`
 * (run by `npm run build` after `oclif manifest`):
 *
 * - dist/startup/meta.json: name, version, and the manifest's size, so that bin/run.js falls back
 *   to oclif when the manifest changed after this step (it also checks the mtimes).
 * - dist/startup/data.json: what oclif's Help reads, taken from the real oclif Config (every
 *   plugin's commands and topics, package.json).
 * - dist/startup/help.js: scripts/startup/help-entry.cjs (oclif's Help class) bundled with esbuild
 *   into one file, so rendering help costs one file instead of @oclif/core's ~160 modules, and
 *   help.cache, V8's code cache for it.
 * - dist/startup/plain/*.txt: every help page as oclif prints it to a pipe (80 columns, no
 *   colour), the common case for scripts, CI and benchmarks: bin/run.js then prints it as it is.
 * - dist/startup/commands/<id>.js and .cache: each of FAST_COMMANDS with oclif's Command, Parser
 *   and error handling in one bundle (scripts/startup/command-entry.cjs), and V8's code cache for
 *   it made after a run that reaches the first requests; meta.json lists them.
 *
 * When the CLI uses something the fast path does not reproduce (a custom help class, a theme,
 * flexible taxonomy, a single-command CLI), data.json says so and bin/run.js always uses oclif.
 */
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'
import {build} from 'esbuild'
import {Config} from '@oclif/core'

/** The commands bin/run.js runs from a bundle (the day-to-day ones; the rest go through oclif). */
const FAST_COMMANDS = ['apps', 'app', 'restart', 'restage', 'push', 'cancel-deployment', 'restage-all']

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const out = path.join(root, 'dist', 'startup')
fs.mkdirSync(out, {recursive: true})

const config = await Config.load({root})
const manifestPath = path.join(root, 'oclif.manifest.json')
const manifest = fs.existsSync(manifestPath) ? fs.statSync(manifestPath) : undefined

const o = config.pjson.oclif ?? {}
const unsupported = [
  !manifest && 'no oclif.manifest.json',
  o.helpClass && 'a custom help class',
  o.theme && 'a theme',
  config.flexibleTaxonomy && 'flexible taxonomy',
  config.isSingleCommandCLI && 'a single-command CLI',
  o.additionalHelpFlags?.length && 'additional help flags',
  o.additionalVersionFlags?.length && 'additional version flags',
  o.hooks?.init && 'init hooks',
  [...config.plugins.values()].some((p) => p.hooks?.init?.length || p.hooks?.prerun?.length) && 'plugin init hooks',
].filter(Boolean)

const data = {
  ok: unsupported.length === 0,
  why: unsupported,
  manifest: manifest ? {size: manifest.size} : null,
  name: config.name,
  version: config.version,
  dirname: config.dirname,
  bin: config.bin,
  helpOptions: o.helpOptions ?? config.pjson.helpOptions,
  // Config fields Help reads; userAgent, platform and shell are filled in at run time.
  config: {
    bin: config.bin,
    name: config.name,
    version: config.version,
    dirname: config.dirname,
    topicSeparator: config.topicSeparator,
    isSingleCommandCLI: config.isSingleCommandCLI,
    flexibleTaxonomy: config.flexibleTaxonomy,
    pjson: config.pjson,
  },
  commands: JSON.parse(JSON.stringify(config.commands)),
  topics: JSON.parse(JSON.stringify(config.topics)),
  pluginStates: Object.fromEntries([...config.plugins.values()].map((p) => [p.name, p.pjson?.oclif?.state ?? null])),
}
fs.writeFileSync(path.join(out, 'data.json'), JSON.stringify(data))
// What --version and the checks need, small enough to cost nothing to read.
const meta = Object.fromEntries(['ok', 'why', 'manifest', 'name', 'version', 'dirname', 'bin'].map((k) => [k, data[k]]))
fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify(meta))

const bundled = await build({
  entryPoints: [path.join(root, 'scripts', 'startup', 'help-entry.cjs')],
  bundle: true,
  write: false,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      // Help imports these for code the fast path never reaches (a custom help class, a
      // subject that is not found); the real modules would pull in TypeScript, the module loader
      // and the whole ux (spinners, colours, errors).
      name: 'help-only',
      setup(b) {
        const coreHelp = path.join(root, 'node_modules', '@oclif', 'core', 'lib', 'help')
        const stubs = {
          '../config/ts-path': `module.exports = {tsPath: () => { throw new Error('not in the help fast path') }}`,
          '../module-loader': `module.exports = {load: () => { throw new Error('not in the help fast path') }}`,
          '../errors/error': `module.exports = {error: (m) => { throw new Error(m) }}`,
          '../ux': `const w = require('../ux/write'); module.exports = {ux: {stdout: w.stdout, stderr: w.stderr}}`,
        }
        b.onResolve({filter: /^\.\.\/(config\/ts-path|module-loader|errors\/error|ux)$/}, (a) =>
          path.dirname(a.importer) === coreHelp ? {path: a.path, namespace: 'help-only'} : undefined,
        )
        b.onLoad({filter: /.*/, namespace: 'help-only'}, (a) => ({contents: stubs[a.path], loader: 'js', resolveDir: coreHelp}))
        // Faster stand-ins that give the same results (see each file); they load the real
        // module for anything they do not handle.
        const shims = {ejs: 'ejs-shim.cjs', 'string-width': 'string-width-shim.cjs'}
        b.onResolve({filter: /^(ejs|string-width)$/}, (a) =>
          path.basename(path.dirname(a.importer)) === 'startup' ? undefined : {path: path.join(root, 'scripts', 'startup', shims[a.path])},
        )
      },
    },
  ],
})

// The bundle as a function expression for vm.Script, and V8's code cache for it, made after
// rendering every help page once so that it holds the compiled functions too (bin/run.js
// loads both; a cache V8 rejects, e.g. from another Node version, only costs the compile).
const helpJs = path.join(out, 'help.js')
const source = `(function (exports, require, module, __filename, __dirname) {${bundled.outputFiles[0].text}\n})`
fs.writeFileSync(helpJs, source)
const script = new vm.Script(source, {filename: helpJs})
const mod = {exports: {}}
script.runInThisContext()(mod.exports, createRequire(helpJs), mod, helpJs, out)
const subjects = [...new Set(['', ...data.commands.map((c) => c.id), ...data.topics.map((t) => t.name)])]
const runtime = {
  userAgent: `${data.name}/${data.version} ${process.platform}-${process.arch} node-${process.version}`,
  platform: process.platform,
  arch: process.arch,
  shell: 'sh',
  windows: false,
}
for (const s of subjects) await mod.exports.renderHelp([...(s ? s.split(':') : []), '--help'], {...data, config: {...data.config, ...runtime}})
fs.writeFileSync(path.join(out, 'help.cache'), script.createCachedData())

// The pages as oclif prints them without colour at 80 columns (stdout not a terminal, no
// OCLIF_COLUMNS): rendered in a child process with stdout a pipe and NO_COLOR, since ansis and
// oclif read both when they load. bin/run.js prints these when its output is the same case.
// The root page's VERSION line is the user agent (platform and Node version): it is used only
// where the user agent is the same.
const render = `
const fs = require('node:fs'), vm = require('node:vm'), {createRequire} = require('node:module')
const [file, dataFile, subjects, runtime] = JSON.parse(process.argv[1])
const mod = {exports: {}}
new vm.Script(fs.readFileSync(file, 'utf8'), {filename: file}).runInThisContext()(mod.exports, createRequire(file), mod, file, '.')
const data = JSON.parse(fs.readFileSync(dataFile, 'utf8'))
Object.assign(data.config, runtime)
;(async () => {
  const pages = {}
  for (const s of subjects) pages[s] = await mod.exports.renderHelp([...(s ? s.split(':') : []), '--help'], data)
  process.stdout.write(JSON.stringify(pages))
})()`
const child = spawnSync(process.execPath, ['-e', render, JSON.stringify([helpJs, path.join(out, 'data.json'), subjects, runtime])], {
  env: {PATH: process.env.PATH, NO_COLOR: '1'},
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 64 * 1024 * 1024,
})
if (child.status !== 0) throw new Error(`rendering the plain help pages failed (exit ${child.status})`)
// One file per page (plain/restart.txt, plain/local+start.txt, plain/_root.txt), so printing one
// reads only that page.
const plainDir = path.join(out, 'plain')
fs.rmSync(plainDir, {recursive: true, force: true})
fs.mkdirSync(plainDir)
meta.pages = []
for (const [s, page] of Object.entries(JSON.parse(child.stdout))) {
  if (typeof page !== 'string') continue // dynamic help: oclif's
  fs.writeFileSync(path.join(plainDir, `${s ? s.replaceAll(':', '+') : '_root'}.txt`), page)
  meta.pages.push(s)
}
meta.rootUserAgent = runtime.userAgent
fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify(meta))
// Commands: each of FAST_COMMANDS bundled with oclif's Command, Parser and error handling and
// everything the command imports (scripts/startup/command-entry.cjs), as one function expression
// with V8's code cache, in dist/startup/commands/<id>.js and .cache. bin/run.js runs them when
// argv[0] is one of these ids, so that Node compiles one file from cache instead of resolving and
// compiling @oclif/core, zod, got and the command's modules one by one.
const commandsDir = path.join(out, 'commands')

// The code cache is made again after a run of the command, in a child process, that gets as far
// as its first requests (to a loopback server that answers 404, so the run ends at once): V8 then
// caches the functions that run on the way there too (parsing, config, session, the HTTP client)
// instead of compiling them at every start.
const warmServer = http.createServer((req, res) => {
  req.resume()
  res
    .writeHead(404, {'content-type': 'application/json', connection: 'close'})
    .end('{"errors":[{"code":10000,"title":"CF-NotFound","detail":"Unknown request"}]}')
})
await new Promise((r) => warmServer.listen(0, '127.0.0.1', r))
const warmHome = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-startup-warm-'))
fs.writeFileSync(path.join(warmHome, 'package.json'), '{"name":"warm","version":"1.0.0"}\n')
const WARM_ARGS = {app: ['app', 'a'], push: ['push', 'a', '--no-manifest', '--path', warmHome], 'restage-all': ['restage-all', '--buildpack', 'b']}
const warm = `
const fs = require('node:fs'), vm = require('node:vm'), {createRequire} = require('node:module'), path = require('node:path')
const [file, id, argv, dataFile, runtime] = JSON.parse(process.argv[1])
const cacheFile = file.replace(/\\.js$/, '.cache')
const script = new vm.Script(fs.readFileSync(file, 'utf8'), {filename: file, cachedData: fs.readFileSync(cacheFile)})
process.on('exit', () => fs.writeFileSync(cacheFile + '.warm', script.createCachedData()))
const mod = {exports: {}}
script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file))
const data = JSON.parse(fs.readFileSync(dataFile, 'utf8'))
Object.assign(data.config, runtime)
mod.exports.runCommand(mod.exports.Command, id, argv, data, () => {})`
async function warmCache(file, id) {
  const argv = WARM_ARGS[id] ?? [id, ...(data.commands.find((c) => c.id === id).args?.app ? ['a'] : [])]
  const {port} = warmServer.address()
  const child = spawn(process.execPath, ['-e', warm, JSON.stringify([file, id, argv, path.join(out, 'data.json'), runtime])], {
    cwd: warmHome,
    env: {
      PATH: process.env.PATH,
      HOME: warmHome,
      CF_HOME: warmHome,
      NO_COLOR: '1',
      CF_API: `http://127.0.0.1:${port}`,
      CF_USERNAME: 'u',
      CF_PASSWORD: 'p',
      CF_STARTUP_TIMEOUT: '1',
      CF_STAGING_TIMEOUT: '1',
    },
    stdio: 'ignore',
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  await new Promise((r) => child.on('close', r))
  clearTimeout(timer)
  const warmed = file.replace(/\.js$/, '.cache.warm')
  if (fs.existsSync(warmed)) fs.renameSync(warmed, file.replace(/\.js$/, '.cache'))
  else console.warn(`startup fast path: ${id}: no warm code cache (kept the cold one)`)
}

/**
 * Libraries loaded with every command whose own start-up work is never needed before the command
 * sends its first request, in the bundle behind a stand-in that loads the library at the first
 * use of one of its exports (a getter for each, read from the library itself here): got's
 * http2-wrapper (it loads node:http2, which cfzd never uses: got takes it only with `http2: true`)
 * and fflate (its tables and worker_threads, for the zip that push makes after its first requests).
 */
const LAZY_MODULES = ['http2-wrapper', 'fflate']
const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    const filter = new RegExp(`^(${LAZY_MODULES.join('|')})$`)
    b.onResolve({filter}, async (a) => {
      if (a.pluginData?.lazy) return undefined
      const real = await b.resolve(a.path, {kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: {lazy: true}})
      if (real.errors.length > 0) return {errors: real.errors}
      // A CommonJS module whatever the library is (a .mjs name would make esbuild read it as ESM).
      return {path: `${real.path}.lazy.cjs`, namespace: 'lazy-module'}
    })
    b.onLoad({filter: /.*/, namespace: 'lazy-module'}, async (a) => {
      const file = a.path.slice(0, -'.lazy.cjs'.length)
      const names = Object.keys(/\.mjs$/.test(file) ? await import(file) : createRequire(import.meta.url)(file)).filter(
        (n) => n !== 'default' && n !== '__esModule',
      )
      const getters = names.map((n) => `  ${JSON.stringify(n)}: {enumerable: true, get: () => load()[${JSON.stringify(n)}]},`).join('\n')
      return {
        contents: `let real\nconst load = () => (real ??= require(${JSON.stringify(file)}))\nObject.defineProperties(module.exports, {\n${getters}\n})\n`,
        loader: 'js',
        resolveDir: path.dirname(file),
      }
    })
  },
}

/**
 * @sindresorhus/is (got's argument checks) makes two Intl.ListFormat objects when it loads, and
 * the first Intl object a process makes costs about as much as Node's own start-up (ICU's locale
 * data). They format only the message of a failed check: here they are made on first use.
 */
const INTL_LISTS = [
  "const andFormatter = new Intl.ListFormat('en', { style: 'long', type: 'conjunction' });",
  "const orFormatter = new Intl.ListFormat('en', { style: 'long', type: 'disjunction' });",
]
const deferIntl = {
  name: 'defer-intl',
  setup(b) {
    b.onLoad({filter: /[\\/]@sindresorhus[\\/]is[\\/]distribution[\\/]index\.js$/}, async (a) => {
      let contents = await fs.promises.readFile(a.path, 'utf8')
      for (const line of INTL_LISTS) {
        if (!contents.includes(line)) {
          console.warn(`startup fast path: ${a.path} changed; its Intl.ListFormat objects are made when it loads`)
          continue
        }
        const [, name, make] = /^const (\w+) = (.*);$/.exec(line)
        contents = contents.replace(line, `let ${name}_;\nconst ${name} = {format: (list) => (${name}_ ??= ${make}).format(list)};`)
      }
      return {contents, loader: 'js'}
    })
  },
}

fs.rmSync(commandsDir, {recursive: true, force: true})
fs.mkdirSync(commandsDir)
meta.commands = []
const hooks = new Set([...config.plugins.values()].flatMap((p) => Object.keys(p.hooks ?? {}).filter((h) => (p.hooks[h] ?? []).length > 0)))
const lifecycleHooks = ['init', 'prerun', 'postrun', 'finally', 'preparse'].filter((h) => hooks.has(h))
for (const id of FAST_COMMANDS) {
  const cmd = data.commands.find((c) => c.id === id)
  // Only a root-plugin command with no topic under the same name (so argv[0] is always its id)
  // and no hook that would run around it.
  const why = !cmd
    ? 'not a command'
    : cmd.pluginName !== data.name
      ? 'not in cfzd itself'
      : data.commands.some((c) => c.id.startsWith(`${id}:`))
        ? 'also a topic'
        : lifecycleHooks.length > 0
          ? `${lifecycleHooks.join(', ')} hooks`
          : undefined
  if (why) {
    console.warn(`startup fast path: ${id} goes to oclif (${why})`)
    continue
  }
  const target = path.join(root, ...cmd.relativePath)
  const built = await build({
    stdin: {
      contents: `export {runCommand} from ${JSON.stringify(path.join(root, 'scripts', 'startup', 'command-entry.cjs'))}\nexport {default as Command} from ${JSON.stringify(target)}\n`,
      resolveDir: root,
      sourcefile: `${id}-entry.mjs`,
      loader: 'js',
    },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: !process.env.CFZD_STARTUP_PROFILE,
    legalComments: 'none',
    logLevel: 'error',
    // oclif loads TypeScript only for ts-node set-ups, never on this path.
    external: ['typescript'],
    metafile: true,
    plugins: [
      {
        // zod's namespace exports every locale's messages (about a third of the bundle); cfzd
        // uses zod's default, English, which zod sets up itself.
        name: 'zod-english-only',
        setup(b) {
          b.onResolve({filter: /^\.\.\/locales\/index\.js$/}, (a) =>
            /[\\/]zod[\\/]v4[\\/](classic|core)$/.test(a.resolveDir)
              ? {path: path.join(a.resolveDir, '..', 'locales', 'en.js'), namespace: 'zod-en'}
              : undefined,
          )
          b.onLoad({filter: /.*/, namespace: 'zod-en'}, (a) => ({
            contents: `export {default as en} from ${JSON.stringify(a.path)}`,
            loader: 'js',
            resolveDir: path.dirname(a.path),
          }))
        },
      },
      lazyModules,
      deferIntl,
    ],
  })
  const file = path.join(commandsDir, `${id}.js`)
  // cfzd's own compiled files in the bundle: bin/run.js leaves the command to oclif when one of
  // them is newer than the bundle (dist/ rebuilt by tsc alone).
  const inputs = Object.keys(built.metafile.inputs)
    .map((f) => path.relative(root, path.resolve(root, f)))
    .filter((f) => f.startsWith(`dist${path.sep}`))
  fs.writeFileSync(path.join(commandsDir, `${id}.inputs.json`), JSON.stringify(inputs))
  const code = `(function (exports, require, module, __filename, __dirname) {${built.outputFiles[0].text}\n})`
  fs.writeFileSync(file, code)
  const s = new vm.Script(code, {filename: file})
  const loaded = {exports: {}}
  s.runInThisContext()(loaded.exports, createRequire(file), loaded, file, commandsDir)
  // What bin/run.js takes from the bundle, and nothing else (a stand-in that wrote to the
  // bundle's own module as it loads would show here).
  if (Object.keys(loaded.exports).sort().join() !== 'Command,runCommand') throw new Error(`${id}: the bundle exports ${Object.keys(loaded.exports)}`)
  fs.writeFileSync(path.join(commandsDir, `${id}.cache`), s.createCachedData())
  await warmCache(file, id)
  meta.commands.push(id)
}
warmServer.close()
fs.rmSync(warmHome, {recursive: true, force: true})
fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify(meta))
for (const old of ['help.cjs', 'plain.json']) fs.rmSync(path.join(out, old), {force: true})
if (!data.ok) console.warn(`startup fast path off: ${unsupported.join(', ')}`)
