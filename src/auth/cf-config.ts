/**
 * `$CF_HOME/.cf/config.json`, the file the cf CLI keeps its target and tokens in. cfzd reads and
 * writes it the way the cf CLI (util/configv3) does, so either tool can pick up where the other
 * left off:
 *
 * - only ConfigVersion 4 is read; any other version is ignored (defaults are used);
 * - keys are matched case-insensitively (old files say `Guid`); unknown keys are kept;
 * - writes go to `.cf/temp-config*` first and are renamed into place; folder 0700, file 0600;
 * - writers in different processes take turns: each read-modify-write holds `config.json.lock`
 *   (withConfigLock), so parallel cfzd runs sharing a CF_HOME never lose each other's changes;
 * - 2-space JSON with the keys in the cf CLI's order.
 *
 * A file that cannot be parsed is never overwritten: the user gets a ConfigError naming it.
 */
import {AsyncLocalStorage} from 'node:async_hooks'
import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {type Clock, systemClock} from '../clock.js'
import {CfzdError, ExitCode} from '../errors.js'

export const CONFIG_VERSION = 4
export const DEFAULT_UAA_CLIENT = 'cf'
export const DEFAULT_SSH_CLIENT = 'ssh-proxy'
export const DEFAULT_PLUGIN_REPO = {Name: 'CF-Community', URL: 'https://plugins.cloudfoundry.org'}

/*
 * The file's keys are listed once, in CONFIG_SHAPE at the end of this module (JSONConfig's fields
 * in util/configv3/json_config.go, in the cf CLI's order): the types below, the defaults, the
 * type checks on read and the key order on write all come from it. Every object type has an
 * index signature: keys the cf CLI does not know survive a round trip.
 */

/** The whole file: see CONFIG_SHAPE for what each key holds. */
export type CfConfig = Infer<typeof CONFIG_SHAPE>
/** The targeted org; empty strings when none. */
export type OrganizationFields = CfConfig['OrganizationFields']
/** The targeted space; empty strings when none. AllowSSH is kept for compatibility only. */
export type SpaceFields = CfConfig['SpaceFields']
export type PluginRepo = CfConfig['PluginRepos'][number]
export type CfOnK8s = CfConfig['CFOnK8s']

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

/** A config as the cf CLI writes it when there is no file yet: Go's zero values, then its defaults. */
export function defaultConfig(): CfConfig {
  return {
    ...(zero(CONFIG_SHAPE) as CfConfig),
    ConfigVersion: CONFIG_VERSION,
    PluginRepos: [{...DEFAULT_PLUGIN_REPO}],
    SSHOAuthClient: DEFAULT_SSH_CLIENT,
    UAAOAuthClient: DEFAULT_UAA_CLIENT,
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
 * Read-modify-write the config under the config lock (see withConfigLock). A missing file (or one
 * of another ConfigVersion, as the cf CLI does) starts from the defaults; a malformed file is
 * refused with a ConfigError and left alone. Unknown keys are kept. The write is atomic:
 * `.cf/temp-config*` then rename. Returns the config as it now stands.
 */
export async function updateConfig(mutator: ConfigMutator, env: Env = process.env, opts: ConfigLockOptions = {}): Promise<CfConfig> {
  return withConfigLock((file) => file.update(mutator), env, opts)
}

/* ----- the lock that serialises writers across processes ----- */

/** A lock whose holder has not touched it for this long is stale: its holder died. */
export const LOCK_STALE_MS = 10_000
/** How long to wait for a lock another process holds before giving up. */
export const LOCK_WAIT_MS = 60_000

export interface ConfigLockOptions {
  /** Times the waits between attempts and the wait limit. Staleness is judged by the lock's mtime. */
  clock?: Clock
  /** Give up after waiting this long for a live holder (default LOCK_WAIT_MS). */
  waitMs?: number
  /** Take over a lock its holder has not refreshed for this long (default LOCK_STALE_MS, at least 2 s). */
  staleMs?: number
  /** Called once when the lock is held by someone else and this call starts waiting. */
  onWait?: (lockPath: string) => void
}

/** The config as seen while holding its lock. */
export interface LockedConfig {
  /** The config file's path. */
  readonly path: string
  /** Read the file now; as readConfig. */
  read(): Promise<CfConfig | undefined>
  /** Read-modify-write it; as updateConfig, without taking the lock again. */
  update(mutator: ConfigMutator): Promise<CfConfig>
}

/** The lock could not be taken: another process held it too long, or the folder is not writable. */
export class ConfigLockError extends CfzdError {
  constructor(
    readonly lockPath: string,
    problem: string,
    cause?: unknown,
  ) {
    super(`Could not lock the cf CLI config (${lockPath}): ${problem}`, {
      suggestions: [`If no cfzd command is running, remove ${lockPath} and try again.`],
      cause,
      details: {path: lockPath},
    })
    this.name = 'ConfigLockError'
  }
}

/** Where the lock lives: next to the file config.json is (or resolves to), as `<file>.lock`. */
export async function configLockPath(env: Env = process.env): Promise<string> {
  const file = await fs.realpath(configPath(env)).catch(() => configPath(env))
  return `${file}.lock`
}

/** Callers in this process queue here before they try the file lock, so they do not poll it. */
const queues = new Map<string, Promise<unknown>>()
/** The locks the current async call chain holds, to refuse a nested lock instead of deadlocking. */
const holding = new AsyncLocalStorage<ReadonlySet<string>>()

/**
 * Run `fn` while holding the config lock, a `config.json.lock` folder next to the file, made with
 * mkdir (atomic, also on network file systems) by proper-lockfile. Other cfzd processes that
 * share this CF_HOME wait for it, so a read-modify-write (or a token refresh) is never
 * interleaved with theirs. The holder touches the lock every few seconds; a lock left by a process
 * that died stops being touched and is taken over once it is `staleMs` old. Waiting for a live
 * holder gives up after `waitMs` with a ConfigLockError; so does a folder that cannot be written.
 * Not reentrant: inside `fn`, use the LockedConfig it gets.
 */
export async function withConfigLock<T>(fn: (config: LockedConfig) => Promise<T>, env: Env = process.env, opts: ConfigLockOptions = {}): Promise<T> {
  const dir = configDir(env)
  await ensureDir(dir)
  const lockPath = await configLockPath(env)
  const held = holding.getStore()
  if (held?.has(lockPath)) throw new Error(`The config lock ${lockPath} is already held by this call: use the LockedConfig it was given`)
  const previous = queues.get(lockPath) ?? Promise.resolve()
  let done!: () => void
  const mine = new Promise<void>((resolve) => (done = resolve))
  const tail = previous.then(() => mine)
  queues.set(lockPath, tail)
  try {
    await previous
    const lock = await acquire(lockPath, opts)
    try {
      const file = configPath(env)
      const locked: LockedConfig = {
        path: file,
        read: () => readConfig(env),
        update: (mutator) => writeLocked(mutator, env, lock),
      }
      return await holding.run(new Set([...(held ?? []), lockPath]), () => fn(locked))
    } finally {
      await lock.release()
    }
  } finally {
    done()
    if (queues.get(lockPath) === tail) queues.delete(lockPath)
  }
}

interface HeldLock {
  /** Set when the lock was lost while held (taken over as stale, or removed by someone). */
  compromised?: Error
  release(): Promise<void>
}

async function acquire(lockPath: string, opts: ConfigLockOptions): Promise<HeldLock> {
  const clock = opts.clock ?? systemClock
  const waitMs = opts.waitMs ?? LOCK_WAIT_MS
  const stale = Math.max(2000, opts.staleMs ?? LOCK_STALE_MS)
  // Loaded on first use: most commands never write the config.
  const {lock} = (await import('proper-lockfile')).default
  const start = clock.now()
  let delay = 10
  let waiting = false
  for (;;) {
    const held: HeldLock = {release: async () => undefined}
    try {
      const release = await lock(lockPath.replace(/\.lock$/, ''), {
        lockfilePath: lockPath,
        realpath: false,
        stale,
        retries: 0,
        // The default throws from a timer, which would crash the process: remember it instead.
        onCompromised: (error) => void (held.compromised = error),
      })
      held.release = () => release().catch(() => undefined)
      return held
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw new ConfigLockError(lockPath, (error as Error).message, error)
      if (!waiting) {
        waiting = true
        opts.onWait?.(lockPath)
      }
      const waited = clock.now() - start
      if (waited >= waitMs) {
        throw new ConfigLockError(lockPath, `another process has held it for over ${Math.round(waitMs / 1000)} s`, error)
      }
      // Back off from 10 ms to 250 ms, with jitter so waiters do not retry in step.
      await clock.sleep(Math.min(delay * (0.5 + Math.random()), waitMs - waited))
      delay = Math.min(delay * 2, 250)
    }
  }
}

/** The read-modify-write itself; the caller holds the lock. */
async function writeLocked(mutator: ConfigMutator, env: Env, lock: HeldLock): Promise<CfConfig> {
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
    // Another process took the lock over (we stalled past the stale limit): its write wins.
    if (lock.compromised) throw new Error(`the lock was taken over while held (${lock.compromised.message})`)
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
  | {readonly kind: 'string' | 'number' | 'boolean'}
  | {readonly kind: 'object'; readonly keys: Readonly<Record<string, Shape>>}
  | {readonly kind: 'array'; readonly item: Shape}

/** The TypeScript type of the values a shape admits. */
type Infer<S> = S extends {kind: 'string'}
  ? string
  : S extends {kind: 'number'}
    ? number
    : S extends {kind: 'boolean'}
      ? boolean
      : S extends {kind: 'array'; item: infer I}
        ? Array<Infer<I>>
        : S extends {kind: 'object'; keys: infer K}
          ? {[key: string]: unknown} & {-readonly [P in keyof K]: Infer<K[P]>}
          : never

const str = {kind: 'string'} as const
const int = {kind: 'number'} as const
const bool = {kind: 'boolean'} as const
const obj = <K extends Record<string, Shape>>(keys: K) => ({kind: 'object', keys}) as const
const list = <I extends Shape>(item: I) => ({kind: 'array', item}) as const

/** JSONConfig's fields in util/configv3/json_config.go, in declaration (= output) order. */
const CONFIG_SHAPE = obj({
  /** `bearer <jwt>`, or '' when logged out. */
  AccessToken: str,
  /** links.cloud_controller_v3.meta.version of the API root. */
  APIVersion: str,
  /** Job polling limit in minutes; 0 means none. */
  AsyncTimeout: int,
  /** links.login.href: token requests go here. */
  AuthorizationEndpoint: str,
  CFOnK8s: obj({Enabled: bool, AuthInfo: str}),
  ColorEnabled: str,
  ConfigVersion: int,
  /** links.logging.href (note the capital P). */
  DopplerEndPoint: str,
  Locale: str,
  LogCacheEndPoint: str,
  MinCLIVersion: str,
  MinRecommendedCLIVersion: str,
  NetworkPolicyV1Endpoint: str,
  /** The targeted org; empty strings when none. */
  OrganizationFields: obj({GUID: str, Name: str}),
  PluginRepos: list(obj({Name: str, URL: str})),
  /** The raw refresh token. */
  RefreshToken: str,
  RoutingAPIEndpoint: str,
  /** The targeted space; AllowSSH is kept for compatibility only (the cf CLI never reads it). */
  SpaceFields: obj({GUID: str, Name: str, AllowSSH: bool}),
  SSHOAuthClient: str,
  /** true after `cf api --skip-ssl-validation`. */
  SSLDisabled: bool,
  /** The Cloud Controller URL. */
  Target: str,
  Trace: str,
  /** links.uaa.href. */
  UaaEndpoint: str,
  /** '' for password logins, 'client_credentials', or the jwt-bearer URN. */
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
