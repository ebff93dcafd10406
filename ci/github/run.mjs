#!/usr/bin/env node
/**
 * The step behind action.yml (the cfzd GitHub Action): run one cfzd command with --json and
 * hand its result to the workflow.
 *
 * - The inputs come as INPUT_COMMAND, INPUT_APP, INPUT_STRATEGY, INPUT_API, INPUT_ORG,
 *   INPUT_SPACE, INPUT_ARGS and INPUT_VERSION (action.yml sets them from `inputs`).
 * - The credentials come from the step's env, as cfzd reads them in CI: CF_USERNAME and
 *   CF_PASSWORD, or CF_CLIENT_ID and CF_CLIENT_SECRET, with CF_API (or the api input).
 * - cfzd runs as `npx --yes cfzd@VERSION`, VERSION being the version input or this action's own
 *   (its package.json); CFZD_BIN names another executable (the tests run the local build).
 * - The --json document goes to the `result` output, with `exit-code`, `outcome` and the fields
 *   a workflow branches on (droplet, deployment, restage-all's counts, ...) beside it, written to
 *   $GITHUB_OUTPUT. cfzd itself appends the Markdown summary to $GITHUB_STEP_SUMMARY.
 * - The step exits with cfzd's exit code, so a failed deployment fails the job; the outputs are
 *   written first, for a later `if: failure()` step.
 */
import {spawn} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

/**
 * Split the args input as a shell would, without expanding anything: whitespace separates,
 * '…' is taken as it is, "…" and bare words take \ as an escape.
 */
export function splitArgs(text) {
  const out = []
  let word = null
  let quote = null
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote === "'") {
      if (c === "'") quote = null
      else word += c
    } else if (quote === '"') {
      if (c === '"') quote = null
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) word += text[++i]
      else word += c
    } else if (/\s/.test(c)) {
      if (word !== null) out.push(word)
      word = null
    } else {
      word ??= ''
      if (c === "'" || c === '"') quote = c
      else if (c === '\\' && i + 1 < text.length) word += text[++i]
      else word += c
    }
  }
  if (quote) throw new Error(`The args input has an unterminated ${quote} quote: ${text}`)
  if (word !== null) out.push(word)
  return out
}

/** cfzd's arguments: the command (its words: `local release-buildpack`), the app, --strategy, the args, --json. */
export function cfzdArgs(inputs) {
  const command = (inputs.command ?? '').trim().split(/\s+/).filter(Boolean)
  if (command.length === 0) throw new Error('The command input is required: restart, restage, push, restage-all, ...')
  const args = [...command]
  if (inputs.app?.trim()) args.push(inputs.app.trim())
  if (inputs.strategy?.trim()) args.push('--strategy', inputs.strategy.trim())
  args.push(...splitArgs(inputs.args ?? ''))
  if (!args.includes('--json')) args.push('--json')
  return args
}

/** The cfzd executable: CFZD_BIN, or npx with the version input or this action's own version. */
export function cfzdExecutable(env, actionPath = path.resolve(here, '..', '..')) {
  if (env.CFZD_BIN) return [env.CFZD_BIN]
  let version = env.INPUT_VERSION?.trim()
  if (!version) version = JSON.parse(fs.readFileSync(path.join(actionPath, 'package.json'), 'utf8')).version
  return ['npx', '--yes', `cfzd@${version}`]
}

/** cfzd's environment: the api, org and space inputs as CF_API, CF_ORG and CF_SPACE when given. */
export function cfzdEnv(env) {
  const out = {...env, CI: env.CI || 'true'}
  for (const [input, name] of [
    ['INPUT_API', 'CF_API'],
    ['INPUT_ORG', 'CF_ORG'],
    ['INPUT_SPACE', 'CF_SPACE'],
  ]) {
    if (env[input]?.trim()) out[name] = env[input].trim()
  }
  return out
}

const str = (v) => (v === undefined || v === null ? '' : String(v))

/** The outputs beside `result`: what a workflow reads to decide what comes next. */
export function outputsOf(doc, exitCode) {
  const out = {'exit-code': String(exitCode)}
  if (doc === undefined) return {...out, outcome: 'failed', error: `cfzd printed no JSON (exit ${exitCode})`}
  out.result = JSON.stringify(doc)
  if (doc && typeof doc === 'object' && 'error' in doc && !Array.isArray(doc)) {
    return {...out, outcome: 'failed', error: str(doc.error?.message)}
  }
  if (Array.isArray(doc)) {
    // push with several apps: one result per app.
    return {...out, outcome: [...new Set(doc.map((r) => r.outcome))].join(','), app: doc.map((r) => r.app?.name).join(',')}
  }
  if (doc.command === 'restage-all') {
    const c = doc.counts ?? {}
    return {
      ...out,
      outcome: doc.dryRun ? 'planned' : c.failed ? 'failed' : str(doc.status),
      selected: str(c.selected),
      restaged: str(c.restaged),
      failed: str(c.failed),
      skipped: str(c.skipped),
      apps: JSON.stringify((doc.apps ?? []).filter((a) => a.status === 'restaged').map((a) => a.name)),
    }
  }
  if (typeof doc.outcome === 'string') {
    Object.assign(out, {
      outcome: doc.outcome,
      app: str(doc.app?.name),
      'app-guid': str(doc.app?.guid),
      strategy: str(doc.strategy),
      droplet: str(doc.droplet?.guid),
      'previous-droplet': str(doc.droplet?.previous),
      deployment: str(doc.deployment?.guid),
    })
    if (doc.previousApp) out['previous-app-guid'] = str(doc.previousApp.guid)
    if (doc.probe) Object.assign(out, {'probe-availability': str(doc.probe.availability), 'probe-failed': str(doc.probe.failed)})
    return out
  }
  return {...out, outcome: exitCode === 0 ? 'ok' : 'failed'}
}

/** $GITHUB_OUTPUT's format: name=value, or a heredoc with a delimiter the value can't contain. */
export function formatOutputs(outputs) {
  return Object.entries(outputs)
    .map(([name, value]) => {
      if (!/[\r\n]/.test(value)) return `${name}=${value}\n`
      const delimiter = `ghadelimiter_${crypto.randomUUID()}`
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`
    })
    .join('')
}

export async function main(env = process.env) {
  const inputs = {command: env.INPUT_COMMAND, app: env.INPUT_APP, strategy: env.INPUT_STRATEGY, args: env.INPUT_ARGS}
  let args
  try {
    args = cfzdArgs(inputs)
  } catch (error) {
    console.error(`::error::${error.message}`)
    if (env.GITHUB_OUTPUT) fs.appendFileSync(env.GITHUB_OUTPUT, formatOutputs({'exit-code': '2', outcome: 'failed', error: error.message}))
    return 2
  }
  const [file, ...pre] = cfzdExecutable(env)
  console.error(`cfzd ${args.join(' ')}`)
  const child = spawn(file, [...pre, ...args], {env: cfzdEnv(env), stdio: ['ignore', 'pipe', 'inherit']})
  let stdout = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d) => (stdout += d))
  const code = await new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(`::error::Could not run ${file}: ${error.message}`)
      resolve(127)
    })
    child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)))
  })
  let doc
  try {
    doc = stdout.trim() ? JSON.parse(stdout) : undefined
  } catch {
    console.error(`::warning::cfzd's output is not JSON:\n${stdout}`)
  }
  const outputs = outputsOf(doc, code)
  if (doc !== undefined) console.log(`::group::cfzd --json\n${JSON.stringify(doc, null, 2)}\n::endgroup::`)
  if (outputs.error) console.error(`::error::${outputs.error.split('\n')[0]}`)
  if (env.GITHUB_OUTPUT) fs.appendFileSync(env.GITHUB_OUTPUT, formatOutputs(outputs))
  else console.log(formatOutputs(outputs))
  return code
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  process.exitCode = await main()
}
