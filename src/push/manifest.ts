/**
 * The cf v3 app manifest (the format `cf push` and `apply_manifest` read): parsed with js-yaml,
 * ((vars)) substituted, validated with zod. Unknown fields are errors (a misspelt `disk-quota`
 * silently doing nothing is worse than a refusal), and every problem names the file and line.
 *
 * Top-level keys other than `version` and `applications` are allowed only when they hold a YAML
 * anchor (`defaults: &defaults ...`), the usual way to share settings between apps.
 */
import fs from 'node:fs'
import path from 'node:path'
import {z} from 'zod'
import type {Problems} from './problems.js'
import {SizeError, logRateBytes, megabytes} from './sizes.js'
import {interpolate, type Vars} from './vars.js'
import {parseLocatedYaml, YamlProblem, type LocatedYaml, type YamlPath} from './yaml.js'

const text = (what = 'a string') => z.string({error: `must be ${what}`})
const nonEmpty = (what = 'a non-empty string') => z.string({error: `must be ${what}`}).min(1, {error: `must be ${what}`})
const count = z.int({error: 'must be a whole number'}).min(0, {error: 'must be 0 or more'})
const seconds = z.int({error: 'must be a whole number of seconds'}).min(1, {error: 'must be at least 1 second'})
const bool = z.boolean({error: 'must be true or false'})
const scalar = z.union([z.string(), z.number(), z.boolean()], {error: 'must be a string, a number or true/false'})

function sizeOf(parse: (v: string | number, what: string) => number, what: string) {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      if (v === undefined) return
      if (typeof v !== 'string' && typeof v !== 'number') {
        ctx.addIssue({code: 'custom', message: `must be a size such as 256M or 1G`})
        return
      }
      try {
        parse(v, what)
      } catch (error) {
        ctx.addIssue({code: 'custom', message: error instanceof SizeError ? error.message : String(error)})
      }
    })
    .optional() as z.ZodOptional<z.ZodType<string | number>>
}
const memorySize = sizeOf(megabytes, 'memory')
const diskSize = sizeOf(megabytes, 'disk_quota')
const logRate = sizeOf(logRateBytes, 'log-rate-limit-per-second')

const healthCheckType = z.enum(['port', 'process', 'http', 'none'], {error: 'must be port, process or http'})
const readinessType = z.enum(['port', 'process', 'http'], {error: 'must be port, process or http'})

/** Health-check and scale keys a process has, and the app has for its web process. */
const processKeys = {
  command: text().nullable().optional(),
  instances: count.optional(),
  memory: memorySize,
  disk_quota: diskSize,
  'log-rate-limit-per-second': logRate,
  'health-check-type': healthCheckType.optional(),
  'health-check-http-endpoint': text('a path such as /health').optional(),
  'health-check-invocation-timeout': seconds.optional(),
  'health-check-interval': seconds.optional(),
  'readiness-health-check-type': readinessType.optional(),
  'readiness-health-check-http-endpoint': text('a path such as /ready').optional(),
  'readiness-health-check-invocation-timeout': seconds.optional(),
  'readiness-health-check-interval': seconds.optional(),
  timeout: seconds.optional(),
  user: text().optional(),
}

export const ManifestProcess = z.strictObject({type: nonEmpty('a process type such as web or worker'), ...processKeys})
export type ManifestProcess = z.infer<typeof ManifestProcess>

export const ManifestRoute = z.strictObject({
  route: nonEmpty('a route such as myapp.example.com or example.com/path'),
  protocol: z.enum(['http1', 'http2', 'tcp'], {error: 'must be http1, http2 or tcp'}).optional(),
  options: z
    .strictObject({
      loadbalancing: z.enum(['round-robin', 'least-connection', 'hash'], {error: 'must be round-robin, least-connection or hash'}).optional(),
      hash_header: text().optional(),
      hash_balance: z.union([z.number(), z.string()], {error: 'must be a number'}).optional(),
    })
    .optional(),
})

export const ManifestService = z.union(
  [nonEmpty(), z.strictObject({name: nonEmpty(), binding_name: text().optional(), parameters: z.record(z.string(), z.unknown()).optional()})],
  {error: 'each service must be a service instance name, or {name, binding_name, parameters}'},
)

const Labels = z.record(z.string(), scalar.nullable(), {error: 'must be a mapping of names to values'})

export const ManifestApp = z.strictObject({
  name: nonEmpty('the app name (a non-empty string)'),
  path: nonEmpty('a path to the app folder or archive').optional(),
  buildpack: text('a buildpack name or URL').nullable().optional(),
  buildpacks: z.array(nonEmpty('a buildpack name or URL'), {error: 'must be a list of buildpack names or URLs'}).nullable().optional(),
  stack: nonEmpty('a stack name such as cflinuxfs4').optional(),
  lifecycle: z.enum(['buildpack', 'cnb', 'docker'], {error: 'must be buildpack, cnb or docker'}).optional(),
  docker: z.strictObject({image: nonEmpty('an image reference'), username: text().optional()}).optional(),
  env: z.record(z.string(), scalar.nullable(), {error: 'must be a mapping of names to values'}).optional(),
  routes: z.array(ManifestRoute, {error: 'must be a list of {route: host.domain}'}).optional(),
  'no-route': bool.optional(),
  'random-route': bool.optional(),
  'default-route': bool.optional(),
  services: z.array(ManifestService, {error: 'must be a list of service instance names'}).optional(),
  processes: z.array(ManifestProcess, {error: 'must be a list of processes ({type: web, ...})'}).optional(),
  sidecars: z
    .array(
      z.strictObject({
        name: nonEmpty(),
        process_types: z.array(nonEmpty(), {error: 'must be a list of process types'}),
        command: nonEmpty(),
        memory: memorySize,
      }),
      {error: 'must be a list of sidecars'},
    )
    .optional(),
  features: z.record(z.string(), bool, {error: 'must be a mapping of feature names to true/false'}).optional(),
  metadata: z.strictObject({labels: Labels.optional(), annotations: Labels.optional()}).optional(),
  ...processKeys,
})
export type ManifestApp = z.infer<typeof ManifestApp>

const Top = z.looseObject({
  version: z.union([z.literal(1), z.literal('1')], {error: 'must be 1 (the only manifest version)'}).optional(),
  applications: z.array(z.unknown(), {error: "must be a list of apps, each starting with '- name: ...'"}).min(1, {error: 'lists no apps'}),
})

export interface LoadedManifest {
  /** The file as named in messages. */
  file: string
  /** Absolute path, and the folder app paths are relative to. */
  absPath: string
  dir: string
  apps: ManifestApp[]
  /** Line of a node, by path from the top (['applications', 0, 'memory']). */
  lineOf(path: YamlPath): number | undefined
}

/** Read, substitute and validate a manifest. Problems go to `problems`; returns undefined if the file could not be used at all. */
export function loadManifest(absPath: string, file: string, vars: Vars, problems: Problems): LoadedManifest | undefined {
  let source: string
  try {
    source = fs.readFileSync(absPath, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    problems.add({
      file,
      message:
        code === 'ENOENT'
          ? 'no such manifest file'
          : code === 'EISDIR'
            ? 'is a folder, not a manifest file'
            : `can't read the manifest: ${(error as Error).message}`,
    })
    return undefined
  }
  return parseManifest(source, {absPath, file, vars, problems})
}

export function parseManifest(source: string, o: {absPath: string; file: string; vars: Vars; problems: Problems}): LoadedManifest | undefined {
  const {file, problems} = o
  let y: LocatedYaml
  try {
    y = parseLocatedYaml(source, file)
  } catch (error) {
    if (error instanceof YamlProblem) {
      problems.add(error.problem)
      return undefined
    }
    throw error
  }
  const at = (p: YamlPath) => y.lineOf(p)
  if (y.value === undefined || y.value === null) {
    problems.add({file, message: 'the manifest is empty: it needs an applications list'})
    return undefined
  }
  if (typeof y.value !== 'object' || Array.isArray(y.value)) {
    problems.add({file, line: at([]), message: "a manifest must be a mapping with an 'applications' list"})
    return undefined
  }

  const {value, missing} = interpolate(y.value, o.vars)
  for (const m of missing) {
    problems.add({
      file,
      line: at(m.path),
      message: m.reason ?? `unresolved variable ((${m.name})): pass --var ${m.name}=VALUE or a --vars-file that defines it`,
    })
  }

  const top = Top.safeParse(value)
  if (!top.success) {
    for (const issue of top.error.issues)
      problems.add({file, line: at(issue.path as YamlPath), message: `${label(issue.path as (string | number)[], value)} ${describeIssue(issue, value)}`})
    return undefined
  }
  for (const key of Object.keys(top.data)) {
    if (key === 'version' || key === 'applications' || y.anchored([key])) continue
    problems.add({
      file,
      line: at([key]),
      message: `unknown top-level field '${key}'${suggest(key, ['applications', 'version'])} (only 'version', 'applications' and fields holding a YAML &anchor are allowed)`,
    })
  }

  const apps: ManifestApp[] = []
  const names = new Map<string, number>()
  top.data.applications.forEach((raw, i) => {
    const base: (string | number)[] = ['applications', i]
    const parsed = ManifestApp.safeParse(raw)
    const name = raw && typeof raw === 'object' && typeof (raw as {name?: unknown}).name === 'string' ? (raw as {name: string}).name : undefined
    const inApp = name ? ` (app '${name}')` : ` (applications[${i}])`
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const p = [...base, ...(issue.path as (string | number)[])]
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) {
            const known = Object.keys(p.includes('processes') ? ManifestProcess.shape : ManifestApp.shape)
            problems.add({file, line: at([...p, key]), message: `unknown field '${key}'${inApp}${suggest(key, known)}`})
          }
        } else {
          problems.add({file, line: at(p), message: `${label(issue.path as (string | number)[], raw)} ${describeIssue(issue, raw)}${inApp}`})
        }
      }
      return
    }
    const app = parsed.data
    const seen = names.get(app.name.toLowerCase())
    if (seen !== undefined) problems.add({file, line: at([...base, 'name']), message: `app '${app.name}' is listed twice (also applications[${seen}])`})
    names.set(app.name.toLowerCase(), i)
    const types = new Set<string>()
    app.processes?.forEach((p, j) => {
      if (types.has(p.type)) problems.add({file, line: at([...base, 'processes', j, 'type']), message: `process type '${p.type}' is listed twice${inApp}`})
      types.add(p.type)
    })
    if (app.docker && app.path)
      problems.add({file, line: at([...base, 'docker']), message: `'docker' and 'path' can't be used together${inApp}: a docker app has no bits to upload`})
    if (app.docker && (app.buildpacks?.length || app.buildpack))
      problems.add({file, line: at([...base, 'docker']), message: `'docker' and 'buildpacks' can't be used together${inApp}`})
    if (app.buildpack !== undefined && app.buildpacks !== undefined)
      problems.add({file, line: at([...base, 'buildpack']), message: `use 'buildpacks' (a list) instead of both 'buildpack' and 'buildpacks'${inApp}`})
    if (app['no-route'] && (app.routes?.length || app['random-route'])) {
      problems.add({
        file,
        line: at([...base, 'no-route']),
        message: `'no-route' can't be used with ${app.routes?.length ? "'routes'" : "'random-route'"}${inApp}`,
      })
    }
    apps.push(app)
  })
  if (problems.size > 0) return undefined
  return {file, absPath: o.absPath, dir: path.dirname(o.absPath), apps, lineOf: at}
}

/** "'instances'", or "'processes'[1] (worker) 'instances'": where in an app (or the manifest) a problem is. */
function label(p: (string | number)[], raw: unknown): string {
  if (p.length === 0) return 'the app'
  const parts: string[] = []
  let cur: unknown = raw
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]
    cur = cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[seg] : undefined
    if (typeof seg === 'number') {
      const type = cur && typeof cur === 'object' ? (cur as {type?: unknown; name?: unknown; route?: unknown}) : undefined
      const id = type && typeof type.type === 'string' ? type.type : type && typeof type.name === 'string' ? type.name : undefined
      parts[parts.length - 1] += `[${seg}]${id ? ` (${id})` : ''}`
    } else parts.push(`'${seg}'`)
  }
  return parts.join(' ')
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  if (issue.code === 'invalid_type' && valueAt(root, issue.path as (string | number)[]) === undefined) return 'is required'
  return issue.message
}

function valueAt(root: unknown, p: (string | number)[]): unknown {
  let cur = root
  for (const seg of p) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string | number, unknown>)[seg]
  }
  return cur
}

/** " (did you mean 'disk_quota'?)" when a known key is close. */
export function suggest(key: string, known: string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '')
  let best: string | undefined
  let bestD = Infinity
  for (const k of known) {
    const d = norm(k) === norm(key) ? 0 : distance(key.toLowerCase(), k.toLowerCase())
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(key.length / 4)) ? ` (did you mean '${best}'?)` : ''
}

function distance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      // A swap of two neighbours ("memroy") counts as one edit.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}
