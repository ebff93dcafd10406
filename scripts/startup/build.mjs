/**
 * The build step behind bin/run.js's fast path for `cfzd --version` and `cfzd ... --help`
 * (run by `npm run build` after `oclif manifest`):
 *
 * - dist/startup/data.json: what oclif's Help reads, taken from the real oclif Config (every
 *   plugin's commands and topics, package.json), plus the manifest's size, so that bin/run.js
 *   falls back to oclif when the manifest changed after this step (it also checks the mtimes).
 * - dist/startup/help.js: scripts/startup/help-entry.cjs (oclif's Help class) bundled with esbuild
 *   into one file, so rendering help costs one file instead of @oclif/core's ~160 modules, and
 *   help.cache, V8's code cache for it.
 *
 * When the CLI uses something the fast path does not reproduce (a custom help class, a theme,
 * flexible taxonomy, a single-command CLI), data.json says so and bin/run.js always uses oclif.
 */
import fs from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'
import {build} from 'esbuild'
import {Config} from '@oclif/core'

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
        b.onResolve({filter: /^ejs$/}, (a) =>
          a.importer.endsWith(path.join('help', 'util.js')) ? {path: path.join(root, 'scripts', 'startup', 'ejs-shim.cjs')} : undefined,
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
const log = console.log
console.log = () => {}
try {
  Object.assign(data.config, {userAgent: `${data.name}/${data.version}`, platform: process.platform, arch: process.arch, shell: 'sh', windows: false})
  const subjects = [[], ...data.commands.map((c) => c.id.split(':')), ...data.topics.map((t) => t.name.split(':'))]
  for (const s of subjects) await mod.exports.showHelp([...s, '--help'], data)
} finally {
  console.log = log
}
fs.writeFileSync(path.join(out, 'help.cache'), script.createCachedData())
for (const old of ['help.cjs']) fs.rmSync(path.join(out, old), {force: true})
if (!data.ok) console.warn(`startup fast path off: ${unsupported.join(', ')}`)
