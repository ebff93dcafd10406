/**
 * Runs action.yml's composite steps the way a GitHub runner does, here: `${{ … }}` expressions
 * substituted into each step's `run`, `env` and `if` (inputs with their defaults, the action's
 * path), the script run by `bash --noprofile --norc -eo pipefail FILE` with GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY and GITHUB_ACTION_PATH set, and the action's outputs read back from the
 * step outputs. Only the expressions action.yml uses are understood; any other one fails the test.
 */
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {load} from 'js-yaml'
import {ROOT} from './e2e.js'

export interface ActionYaml {
  name: string
  inputs: Record<string, {description: string; required?: boolean; default?: string}>
  outputs: Record<string, {description: string; value: string}>
  runs: {
    using: string
    steps: {id?: string; name?: string; if?: string; uses?: string; with?: Record<string, string>; shell?: string; run?: string; env?: Record<string, string>}[]
  }
}

export function readAction(): ActionYaml {
  return load(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYaml
}

export interface ActionRun {
  code: number
  stdout: string
  stderr: string
  /** Every step output, by step id. */
  steps: Record<string, Record<string, string>>
  /** The action's outputs, as a workflow sees them. */
  outputs: Record<string, string>
  /** What was appended to $GITHUB_STEP_SUMMARY. */
  summary: string
}

/** $GITHUB_OUTPUT's two forms: name=value and name<<DELIMITER … DELIMITER. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (!line) continue
    const heredoc = line.match(/^([^=<]+)<<(.+)$/)
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      if (end === -1) throw new Error(`GITHUB_OUTPUT: no closing ${heredoc[2]}`)
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else {
      const eq = line.indexOf('=')
      if (eq <= 0) throw new Error(`GITHUB_OUTPUT: not an output line: ${line}`)
      out[line.slice(0, eq)] = line.slice(eq + 1)
    }
  }
  return out
}

/** Run the action with these inputs, and env as the workflow step's `env:` (secrets) gives it. */
export async function runAction(inputs: Record<string, string>, env: NodeJS.ProcessEnv, opts: {timeoutMs?: number} = {}): Promise<ActionRun> {
  const action = readAction()
  for (const name of Object.keys(inputs)) if (!(name in action.inputs)) throw new Error(`action.yml has no input ${name}`)
  const value = (name: string) => inputs[name] ?? action.inputs[name]?.default ?? ''
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-action-'))
  const outputFile = path.join(temp, 'output')
  const summaryFile = path.join(temp, 'step-summary.md')
  fs.writeFileSync(summaryFile, '')
  const steps: ActionRun['steps'] = {}
  const expr = (text: string, stepOutputs = steps): string =>
    text.replaceAll(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e: string) => {
      let m = e.match(/^inputs\.([\w-]+)$/)
      if (m) {
        if (!(m[1] in action.inputs)) throw new Error(`action.yml uses an undeclared input: ${e}`)
        return value(m[1])
      }
      if (e === 'github.action_path') return ROOT
      m = e.match(/^steps\.([\w-]+)\.outputs\.([\w-]+)$/)
      if (m) return stepOutputs[m[1]]?.[m[2]] ?? ''
      throw new Error(`expression the test runner does not know: ${e}`)
    })
  const condition = (cond: string | undefined): boolean => {
    if (cond === undefined) return true
    const m = cond
      .replace(/^\$\{\{\s*(.*)\s*\}\}$/, '$1')
      .trim()
      .match(/^inputs\.([\w-]+)\s*(==|!=)\s*''$/)
    if (!m) throw new Error(`condition the test runner does not know: ${cond}`)
    return m[2] === '==' ? value(m[1]) === '' : value(m[1]) !== ''
  }
  let stdout = ''
  let stderr = ''
  let code = 0
  try {
    for (const [i, step] of action.runs.steps.entries()) {
      if (!condition(step.if)) continue
      if (step.uses) throw new Error(`step ${step.name ?? i} uses ${step.uses}: the test runner runs only run: steps`)
      if (step.shell !== 'bash' || !step.run) throw new Error(`step ${step.name ?? i}: expected shell: bash and run:`)
      fs.writeFileSync(outputFile, '')
      const script = path.join(temp, `step-${i}.sh`)
      fs.writeFileSync(script, expr(step.run))
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expr(String(v))]))
      const r = await spawnStep(
        script,
        {
          HOME: temp,
          ...env,
          CI: 'true',
          GITHUB_ACTIONS: 'true',
          GITHUB_OUTPUT: outputFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          GITHUB_ACTION_PATH: ROOT,
          RUNNER_TEMP: temp,
          ...stepEnv,
        },
        opts.timeoutMs ?? 120_000,
      )
      stdout += r.stdout
      stderr += r.stderr
      if (step.id) steps[step.id] = parseOutputFile(fs.readFileSync(outputFile, 'utf8'))
      code = r.code
      if (code !== 0) break
    }
    const outputs = Object.fromEntries(Object.entries(action.outputs).map(([name, o]) => [name, expr(o.value)]))
    return {code, stdout, stderr, steps, outputs, summary: fs.readFileSync(summaryFile, 'utf8')}
  } finally {
    fs.rmSync(temp, {recursive: true, force: true})
  }
}

function spawnStep(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the action did not finish in ${timeoutMs}ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (c) => {
      clearTimeout(timer)
      resolve({code: c ?? -1, stdout, stderr})
    })
  })
}
