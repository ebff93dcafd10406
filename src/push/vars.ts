/**
 * `((var))` substitution, as the cf CLI does it (BOSH-style templates):
 * - values come from `--vars-file F` (YAML mappings; later files win) and `--var k=v` (strings; they win over files);
 * - a scalar that is exactly `((name))` takes the variable's value with its YAML type (a number, a
 *   list, a map); `((name))` inside a longer string is replaced by the value's text;
 * - `((a.b))` looks up `b` inside the map `a` when there is no variable named `a.b`;
 * - every unresolved variable is reported with the line it is on.
 */
import fs from 'node:fs'
import {parseLocatedYaml, YamlProblem, type LocatedYaml, type YamlPath} from './yaml.js'
import type {Problem} from './problems.js'

export type Vars = Record<string, unknown>

const VAR = /\(\(\s*([A-Za-z0-9_\-./:]+)\s*\)\)/g
const WHOLE = /^\(\(\s*([A-Za-z0-9_\-./:]+)\s*\)\)$/

/** `--var k=v`: the value is a string, taken as is (it may contain '='). */
export function parseVarFlag(input: string): [string, string] | Problem {
  const eq = input.indexOf('=')
  if (eq <= 0) return {message: `--var ${JSON.stringify(input)} must be NAME=VALUE`}
  return [input.slice(0, eq), input.slice(eq + 1)]
}

/** A vars file: a YAML mapping of names to values. */
export function loadVarsFile(file: string, problems: Problem[]): Vars {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    problems.push({file, message: `can't read vars file: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`})
    return {}
  }
  let y: LocatedYaml
  try {
    y = parseLocatedYaml(text, file)
  } catch (error) {
    if (error instanceof YamlProblem) {
      problems.push(error.problem)
      return {}
    }
    throw error
  }
  if (y.value === undefined || y.value === null) return {}
  if (typeof y.value !== 'object' || Array.isArray(y.value)) {
    problems.push({file, line: y.lineOf([]), message: 'a vars file must be a mapping of names to values (name: value)'})
    return {}
  }
  return y.value as Vars
}

/** Merge vars files (in order) and --var flags (which win). */
export function mergeVars(files: Vars[], flags: [string, string][]): Vars {
  const out: Vars = {}
  for (const f of files) Object.assign(out, f)
  for (const [k, v] of flags) out[k] = v
  return out
}

function lookup(vars: Vars, name: string): {found: boolean; value?: unknown} {
  if (Object.hasOwn(vars, name)) return {found: true, value: vars[name]}
  let cur: unknown = vars
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return {found: false}
    cur = (cur as Record<string, unknown>)[part]
  }
  return {found: true, value: cur}
}

export interface Unresolved {
  name: string
  path: YamlPath
  /** Set when the variable exists but can't be embedded in a string (a map or a list). */
  reason?: string
}

/** Replace ((vars)) in every string of a parsed YAML value (keys included). Pure. */
export function interpolate(value: unknown, vars: Vars, path: (string | number)[] = [], missing: Unresolved[] = []): {value: unknown; missing: Unresolved[]} {
  const walk = (v: unknown, p: (string | number)[]): unknown => {
    if (typeof v === 'string') return substitute(v, p)
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...p, i]))
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) {
        const key = k.includes('((') ? String(substitute(k, [...p, k])) : k
        out[key] = walk(x, [...p, k])
      }
      return out
    }
    return v
  }
  const substitute = (s: string, p: (string | number)[]): unknown => {
    const whole = WHOLE.exec(s)
    if (whole) {
      const r = lookup(vars, whole[1])
      if (!r.found) {
        missing.push({name: whole[1], path: p})
        return s
      }
      return r.value
    }
    return s.replace(VAR, (text, name: string) => {
      const r = lookup(vars, name)
      if (!r.found) {
        missing.push({name, path: p})
        return text
      }
      if (r.value !== null && typeof r.value === 'object') {
        missing.push({name, path: p, reason: `((${name})) is a ${Array.isArray(r.value) ? 'list' : 'map'} and can't be placed inside a string`})
        return text
      }
      return r.value === null ? '' : String(r.value)
    })
  }
  return {value: walk(value, path), missing}
}
