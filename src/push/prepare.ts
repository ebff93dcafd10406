/**
 * Everything about a push that can be checked without the foundation, checked for every app
 * before anything changes: the manifest (YAML, fields, ((vars))), which apps, the flags that
 * override it, and each app's bits (the path exists, something is left after the ignores).
 * All problems are reported together, each with its file and line.
 */
import fs from 'node:fs'
import path from 'node:path'
import {BitsError, scanBits, type Bits} from './bits.js'
import {loadManifest, type LoadedManifest, type ManifestApp} from './manifest.js'
import {applyOverrides, hasAppOverrides, type PreparedApp, type PushOverrides} from './plan.js'
import {Problems, type Problem} from './problems.js'
import {SizeError, megabytes} from './sizes.js'
import {loadVarsFile, mergeVars, parseVarFlag, type Vars} from './vars.js'

export interface PushInput {
  cwd: string
  /** The APP argument. */
  appName?: string
  /** -f: a manifest file, or a folder holding manifest.yml. */
  manifest?: string
  noManifest?: boolean
  vars?: string[]
  varsFiles?: string[]
  overrides?: PushOverrides
  /** For CF_DOCKER_PASSWORD. */
  env?: NodeJS.ProcessEnv
}

export interface PreparedPush {
  /** The manifest used, as named in messages. */
  manifestFile?: string
  apps: PreparedApp[]
}

const MANIFEST_NAMES = ['manifest.yml', 'manifest.yaml']

/** Find the manifest: -f FILE, -f FOLDER (its manifest.yml), or ./manifest.yml when there is one. */
export function findManifest(input: Pick<PushInput, 'cwd' | 'manifest' | 'noManifest'>, problems: Problems): {abs: string; file: string} | undefined {
  if (input.noManifest) {
    if (input.manifest) problems.add({message: "Incorrect Usage: '-f' and '--no-manifest' can't be used together."})
    return undefined
  }
  if (input.manifest) {
    const abs = path.resolve(input.cwd, input.manifest)
    let st: fs.Stats | undefined
    try {
      st = fs.statSync(abs)
    } catch {
      problems.add({file: input.manifest, message: 'no such manifest file'})
      return undefined
    }
    if (!st.isDirectory()) return {abs, file: input.manifest}
    const name = MANIFEST_NAMES.find((n) => fs.existsSync(path.join(abs, n)))
    if (!name) {
      problems.add({file: input.manifest, message: `is a folder without a ${MANIFEST_NAMES.join(' or ')}`})
      return undefined
    }
    return {abs: path.join(abs, name), file: path.join(input.manifest, name)}
  }
  const name = MANIFEST_NAMES.find((n) => fs.existsSync(path.join(input.cwd, n)))
  return name ? {abs: path.join(input.cwd, name), file: name} : undefined
}

export function loadVars(input: Pick<PushInput, 'cwd' | 'vars' | 'varsFiles'>, problems: Problems): Vars {
  const files: Vars[] = []
  for (const f of input.varsFiles ?? []) {
    const list: Problem[] = []
    const abs = path.resolve(input.cwd, f)
    const vars = loadVarsFile(abs, list)
    for (const p of list) problems.add({...p, file: f})
    files.push(vars)
  }
  const flags: [string, string][] = []
  for (const v of input.vars ?? []) {
    const parsed = parseVarFlag(v)
    if (Array.isArray(parsed)) flags.push(parsed)
    else problems.add(parsed)
  }
  return mergeVars(files, flags)
}

export function preparePush(input: PushInput): PreparedPush {
  const problems = new Problems()
  const o = input.overrides ?? {}
  for (const [flag, value] of [
    ['-m', o.memory],
    ['-k', o.disk],
  ] as const) {
    if (value === undefined) continue
    try {
      megabytes(value, flag)
    } catch (error) {
      if (error instanceof SizeError) problems.add({message: `${flag}: ${error.message}`})
      else throw error
    }
  }

  const vars = loadVars(input, problems)
  const found = findManifest(input, problems)
  let manifest: LoadedManifest | undefined
  if (found) manifest = loadManifest(found.abs, found.file, vars, problems)
  else if ((input.vars?.length || input.varsFiles?.length) && !input.noManifest && !input.manifest) {
    problems.add({message: "'--var' and '--vars-file' fill ((vars)) in a manifest, and there is no manifest.yml here: pass one with -f"})
  }
  if (problems.size > 0) problems.throwIfAny()

  // Which apps, and with what overrides.
  let entries: {app: ManifestApp; index?: number}[]
  if (!manifest) {
    if (!input.appName) {
      problems.add({message: 'Incorrect Usage: name the app (cfzd push APP) or run this in a folder with a manifest.yml (or pass -f MANIFEST).'})
      problems.throwIfAny()
    }
    entries = [{app: {name: input.appName!}}]
  } else if (input.appName && manifest.apps.length > 1) {
    const i = manifest.apps.findIndex((a) => a.name === input.appName)
    if (i < 0) {
      problems.add({
        file: manifest.file,
        message: `no app named '${input.appName}' in the manifest (it lists ${manifest.apps.map((a) => `'${a.name}'`).join(', ')})`,
      })
      problems.throwIfAny()
    }
    entries = [{app: manifest.apps[i], index: i}]
  } else {
    entries = manifest.apps.map((app, index) => ({app, index}))
  }
  if (entries.length > 1 && hasAppOverrides(o)) {
    problems.add({
      file: manifest?.file,
      message:
        "Incorrect Usage: command-line flags that set an app's path, buildpacks, stack or scale (-p, -b, -s, -i, -m, -k) can't be applied when pushing several apps from a manifest. Name one app (cfzd push APP), or put the values in the manifest.",
    })
    problems.throwIfAny()
  }

  const scanned = new Map<string, Bits | BitsError>()
  const apps: PreparedApp[] = []
  for (const {app: raw, index} of entries) {
    const app = applyOverrides(raw, {...o, name: manifest && manifest.apps.length > 1 ? undefined : input.appName})
    const at = (key: string) => (manifest && index !== undefined ? manifest.lineOf(['applications', index, key]) : undefined)
    const origin = manifest && index !== undefined ? `${manifest.file}:${at('name') ?? 1}` : 'command line'
    if (app.docker) {
      if (o.path !== undefined) problems.add({message: `-p can't be used for app '${app.name}': it is a docker image (${app.docker.image})`})
      const password = (input.env ?? process.env).CF_DOCKER_PASSWORD
      if (app.docker.username && !password) {
        problems.add({file: manifest?.file, line: at('docker'), message: `app '${app.name}' has a docker username: set CF_DOCKER_PASSWORD to its password`})
      }
      apps.push({name: app.name, manifest: app, docker: {...app.docker, ...(app.docker.username ? {password} : {})}, origin})
      continue
    }
    let root: string
    let where: Problem
    if (o.path !== undefined) {
      root = path.resolve(input.cwd, o.path)
      where = {message: `-p ${o.path}`}
    } else if (raw.path !== undefined && manifest) {
      root = path.resolve(manifest.dir, raw.path)
      where = {file: manifest.file, line: at('path'), message: `path '${raw.path}'`}
    } else {
      root = input.cwd
      where = {message: `the current folder (${input.cwd})`}
    }
    let bits = scanned.get(root)
    if (!bits) {
      try {
        bits = scanBits(root)
      } catch (error) {
        if (!(error instanceof BitsError)) throw error
        bits = error
      }
      scanned.set(root, bits)
    }
    if (bits instanceof BitsError) {
      const missing = !fs.existsSync(root)
      problems.add({
        ...where,
        message: missing ? `${where.message} of app '${app.name}' does not exist (${root})` : `${where.message} of app '${app.name}': ${bits.message}`,
      })
      continue
    }
    apps.push({name: app.name, manifest: app, bits, origin})
  }
  problems.throwIfAny()
  return {manifestFile: manifest?.file, apps}
}
