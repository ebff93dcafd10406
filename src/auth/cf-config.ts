/**
 * `$CF_HOME/.cf/config.json`, the file the cf CLI keeps its target and tokens in. cfzd reads and
 * writes it the way the cf CLI (util/configv3) does, so either tool can pick up where the other
 * left off:
 *
 * - only ConfigVersion 4 is read; any other version is ignored (defaults are used);
 * - keys are matched case-insensitively (old files say `Guid`); unknown keys are kept;
 * - writes go to `.cf/temp-config*` first and are renamed into place; folder 0700, file 0600;
 * - 2-space JSON with the keys in the cf CLI's order.
 *
 * A file that cannot be parsed is never overwritten: the user gets a ConfigError naming it.
 */
import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {CfzdError, ExitCode} from '../errors.js'

export const CONFIG_VERSION = 4
export const DEFAULT_UAA_CLIENT = 'cf'
export const DEFAULT_SSH_CLIENT = 'ssh-proxy'
export const DEFAULT_PLUGIN_REPO = {Name: 'CF-Community', URL: 'https://plugins.cloudfoundry.org'}

/* Every object type has an index signature: keys the cf CLI does not know survive a round trip. */

export interface OrganizationFields {
  [key: string]: unknown
  GUID: string
  Name: string
}

export interface SpaceFields {
  [key: string]: unknown
  GUID: string
  Name: string
  /** Kept for compatibility only; the cf CLI never reads it. */
  AllowSSH: boolean
}

export interface PluginRepo {
  [key: string]: unknown
  Name: string
  URL: string
}

export interface CfOnK8s {
  [key: string]: unknown
  Enabled: boolean
  AuthInfo: string
}

export interface CfConfig {
  [key: string]: unknown
  /** `bearer <jwt>`, or '' when logged out. */
  AccessToken: string
  /** links.cloud_controller_v3.meta.version of the API root. */
  APIVersion: string
  /** Job polling limit in minutes; 0 means none. */
  AsyncTimeout: number
  /** links.login.href: token requests go here. */
  AuthorizationEndpoint: string
  CFOnK8s: CfOnK8s
  ColorEnabled: string
  ConfigVersion: number
  /** links.logging.href (note the capital P). */
  DopplerEndPoint: string
  Locale: string
  LogCacheEndPoint: string
  MinCLIVersion: string
  MinRecommendedCLIVersion: string
  NetworkPolicyV1Endpoint: string
  /** The targeted org; empty strings when none. */
  OrganizationFields: OrganizationFields
  PluginRepos: PluginRepo[]
  /** The raw refresh token. */
  RefreshToken: string
  RoutingAPIEndpoint: string
  /** The targeted space; empty strings when none. */
  SpaceFields: SpaceFields
  SSHOAuthClient: string
  /** true after `cf api --skip-ssl-validation`. */
  SSLDisabled: boolean
  /** The Cloud Controller URL. */
  Target: string
  Trace: string
  /** links.uaa.href. */
  UaaEndpoint: string
  /** '' for password logins, 'client_credentials', or the jwt-bearer URN. */
  UAAGrantType: string
  UAAOAuthClient: string
  UAAOAuthClientSecret: string
}

/** A config file cfzd cannot read. It is never overwritten. */
export class ConfigError extends CfzdError {
  readonly path: string

  constructor(file: string, problem: string, cause?: unknown) {
    super(`Cannot use the cf CLI config file ${file}: ${problem}. Fix or move it; cfzd will not overwrite it.`, {
      exitCode: ExitCode.USAGE,
      suggestions: [`Repair ${file} by hand, or move it aside and log in again with 'cfzd login' or 'cf login'.`],
      cause,
      details: {path: file},
    })
    this.name = 'ConfigError'
    this.path = file
  }
}

type Env = Record<string, string | undefined>

/** The folder that contains `.cf`: $CF_HOME when set, else the home directory. */
export function cfHome(env: Env = process.env): string {
  return env.CF_HOME || os.homedir()
}

export function configDir(env: Env = process.env): string {
  return path.join(cfHome(env), '.cf')
}

export function configPath(env: Env = process.env): string {
  return path.join(configDir(env), 'config.json')
}

/** A config as the cf CLI writes it when there is no file yet. */
export function defaultConfig(): CfConfig {
  return {
    AccessToken: '',
    APIVersion: '',
    AsyncTimeout: 0,
    AuthorizationEndpoint: '',
    CFOnK8s: {Enabled: false, AuthInfo: ''},
    ColorEnabled: '',
    ConfigVersion: CONFIG_VERSION,
    DopplerEndPoint: '',
    Locale: '',
    LogCacheEndPoint: '',
    MinCLIVersion: '',
    MinRecommendedCLIVersion: '',
    NetworkPolicyV1Endpoint: '',
    OrganizationFields: {GUID: '', Name: ''},
    PluginRepos: [{...DEFAULT_PLUGIN_REPO}],
    RefreshToken: '',
    RoutingAPIEndpoint: '',
    SpaceFields: {GUID: '', Name: '', AllowSSH: false},
    SSHOAuthClient: DEFAULT_SSH_CLIENT,
    SSLDisabled: false,
    Target: '',
    Trace: '',
    UaaEndpoint: '',
    UAAGrantType: '',
    UAAOAuthClient: DEFAULT_UAA_CLIENT,
    UAAOAuthClientSecret: '',
  }
}

/**
 * Read the config. Undefined when there is no file, it is empty, or its ConfigVersion is not 4
 * (the cf CLI ignores such files too). Throws ConfigError when the file is malformed.
 */
export async function readConfig(env: Env = process.env): Promise<CfConfig | undefined> {
  const file = configPath(env)
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError(file, (error as Error).message, error)
  }
  return parseConfig(text, file)
}

/** Parse config text: undefined for an empty file or another ConfigVersion. */
export function parseConfig(text: string, file = 'config.json'): CfConfig | undefined {
  if (!text.trim()) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(file, `it is not valid JSON (${(error as Error).message})`, error)
  }
  if (!isPlainObject(raw)) throw new ConfigError(file, 'it should hold a JSON object')
  const config = normalize(raw, CONFIG_SHAPE, '', file) as CfConfig
  if (config.ConfigVersion !== CONFIG_VERSION) return undefined
  // The cf CLI reads empty clients as their defaults.
  if (!config.SSHOAuthClient) config.SSHOAuthClient = DEFAULT_SSH_CLIENT
  if (!config.UAAOAuthClient) {
    config.UAAOAuthClient = DEFAULT_UAA_CLIENT
    config.UAAOAuthClientSecret = ''
  }
  return config
}

/** Render a config as the cf CLI does: known keys in its order, then unknown keys, 2-space indent. */
export function serializeConfig(config: CfConfig): string {
  return JSON.stringify(order({...config, ConfigVersion: CONFIG_VERSION}, CONFIG_SHAPE), null, 2)
}

/** Changes the config in place (or returns a new one); returning `false` skips the write. */
export type ConfigMutator = (config: CfConfig) => void | false | CfConfig | Promise<void | false | CfConfig>

/**
 * Read-modify-write the config. A missing file (or one of another ConfigVersion, as the cf CLI
 * does) starts from the defaults; a malformed file is refused with a ConfigError and left alone.
 * Unknown keys are kept. The write is atomic: `.cf/temp-config*` then rename. Returns the config
 * as it now stands.
 */
export async function updateConfig(mutator: ConfigMutator, env: Env = process.env): Promise<CfConfig> {
  const dir = configDir(env)
  const current = (await readConfig(env)) ?? defaultConfig()
  const result = await mutator(current)
  if (result === false) return current
  const next = result ?? current
  const text = serializeConfig(next)
  try {
    parseConfig(text)
  } catch (error) {
    // A mutator put a wrong type in: fail here rather than leave a file the cf CLI cannot read.
    throw new Error(`Refusing to write an invalid cf CLI config: ${(error as ConfigError).message}`, {cause: error})
  }

  await ensureDir(dir)
  // Replace the file a symlinked config.json points at, not the link.
  const target = await fs.realpath(configPath(env)).catch(() => configPath(env))
  const temp = path.join(path.dirname(target), `temp-config${randomBytes(6).readUIntBE(0, 6)}`)
  try {
    const handle = await fs.open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(text, 'utf8')
      await handle.chmod(0o600)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(temp, target)
  } catch (error) {
    await fs.rm(temp, {force: true}).catch(() => undefined)
    throw new CfzdError(`Could not write ${target}: ${(error as Error).message}`, {cause: error})
  }
  return next
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, {recursive: false, mode: 0o700})
    await fs.chmod(dir, 0o700)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return
    if (code === 'ENOENT') {
      await fs.mkdir(path.dirname(dir), {recursive: true})
      return ensureDir(dir)
    }
    throw new CfzdError(`Could not create ${dir}: ${(error as Error).message}`, {cause: error})
  }
}

/* ----- the file's shape: types, defaults for missing keys, and key order ----- */

type Shape =
  | {kind: 'string' | 'number' | 'boolean'}
  | {kind: 'object'; keys: Record<string, Shape>}
  | {kind: 'array'; item: Shape}

const str: Shape = {kind: 'string'}
const int: Shape = {kind: 'number'}
const bool: Shape = {kind: 'boolean'}
const obj = (keys: Record<string, Shape>): Shape => ({kind: 'object', keys})

/** JSONConfig's fields in util/configv3/json_config.go, in declaration (= output) order. */
const CONFIG_SHAPE = obj({
  AccessToken: str,
  APIVersion: str,
  AsyncTimeout: int,
  AuthorizationEndpoint: str,
  CFOnK8s: obj({Enabled: bool, AuthInfo: str}),
  ColorEnabled: str,
  ConfigVersion: int,
  DopplerEndPoint: str,
  Locale: str,
  LogCacheEndPoint: str,
  MinCLIVersion: str,
  MinRecommendedCLIVersion: str,
  NetworkPolicyV1Endpoint: str,
  OrganizationFields: obj({GUID: str, Name: str}),
  PluginRepos: {kind: 'array', item: obj({Name: str, URL: str})},
  RefreshToken: str,
  RoutingAPIEndpoint: str,
  SpaceFields: obj({GUID: str, Name: str, AllowSSH: bool}),
  SSHOAuthClient: str,
  SSLDisabled: bool,
  Target: str,
  Trace: str,
  UaaEndpoint: str,
  UAAGrantType: str,
  UAAOAuthClient: str,
  UAAOAuthClientSecret: str,
})

function zero(shape: Shape): unknown {
  switch (shape.kind) {
    case 'string':
      return ''
    case 'number':
      return 0
    case 'boolean':
      return false
    case 'array':
      return []
    default:
      return Object.fromEntries(Object.entries(shape.keys).map(([k, s]) => [k, zero(s)]))
  }
}

/**
 * Check types and map keys to their canonical spelling, as Go's decoder does: keys match
 * case-insensitively, the last match wins, null leaves the default, and unknown keys are kept.
 * Missing keys get Go's zero values.
 */
function normalize(value: unknown, shape: Shape, where: string, file: string): unknown {
  if (value === null || value === undefined) return zero(shape)
  const fail = (expected: string): never => {
    throw new ConfigError(file, `"${where}" should be ${expected}, not ${describe(value)}`)
  }
  switch (shape.kind) {
    case 'string':
      return typeof value === 'string' ? value : fail('a string')
    case 'boolean':
      return typeof value === 'boolean' ? value : fail('true or false')
    case 'number':
      return typeof value === 'number' && Number.isInteger(value) ? value : fail('a whole number')
    case 'array':
      if (!Array.isArray(value)) return fail('a list')
      return value.map((v, i) => normalize(v, shape.item, `${where}[${i}]`, file))
    default: {
      if (!isPlainObject(value)) return fail('an object')
      const canonical = new Map(Object.keys(shape.keys).map((k) => [k.toLowerCase(), k]))
      const out = zero(shape) as Record<string, unknown>
      for (const [key, v] of Object.entries(value)) {
        const known = canonical.get(key.toLowerCase())
        if (known) out[known] = normalize(v, shape.keys[known], where ? `${where}.${known}` : known, file)
        else setOwn(out, key, v)
      }
      return out
    }
  }
}

/** Known keys first, in the cf CLI's order, then unknown keys as they came. */
function order(value: unknown, shape: Shape): unknown {
  if (shape.kind === 'array') return Array.isArray(value) ? value.map((v) => order(v, shape.item)) : value
  if (shape.kind !== 'object' || !isPlainObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const [k, s] of Object.entries(shape.keys)) out[k] = Object.hasOwn(value, k) ? order(value[k], s) : zero(s)
  for (const [k, v] of Object.entries(value)) if (!Object.hasOwn(shape.keys, k)) setOwn(out, k, v)
  return out
}

/** Assign a key from the file as plain data, even one spelt `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {value, enumerable: true, writable: true, configurable: true})
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`
  if (typeof v === 'object') return 'an object'
  return `${typeof v} ${JSON.stringify(v)}`
}
