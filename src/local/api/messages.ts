/**
 * Cloud Controller's request messages (app/messages/*.rb), in one place: which keys a body may
 * have, what each must be, and CC's texts for every failure.
 *
 * A message collects its errors the way ActiveModel does: validators run in declaration order
 * (a parent class's first, so `metadata` is checked before anything else in messages built on
 * metadata_base_message.rb), each adds "<attribute> <message>" or, for :base, the bare message,
 * and the attribute is humanized like ActiveSupport's String#humanize ("memory_in_mb" → "Memory in
 * mb", "options.canary" → "Options canary"). A controller answers a failed message with one
 * 422 CF-UnprocessableEntity whose detail is the messages joined with ", " (api_error.rb).
 *
 * Quirks kept on purpose because Cloud Controller has them:
 * - numericality accepts numeric strings ("3" is a valid instance count), as Rails does;
 * - a manifest's unknown keys are ignored (app_manifest_message.rb has no NoAdditionalKeysValidator);
 * - POST /v3/packages?source_guid= reads only the destination app (packages_controller.rb validates
 *   no message for a copy).
 */
import {unprocessable} from './errors.js'

export type Obj = Record<string, unknown>

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)

/** BaseMessage::MAX_DB_INT and MAX_DB_BIGINT. */
export const MAX_DB_INT = 2 ** 31 - 1
const MAX_DB_BIGINT = {value: 2 ** 63 - 1, text: '9223372036854775807'}

/** Ruby's blank?: nil, false, an empty or whitespace-only string, an empty array or hash. */
export function blank(v: unknown): boolean {
  if (v === null || v === undefined || v === false) return true
  if (typeof v === 'string') return v.trim() === ''
  if (Array.isArray(v)) return v.length === 0
  if (isObj(v)) return Object.keys(v).length === 0
  return false
}
export const present = (v: unknown) => !blank(v)

/** HashUtils.dig: nil as soon as a step is not a hash. */
export function dig(v: unknown, ...path: string[]): unknown {
  let cur = v
  for (const k of path) cur = isObj(cur) ? cur[k] : undefined
  return cur
}

/** ActiveSupport's humanize after ActiveModel's tr('.', '_'). */
export function humanize(attribute: string): string {
  let s = attribute.replace(/\./g, '_').replace(/^_+/, '')
  if (s.endsWith('_id')) s = s.slice(0, -3)
  s = s.replace(/_/g, ' ').replace(/[a-z\d]+/gi, (w) => w.toLowerCase())
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** Ruby's to_s, for values interpolated into messages. */
export function rubyToS(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** ActiveModel::Errors, enough of it: ordered (attribute, message) pairs and full messages. */
export class Errors {
  readonly items: {attribute: string; message: string}[] = []

  add(attribute: string, message: string): void {
    this.items.push({attribute, message})
  }

  on(attribute: string): string[] {
    return this.items.filter((i) => i.attribute === attribute).map((i) => i.message)
  }

  get any(): boolean {
    return this.items.length > 0
  }

  full(): string[] {
    return this.items.map((i) => (i.attribute === 'base' ? i.message : `${humanize(i.attribute)} ${i.message}`))
  }
}

/** 422 CF-UnprocessableEntity with the messages joined, if there are any. */
export function check(messages: string[]): void {
  if (messages.length > 0) throw unprocessable(messages.join(', '))
}

// ---------------------------------------------------------------------------------------------
// Validators (validators.rb and ActiveModel's built-in ones, with their default messages).
// ---------------------------------------------------------------------------------------------

export function noAdditionalKeys(e: Errors, body: Obj, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k))
  if (extra.length > 0) e.add('base', `Unknown field(s): '${extra.join("', '")}'`)
}

const string = (e: Errors, attr: string, v: unknown) => {
  if (typeof v !== 'string') e.add(attr, 'must be a string')
}
const boolean = (e: Errors, attr: string, v: unknown) => {
  if (typeof v !== 'boolean') e.add(attr, 'must be a boolean')
}
const hash = (e: Errors, attr: string, v: unknown) => {
  if (!isObj(v)) e.add(attr, 'must be an object')
}
const array = (e: Errors, attr: string, v: unknown) => {
  if (!Array.isArray(v)) e.add(attr, 'must be an array')
}
const presence = (e: Errors, attr: string, v: unknown, message = "can't be blank") => {
  if (blank(v)) e.add(attr, message)
}

/** GuidValidator. */
function guid(e: Errors, attr: string, v: unknown): void {
  if (typeof v !== 'string') e.add(attr, 'must be a string')
  if (!(typeof v === 'string' && v.length >= 1 && v.length <= 200)) e.add(attr, 'must be between 1 and 200 characters')
}

/** ActiveModel's LengthValidator (a nil value passes a maximum unless allow_nil was given). */
function length(e: Errors, attr: string, v: unknown, o: {min?: number; max?: number; message?: string; tooShort?: string; tooLong?: string}): void {
  const n = typeof v === 'string' || Array.isArray(v) ? v.length : isObj(v) ? Object.keys(v).length : rubyToS(v).length
  const chars = (c: number) => `${c} character${c === 1 ? '' : 's'}`
  if (o.min !== undefined && (v === null || v === undefined || n < o.min)) e.add(attr, o.tooShort ?? o.message ?? `is too short (minimum is ${chars(o.min)})`)
  if (o.max !== undefined && v !== null && v !== undefined && n > o.max) e.add(attr, o.tooLong ?? o.message ?? `is too long (maximum is ${chars(o.max)})`)
}

export interface Numericality {
  onlyInteger?: boolean
  gt?: number
  gte?: number
  lte?: number | {value: number; text: string}
  message?: string
}

const INTEGER = /^[+-]?\d+$/

/** Rails' NumericalityValidator: numbers and numeric strings; the number, or undefined when invalid. */
export function numericality(e: Errors, attr: string, v: unknown, o: Numericality): number | undefined {
  const fail = (message: string) => {
    e.add(attr, o.message ?? message)
    return undefined
  }
  let n: number
  if (typeof v === 'number') n = v
  else if (typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim())) n = Number(v)
  else return fail('is not a number')
  if (o.onlyInteger && !(typeof v === 'number' ? Number.isInteger(v) : INTEGER.test(v as string))) return fail('must be an integer')
  if (o.gt !== undefined && !(n > o.gt)) return fail(`must be greater than ${o.gt}`)
  if (o.gte !== undefined && !(n >= o.gte)) return fail(`must be greater than or equal to ${o.gte}`)
  if (o.lte !== undefined) {
    const max = typeof o.lte === 'number' ? {value: o.lte, text: String(o.lte)} : o.lte
    if (!(n <= max.value)) return fail(`must be less than or equal to ${max.text}`)
  }
  return n
}

/** The number a validated numeric field stands for (Sequel typecasts "3" to 3). */
export const toNumber = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v))

/** ToOneRelationshipValidator. */
function toOne(e: Errors, attr: string, rel: unknown): void {
  const data = isObj(rel) ? rel.data : undefined
  const ok = isObj(rel) && sameKeys(rel, ['data']) && (data === null || (isObj(data) && sameKeys(data, ['guid'])))
  if (!ok) {
    e.add(attr, `must be structured like this: "${attr}: {"data": {"guid": "valid-guid"}}"`)
    return
  }
  if (data) guid(e, `${attr}_guid`, (data as Obj).guid)
}

const sameKeys = (o: Obj, keys: string[]) => {
  const k = Object.keys(o)
  return k.length === keys.length && k.every((x, i) => x === keys[i])
}

/**
 * RelationshipValidator around a Relationships message. `steps` lists, in the order the message
 * declares them, its to-one relationships and '#keys' for its NoAdditionalKeysValidator (left out
 * when the message has none); the allowed keys are the relationships listed.
 */
function relationships(e: Errors, rel: unknown, steps: string[]): void {
  if (!isObj(rel)) {
    e.add('relationships', "'relationships' is not an object")
    return
  }
  if (Object.keys(rel).length === 0) {
    e.add('relationships', "'relationships' must include one or more valid relationships")
    return
  }
  const r = new Errors()
  const names = steps.filter((s) => s !== '#keys')
  for (const step of steps) {
    if (step === '#keys') noAdditionalKeys(r, rel, names)
    else {
      presence(r, step, rel[step])
      toOne(r, step, rel[step])
    }
  }
  for (const m of r.full()) e.add('relationships', m)
}

// ---------------------------------------------------------------------------------------------
// Metadata (validators/metadata_validator.rb, metadata_validator_helper.rb).
// ---------------------------------------------------------------------------------------------

const DOMAIN_REGEX = /^(([a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])\.)+([a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])\n?$/i
const INVALID_CHAR = /[^\w\-.]/
const ALNUM_START_END = /^(?=[a-zA-Z\d])[\s\S]*[a-zA-Z\d]$/

function metadataKeyError(key: string): string | undefined {
  let prefix: string | undefined
  let name = key
  if (key.includes('/')) {
    const parts = key.split('/')
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
    prefix = parts[0] ?? ''
    name = parts[1] ?? ''
  }
  if (blank(key)) return 'key cannot be empty string'
  if ((key.match(/\//g) ?? []).length > 1) return "key has more than one '/'"
  if (prefix !== undefined && !DOMAIN_REGEX.test(prefix)) return `prefix '${prefix}' must be in valid dns format`
  if (prefix !== undefined && prefix.length > 253) return `prefix '${prefix.slice(0, 8)}...' is greater than 253 characters`
  if (prefix !== undefined && prefix.toLowerCase() === 'cloudfoundry.org') return "prefix 'cloudfoundry.org' is reserved"
  if (blank(name)) return 'key cannot be empty string'
  if (INVALID_CHAR.test(name)) return `'${name}' contains invalid characters`
  if (!ALNUM_START_END.test(name)) return `'${name}' starts or ends with invalid characters`
  if (name.length > 63) return `'${name.slice(0, 8)}...' is greater than 63 characters`
  return undefined
}

function labelValueError(raw: unknown): string | undefined {
  const value = rubyToS(raw)
  if (value === '') return undefined
  if (INVALID_CHAR.test(value)) return `'${value}' contains invalid characters`
  if (!ALNUM_START_END.test(value)) return `'${value}' starts or ends with invalid characters`
  if (value.length > 63) return `'${value.slice(0, 8)}...' is greater than 63 characters`
  return undefined
}

/** MetadataValidator, when the body has `metadata` (MetadataBaseMessage). */
function metadata(e: Errors, body: Obj): void {
  if (!('metadata' in body)) return
  const md = body.metadata
  if (!isObj(md)) {
    e.add('metadata', 'must be an object')
    return
  }
  const invalid = Object.keys(md).filter((k) => k !== 'labels' && k !== 'annotations')
  if (invalid.length > 0) e.add('metadata', `has unexpected field(s): ${invalid.map((k) => `'${k}'`).join(' ')}`)
  const {labels, annotations} = md
  if (labels !== null && labels !== undefined && labels !== false) {
    if (!isObj(labels)) e.add('metadata', "'labels' is not an object")
    else
      for (const [k, v] of Object.entries(labels)) {
        const keyError = metadataKeyError(k)
        const valueError = labelValueError(v)
        if (keyError) e.add('metadata', `label key error: ${keyError}`)
        if (valueError) e.add('metadata', `label value error: ${valueError}`)
      }
  }
  if (annotations !== null && annotations !== undefined && annotations !== false) {
    if (!isObj(annotations)) e.add('metadata', "'annotations' is not an object")
    else
      for (const [k, v] of Object.entries(annotations)) {
        const keyError = metadataKeyError(k)
        if (present(v) && keyError) e.add('metadata', `annotation key error: ${keyError}`)
        if (v !== null && v !== undefined && rubyToS(v).length > 5000)
          e.add('metadata', `annotation value error: '${rubyToS(v).slice(0, 8)}...' is greater than 5000 characters`)
      }
  }
}

/** MetadataUpdateMessage (and DeploymentUpdateMessage, which is the same): only `metadata`. */
export function metadataUpdateMessage(body: Obj, extra: {allowed?: string[]} = {}): string[] {
  const e = new Errors()
  metadata(e, body)
  noAdditionalKeys(e, body, ['metadata', ...(extra.allowed ?? [])])
  return e.full()
}

// ---------------------------------------------------------------------------------------------
// Lifecycles (LifecycleValidator, buildpack_lifecycle_data_message.rb, empty_lifecycle_data_message.rb).
// ---------------------------------------------------------------------------------------------

export const LIFECYCLE_TYPES = ['buildpack', 'docker', 'cnb'] as const

function buildpackLifecycleDataMessage(data: Obj): string[] {
  const e = new Errors()
  noAdditionalKeys(e, data, ['buildpacks', 'stack', 'credentials'])
  if (data.stack !== null && data.stack !== undefined) {
    string(e, 'stack', data.stack)
    length(e, 'stack', data.stack, {min: 1, max: 4096, message: 'must be between 1 and 4096 characters'})
  }
  if (data.buildpacks !== null && data.buildpacks !== undefined) array(e, 'buildpacks', data.buildpacks)
  if (data.credentials !== null && data.credentials !== undefined) hash(e, 'credentials', data.credentials)
  if (Array.isArray(data.buildpacks)) {
    const nonString = data.buildpacks.some((b) => typeof b !== 'string')
    const badLength = data.buildpacks.some((b) => typeof b === 'string' && (blank(b) || b.length > 4096))
    if (nonString) e.add('buildpacks', 'can only contain strings')
    if (badLength) e.add('buildpacks', 'entries must be between 1 and 4096 characters')
  }
  if (isObj(data.credentials) && Object.values(data.credentials).some((v) => !isObj(v))) e.add('credentials', 'credentials value must be a hash')
  return e.full()
}

function lifecycleValidator(e: Errors, lifecycle: unknown): void {
  const type = dig(lifecycle, 'type') ?? 'buildpack'
  if (typeof type !== 'string' || !(LIFECYCLE_TYPES as readonly string[]).includes(type)) {
    e.add('lifecycle_type', `is not included in the list: ${LIFECYCLE_TYPES.join(', ')}`)
    return
  }
  const data = dig(lifecycle, 'data')
  if (!isObj(data)) return
  const messages =
    type === 'docker'
      ? (() => {
          const d = new Errors()
          noAdditionalKeys(d, data, [])
          return d.full()
        })()
      : buildpackLifecycleDataMessage(data)
  for (const m of messages) e.add('lifecycle', m)
}

/** The lifecycle fields of AppCreateMessage, AppUpdateMessage and BuildCreateMessage. */
function lifecycleFields(e: Errors, body: Obj, validatorWhen: 'type' | 'requested'): void {
  const requested = 'lifecycle' in body
  const typeRequested = requested && present(dig(body.lifecycle, 'type'))
  if (validatorWhen === 'type' ? typeRequested : requested) lifecycleValidator(e, body.lifecycle)
}

/** `lifecycle_type` must be a string when the type is given (apps) or whenever a lifecycle is (builds). */
function lifecycleTypeAndData(e: Errors, body: Obj, typeWhen: 'type' | 'requested' = 'type'): void {
  const requested = 'lifecycle' in body
  const type = dig(body.lifecycle, 'type')
  if (requested && (typeWhen === 'requested' || present(type))) string(e, 'lifecycle_type', type)
  if (requested) hash(e, 'lifecycle_data', dig(body.lifecycle, 'data'))
}

// ---------------------------------------------------------------------------------------------
// Apps.
// ---------------------------------------------------------------------------------------------

/** app_create_message.rb. environment_variables only has to be an object (any values). */
export function appCreateMessage(body: Obj): string[] {
  const e = new Errors()
  metadata(e, body)
  noAdditionalKeys(e, body, ['name', 'environment_variables', 'relationships', 'lifecycle', 'metadata'])
  relationships(e, body.relationships, ['#keys', 'space'])
  lifecycleFields(e, body, 'type')
  string(e, 'name', body.name)
  length(e, 'name', body.name, {max: 255, message: 'is too long (maximum is 255 characters)'})
  if (body.environment_variables !== null && body.environment_variables !== undefined) hash(e, 'environment_variables', body.environment_variables)
  lifecycleTypeAndData(e, body)
  return e.full()
}

/** app_update_message.rb. */
export function appUpdateMessage(body: Obj): string[] {
  const e = new Errors()
  metadata(e, body)
  noAdditionalKeys(e, body, ['name', 'lifecycle', 'metadata'])
  lifecycleFields(e, body, 'requested')
  if (body.name !== null && body.name !== undefined) {
    string(e, 'name', body.name)
    length(e, 'name', body.name, {max: 255, message: 'is too long (maximum is 255 characters)'})
  }
  lifecycleTypeAndData(e, body)
  return e.full()
}

/** The lifecycle a request names, once its message is valid (app_lifecycle_provider.rb). */
export function requestedLifecycle(body: Obj): {type?: string; buildpacks?: string[] | null; stack?: string | null; dataGiven: Obj} | undefined {
  if (!('lifecycle' in body)) return undefined
  const type = dig(body.lifecycle, 'type')
  const data = (dig(body.lifecycle, 'data') ?? {}) as Obj
  return {
    type: present(type) ? (type as string) : undefined,
    buildpacks: 'buildpacks' in data ? (data.buildpacks as string[] | null) : undefined,
    stack: 'stack' in data ? (data.stack as string | null) : undefined,
    dataGiven: data,
  }
}

const ENV_KEY_RULES: [RegExp, string][] = [
  [/^VCAP_/i, 'cannot start with VCAP_'],
  [/^VMC/i, 'cannot start with VMC_'],
  [/^PORT$/i, 'cannot set PORT'],
]

/** EnvironmentVariablesValidator: the key rules only (app_model.rb applies them on create). */
export function environmentVariableKeyErrors(vars: Obj): string[] {
  const out: string[] = []
  for (const key of Object.keys(vars)) {
    if (key === '') out.push('key must be a minimum length of 1')
    else {
      const rule = ENV_KEY_RULES.find(([re]) => re.test(key))
      if (rule) out.push(rule[1])
    }
  }
  return out
}

/** EnvironmentVariablesStringValuesValidator on `attr` (UpdateEnvironmentVariablesMessage's `var`). */
function environmentVariablesStringValues(e: Errors, attr: string, value: unknown): void {
  if (!isObj(value)) {
    e.add(attr, 'must be an object')
    return
  }
  for (const [key, v] of Object.entries(value)) {
    const rule = ENV_KEY_RULES.find(([re]) => re.test(key))
    if (key === '') e.add(attr, 'key must be a minimum length of 1')
    else if (rule) e.add(attr, rule[1])
    else if (v !== null && typeof v !== 'string') e.add('base', `Non-string value in environment variable for key '${key}', value '${JSON.stringify(v)}'`)
  }
}

/** update_environment_variables_message.rb: string or null values. */
export function updateEnvironmentVariablesMessage(body: Obj): string[] {
  const e = new Errors()
  noAdditionalKeys(e, body, ['var'])
  environmentVariablesStringValues(e, 'var', body.var)
  return e.full()
}

/** app_feature_update_message.rb and space_feature_update_message.rb. */
export function featureUpdateMessage(body: Obj): string[] {
  const e = new Errors()
  noAdditionalKeys(e, body, ['enabled'])
  boolean(e, 'enabled', body.enabled)
  return e.full()
}

// ---------------------------------------------------------------------------------------------
// Processes and sidecars.
// ---------------------------------------------------------------------------------------------

const HEALTH_CHECK_TYPES = ['port', 'process', 'http']
const HEALTH_CHECK_TYPE_MESSAGE = 'must be "port", "process", or "http"'
const isUriPath = (v: unknown) => typeof v === 'string' && /^(?:\/|\/([^\s/]\S*)?)$/m.test(v)

/** process_scale_message.rb. */
export function processScaleMessage(body: Obj): string[] {
  const e = new Errors()
  noAdditionalKeys(e, body, ['instances', 'memory_in_mb', 'disk_in_mb', 'log_rate_limit_in_bytes_per_second'])
  scaleFields(e, body.instances, body.memory_in_mb, body.disk_in_mb, body.log_rate_limit_in_bytes_per_second)
  return e.full()
}

function scaleFields(e: Errors, instances: unknown, memory: unknown, disk: unknown, logRate: unknown, instancesAttr = 'instances'): void {
  if (instances !== null && instances !== undefined) numericality(e, instancesAttr, instances, {onlyInteger: true, gte: 0, lte: MAX_DB_INT})
  if (memory !== null && memory !== undefined) numericality(e, 'memory_in_mb', memory, {onlyInteger: true, gt: 0, lte: MAX_DB_INT})
  if (disk !== null && disk !== undefined) numericality(e, 'disk_in_mb', disk, {onlyInteger: true, gt: 0, lte: MAX_DB_INT})
  if (logRate !== null && logRate !== undefined)
    numericality(e, 'log_rate_limit_in_bytes_per_second', logRate, {onlyInteger: true, gte: -1, lte: MAX_DB_BIGINT})
}

/** process_update_message.rb. */
export function processUpdateMessage(body: Obj): string[] {
  const e = new Errors()
  metadata(e, body)
  noAdditionalKeys(e, body, ['command', 'user', 'health_check', 'readiness_health_check', 'metadata'])
  if ('command' in body && body.command !== null) {
    string(e, 'command', body.command)
    length(e, 'command', body.command, {min: 1, max: 4096, message: 'must be between 1 and 4096 characters'})
  }
  if ('user' in body && body.user !== null) {
    string(e, 'user', body.user)
    length(e, 'user', body.user, {min: 1, max: 255, message: 'must be between 1 and 255 characters'})
  }
  const int = (attr: string, v: unknown) => {
    if (v !== null && v !== undefined) numericality(e, attr, v, {onlyInteger: true, gte: 1, lte: MAX_DB_INT})
  }
  const endpoint = (attr: string, v: unknown) => {
    if (v === null || v === undefined) return
    length(e, attr, v, {max: 255})
    if (!isUriPath(v)) e.add(attr, 'must be a valid URI path')
  }
  const hc = body.health_check
  if (isObj(hc) && 'type' in hc && !HEALTH_CHECK_TYPES.includes(hc.type as string)) e.add('health_check_type', HEALTH_CHECK_TYPE_MESSAGE)
  int('health_check_timeout', dig(hc, 'data', 'timeout'))
  int('health_check_invocation_timeout', dig(hc, 'data', 'invocation_timeout'))
  int('health_check_interval', dig(hc, 'data', 'interval'))
  endpoint('health_check_endpoint', dig(hc, 'data', 'endpoint'))
  const rc = body.readiness_health_check
  if (isObj(rc) && 'type' in rc && !HEALTH_CHECK_TYPES.includes(rc.type as string)) e.add('readiness_health_check_type', HEALTH_CHECK_TYPE_MESSAGE)
  int('readiness_health_check_invocation_timeout', dig(rc, 'data', 'invocation_timeout'))
  int('readiness_health_check_interval', dig(rc, 'data', 'interval'))
  endpoint('readiness_health_check_endpoint', dig(rc, 'data', 'endpoint'))
  return e.full()
}

/** sidecar_create_message.rb. */
export function sidecarCreateMessage(body: Obj): string[] {
  const e = new Errors()
  noAdditionalKeys(e, body, ['name', 'command', 'process_types', 'memory_in_mb'])
  presence(e, 'name', body.name)
  string(e, 'name', body.name)
  presence(e, 'command', body.command)
  string(e, 'command', body.command)
  array(e, 'process_types', body.process_types)
  length(e, 'process_types', body.process_types, {min: 1, tooShort: 'must have at least 1 process_type'})
  if (body.memory_in_mb !== null && body.memory_in_mb !== undefined) numericality(e, 'memory_in_mb', body.memory_in_mb, {onlyInteger: true, gt: 0})
  return e.full()
}

// ---------------------------------------------------------------------------------------------
// Deployments.
// ---------------------------------------------------------------------------------------------

const DEPLOYMENT_OPTION_KEYS = ['canary', 'max_in_flight', 'web_instances', 'memory_in_mb', 'disk_in_mb', 'log_rate_limit_in_bytes_per_second']
const truthy = (v: unknown) => v !== null && v !== undefined && v !== false
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)

/** deployment_create_message.rb. `relationships`, `droplet` and `revision` are not checked here. */
export function deploymentCreateMessage(body: Obj): string[] {
  const e = new Errors()
  metadata(e, body)
  noAdditionalKeys(e, body, ['relationships', 'droplet', 'revision', 'strategy', 'options', 'metadata'])
  const strategy = body.strategy
  if (strategy !== null && strategy !== undefined && strategy !== 'rolling' && strategy !== 'canary')
    e.add('strategy', `'${rubyToS(strategy)}' is not a supported deployment strategy`)
  if (present(body.revision) && present(body.droplet)) e.add('droplet', "Cannot set both fields 'droplet' and 'revision'")
  const options = body.options
  if (blank(options)) return e.full()
  if (!isObj(options)) {
    e.add('options', 'must be an object')
    return e.full()
  }
  const unsupported = Object.keys(options).filter((k) => !DEPLOYMENT_OPTION_KEYS.includes(k))
  if (unsupported.length > 0) e.add('options', `has unsupported key(s): ${unsupported.join(', ')}`)
  // The scaling options go through ProcessScaleMessage; its `instances` errors are reported as web_instances.
  scaleFields(e, options.web_instances, options.memory_in_mb, options.disk_in_mb, options.log_rate_limit_in_bytes_per_second, 'web_instances')
  if (truthy(options.max_in_flight) && (!isInteger(options.max_in_flight) || options.max_in_flight < 1))
    e.add('max_in_flight', 'must be an integer greater than 0')
  if (truthy(options.canary)) {
    const canary = options.canary
    if (!isObj(canary)) e.add('options.canary', 'must be an object')
    else if (strategy !== 'canary') e.add('options.canary', 'are only valid for Canary deployments')
    else if (truthy(canary.steps)) {
      const steps = canary.steps
      if (!Array.isArray(steps) || steps.some((s) => !isObj(s))) e.add('options.canary.steps', 'must be an array of objects')
      else {
        for (const step of steps as Obj[]) {
          const extra = Object.keys(step).filter((k) => k !== 'instance_weight')
          if (extra.length > 0) e.add('options.canary.steps', `has unsupported key(s): ${extra.join(', ')}`)
        }
        const list = steps as Obj[]
        if (list.some((s) => !('instance_weight' in s))) e.add('options.canary.steps', 'missing key: "instance_weight"')
        if (list.some((s) => !isInteger(s.instance_weight))) e.add('options.canary.steps.instance_weight', 'must be an Integer between 1-100 (inclusive)')
        else {
          const weights = list.map((s) => s.instance_weight as number)
          if (weights.some((w) => w < 1 || w > 100)) e.add('options.canary.steps.instance_weight', 'must be an Integer between 1-100 (inclusive)')
          if (weights.some((w, i) => i > 0 && w < weights[i - 1])) e.add('options.canary.steps.instance_weight', 'must be sorted in ascending order')
        }
      }
    }
  }
  return e.full()
}

// ---------------------------------------------------------------------------------------------
// Packages, builds, droplets.
// ---------------------------------------------------------------------------------------------

/** package_create_message.rb (with DockerDataValidator and BitsDataValidator). */
export function packageCreateMessage(body: Obj): string[] {
  const e = new Errors()
  metadata(e, body)
  noAdditionalKeys(e, body, ['relationships', 'type', 'data', 'metadata'])
  if (body.type === 'docker') {
    const d = new Errors()
    const data = body.data
    const image = isObj(data) ? data.image : undefined
    string(d, 'image', image)
    presence(d, 'image', image, 'required')
    if (isObj(data)) noAdditionalKeys(d, data, ['image', 'username', 'password'])
    for (const m of d.full()) e.add('data', m)
  }
  if (body.type === 'bits' && body.data !== null && body.data !== undefined && !(isObj(body.data) && Object.keys(body.data).length === 0)) {
    e.add('data', 'Data must be empty if provided for bits packages')
  }
  relationships(e, body.relationships, ['#keys', 'app'])
  if (body.type !== 'bits' && body.type !== 'docker') e.add('type', "must be one of 'bits, docker'")
  return e.full()
}

/** package_update_message.rb. */
export const packageUpdateMessage = (body: Obj) => metadataUpdateMessage(body, {allowed: ['username', 'password']})

/** build_create_message.rb. */
export function buildCreateMessage(body: Obj): string[] {
  const e = new Errors()
  metadata(e, body)
  if (body.staging_disk_in_mb !== null && body.staging_disk_in_mb !== undefined)
    numericality(e, 'staging_disk_in_mb', body.staging_disk_in_mb, {onlyInteger: true, gt: 0})
  if (body.staging_memory_in_mb !== null && body.staging_memory_in_mb !== undefined)
    numericality(e, 'staging_memory_in_mb', body.staging_memory_in_mb, {onlyInteger: true, gt: 0})
  if (body.staging_log_rate_limit_bytes_per_second !== null && body.staging_log_rate_limit_bytes_per_second !== undefined) {
    numericality(e, 'staging_log_rate_limit_bytes_per_second', body.staging_log_rate_limit_bytes_per_second, {onlyInteger: true, gte: -1, lte: MAX_DB_BIGINT})
  }
  noAdditionalKeys(e, body, [
    'staging_memory_in_mb',
    'staging_disk_in_mb',
    'staging_log_rate_limit_bytes_per_second',
    'environment_variables',
    'lifecycle',
    'package',
    'metadata',
  ])
  lifecycleFields(e, body, 'requested')
  const packageGuid = dig(body.package, 'guid')
  presence(e, 'package_guid', packageGuid)
  guid(e, 'package_guid', packageGuid)
  lifecycleTypeAndData(e, body, 'requested')
  return e.full()
}

/** build_update_message.rb, for the fields anyone may send (metadata). */
export const buildUpdateMessage = (body: Obj) => metadataUpdateMessage(body, {allowed: ['state', 'error', 'lifecycle']})

/** droplet_create_message.rb. */
export function dropletCreateMessage(body: Obj): string[] {
  const e = new Errors()
  noAdditionalKeys(e, body, ['relationships', 'process_types'])
  relationships(e, body.relationships, ['#keys', 'app'])
  const pt = body.process_types
  if (truthy(pt)) {
    if (!isObj(pt)) e.add('process_types', 'must be an object')
    else {
      if (Object.keys(pt).some((k) => k === '')) e.add('process_types', 'key must not be empty')
      if (Object.values(pt).some((v) => typeof v !== 'string')) e.add('process_types', 'value must be a string')
    }
  }
  return e.full()
}

/** droplet_copy_message.rb. */
export function dropletCopyMessage(body: Obj): string[] {
  const e = new Errors()
  noAdditionalKeys(e, body, ['relationships'])
  hash(e, 'app', dig(body.relationships, 'app'))
  guid(e, 'app_guid', dig(body.relationships, 'app', 'data', 'guid'))
  return e.full()
}

/** droplet_update_message.rb. */
export function dropletUpdateMessage(body: Obj): string[] {
  const e = new Errors()
  metadata(e, body)
  if (body.image !== null && body.image !== undefined) string(e, 'image', body.image)
  noAdditionalKeys(e, body, ['image', 'metadata'])
  return e.full()
}

// ---------------------------------------------------------------------------------------------
// Routes and destinations.
// ---------------------------------------------------------------------------------------------

/** RouteOptionsMessage, without the hash_based_routing feature flag (off by default). */
function routeOptionsMessage(options: Obj): string[] {
  const e = new Errors()
  noAdditionalKeys(e, options, ['loadbalancing', 'hash_header', 'hash_balance'])
  const lb = options.loadbalancing
  if (present(lb) && lb !== 'round-robin' && lb !== 'least-connection') e.add('loadbalancing', "must be one of 'round-robin, least-connection' if present")
  const invalid = Object.keys(options).filter((k) => ['hash_header', 'hash_balance'].includes(k) && present(options[k]))
  if (invalid.length > 0) e.add('base', `Unknown field(s): '${invalid.join("', '")}'`)
  return e.full()
}

/** OptionsValidator (max_route_options_size defaults to 1 KiB). */
function routeOptions(e: Errors, options: unknown): void {
  if (!isObj(options)) {
    e.add('options', "'options' is not a valid object")
    return
  }
  const size = Buffer.byteLength(JSON.stringify(options))
  if (size > 1024) e.add('options', `must be smaller than 1024 bytes (actual size is ${size} bytes)`)
  for (const m of routeOptionsMessage(options)) e.add('options', m)
}

/** route_create_message.rb. */
export function routeCreateMessage(body: Obj): string[] {
  const e = new Errors()
  metadata(e, body)
  const {host, path, port} = body
  if (host !== null && host !== undefined) {
    string(e, 'host', host)
    length(e, 'host', host, {max: 63})
    if (!/^([\w-]+|\*)?$/.test(rubyToS(host))) e.add('host', 'must be either "*" or contain only alphanumeric characters, "_", or "-"')
  }
  if (path !== null && path !== undefined) {
    string(e, 'path', path)
    length(e, 'path', path, {max: 128})
    if (!/^(\/.*|)$/.test(rubyToS(path))) e.add('path', 'must begin with /')
    if (rubyToS(path).includes('?')) e.add('path', 'cannot contain ?')
    if (rubyToS(path) === '/') e.add('path', 'cannot be exactly /')
  }
  if (port !== null && port !== undefined) numericality(e, 'port', port, {onlyInteger: true, gte: 0, lte: 65_535})
  presence(e, 'relationships', body.relationships)
  noAdditionalKeys(e, body, ['host', 'path', 'port', 'relationships', 'options', 'metadata'])
  relationships(e, body.relationships, ['#keys', 'space', 'domain'])
  if ('options' in body) routeOptions(e, body.options)
  return e.full()
}

/** route_update_message.rb. */
export function routeUpdateMessage(body: Obj): string[] {
  const e = new Errors()
  metadata(e, body)
  if ('options' in body) routeOptions(e, body.options)
  noAdditionalKeys(e, body, ['options', 'metadata'])
  return e.full()
}

export const DESTINATION_PROTOCOLS = ['http1', 'http2', 'tcp']

/** route_update_destinations_message.rb: `replace` for PATCH (replace all), not for POST (insert). */
export function routeUpdateDestinationsMessage(body: Obj, replace: boolean): string[] {
  const e = new Errors()
  noAdditionalKeys(e, body, ['destinations'])
  const destinations = body.destinations
  const minimum = replace ? 0 : 1
  if (!Array.isArray(destinations) || destinations.length < minimum || destinations.length > 100) {
    e.add('destinations', `must be an array containing between ${minimum} and 100 destination objects.`)
    return e.full()
  }
  const destError = (i: number, m: string) => e.add(`Destinations[${i}]:`, m)
  const portsByApp = new Map<string, unknown[]>()
  destinations.forEach((dst: unknown, i: number) => {
    if (!isObj(dst)) return destError(i, 'must be an object.')
    if (!('app' in dst)) return destError(i, 'must have an "app".')
    if (Object.keys(dst).some((k) => !['app', 'weight', 'port', 'protocol'].includes(k)))
      return destError(i, 'must have only "app" and optionally "weight", "port" or "protocol".')
    const app = dst.app
    const guidOk = isObj(app) && typeof app.guid === 'string' && app.guid.length >= 1 && app.guid.length < 200
    if (!guidOk) destError(i, 'app must have the structure {"guid": "app_guid"}')
    else {
      const proc = app.process
      const procOk = proc === null || proc === undefined || (isObj(proc) && sameKeys(proc, ['type']) && typeof proc.type === 'string' && proc.type !== '')
      if (!procOk) destError(i, 'process must have the structure {"type": "process_type"}')
    }
    if (truthy(dst.weight)) {
      if (!replace) destError(i, 'weighted destinations can only be used when replacing all destinations.')
      else if (!(isInteger(dst.weight) && dst.weight > 0 && dst.weight <= 100)) destError(i, 'weight must be a positive integer between 1 and 100.')
    }
    if (truthy(dst.port) && !(isInteger(dst.port) && dst.port >= 1024 && dst.port <= 65_535))
      destError(i, 'port must be a positive integer between 1024 and 65535 inclusive.')
    if (truthy(dst.protocol) && !(typeof dst.protocol === 'string' && DESTINATION_PROTOCOLS.includes(dst.protocol)))
      destError(i, "protocol must be 'http1', 'http2' or 'tcp'.")
    const key = JSON.stringify(app)
    portsByApp.set(key, [...(portsByApp.get(key) ?? []), dst.port])
  })
  if ([...portsByApp.values()].some((ports) => ports.length > 10)) e.add('process', 'must have at most 10 exposed ports.')
  if (e.any) return e.full()
  const weights = destinations.map((d) => (isObj(d) ? d.weight : undefined))
  if (weights.every((w) => w === null || w === undefined)) return e.full()
  if (weights.some((w) => w === null || w === undefined)) e.add('destinations', 'cannot contain both weighted and unweighted destinations.')
  else if ((weights as number[]).reduce((a, b) => a + b, 0) !== 100) e.add('destinations', 'must have weights that sum to 100.')
  return e.full()
}

/** route_destination_update_message.rb. */
export function routeDestinationUpdateMessage(body: Obj): string[] {
  const e = new Errors()
  noAdditionalKeys(e, body, ['protocol'])
  if ('protocol' in body && !(typeof body.protocol === 'string' && DESTINATION_PROTOCOLS.includes(body.protocol)))
    e.add('destination', "protocol must be 'http1', 'http2' or 'tcp'.")
  return e.full()
}

// ---------------------------------------------------------------------------------------------
// Services.
// ---------------------------------------------------------------------------------------------

/**
 * The two messages service_credential_bindings_controller.rb checks in turn: the generic
 * ServiceCredentialBindingCreateMessage, then the app or key one. The first that fails answers.
 */
export function serviceCredentialBindingCreateMessages(body: Obj): string[] {
  const common = (e: Errors) => {
    metadata(e, body)
    noAdditionalKeys(e, body, ['type', 'strategy', 'name', 'relationships', 'parameters', 'metadata'])
  }
  const generic = new Errors()
  common(generic)
  relationships(generic, body.relationships, ['service_instance'])
  if (body.parameters !== null && body.parameters !== undefined) hash(generic, 'parameters', body.parameters)
  if (body.type !== 'app' && body.type !== 'key') generic.add('type', "must be 'app' or 'key'")
  if (generic.any) return generic.full()

  const specific = new Errors()
  common(specific)
  relationships(specific, body.relationships, body.type === 'app' ? ['service_instance', '#keys', 'app'] : ['service_instance', '#keys'])
  if (body.parameters !== null && body.parameters !== undefined) hash(specific, 'parameters', body.parameters)
  if (body.type === 'app') {
    if (body.strategy !== null && body.strategy !== undefined && body.strategy !== 'single' && body.strategy !== 'multiple')
      specific.add('strategy', "must be 'single' or 'multiple'")
  } else {
    string(specific, 'name', body.name)
    presence(specific, 'name', body.name)
  }
  return specific.full()
}

/**
 * service_instance_create_message.rb, then (for type user-provided) the user-provided message,
 * which inherits the first one's validators and declares RelationshipValidator again: its
 * relationship errors appear twice, as in Cloud Controller.
 */
export function serviceInstanceCreateMessages(body: Obj): string[] {
  const parent = (e: Errors, steps: string[], typeCheck: () => void) => {
    metadata(e, body)
    relationships(e, body.relationships, steps)
    typeCheck()
    string(e, 'name', body.name)
    presence(e, 'name', body.name)
    if (present(body.tags)) array(e, 'tags', body.tags)
    if (Array.isArray(body.tags) && body.tags.some((t) => typeof t !== 'string')) e.add('tags', 'must be a list of strings')
  }
  const generic = new Errors()
  parent(generic, ['space'], () => {
    if (body.type !== 'managed' && body.type !== 'user-provided') generic.add('type', "must be one of 'managed', 'user-provided'")
  })
  if (generic.any || body.type !== 'user-provided') return generic.full()

  const e = new Errors()
  const steps = ['space', '#keys']
  parent(e, steps, () => {})
  noAdditionalKeys(e, body, ['type', 'relationships', 'name', 'tags', 'credentials', 'syslog_drain_url', 'route_service_url', 'metadata'])
  relationships(e, body.relationships, steps)
  if (present(body.credentials)) hash(e, 'credentials', body.credentials)
  if (present(body.syslog_drain_url) && !isUri(body.syslog_drain_url)) e.add('syslog_drain_url', 'must be a valid URI')
  if (present(body.route_service_url) && !isUri(body.route_service_url)) e.add('route_service_url', 'must be a valid URI')
  if (present(body.route_service_url) && typeof body.route_service_url === 'string' && !body.route_service_url.startsWith('https:'))
    e.add('route_service_url', 'must be https')
  return e.full()
}

function isUri(v: unknown): boolean {
  if (typeof v !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(v)) return false
  try {
    new URL(v)
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------
// App manifests (app_manifest_message.rb and the manifest_*_message.rb it delegates to).
// ---------------------------------------------------------------------------------------------

const BYTES = /^(-?\d+(?:\.\d+)?)([KMGT]i?B?|B)$/i
class InvalidUnits extends Error {}
class NonNumeric extends Error {}

/** ByteConverter#convert_to_mb / convert_to_b (byte_converter.rb, byte_quantity.rb): a unit is required. */
function toBytes(value: unknown): number | undefined {
  if (blank(value)) return undefined
  const s = rubyToS(value)
  if (!/^-?\d+(?:\.\d+)?/.test(s)) throw new NonNumeric()
  const m = BYTES.exec(s.trim())
  if (!m) throw new InvalidUnits()
  const unit = m[2][0].toUpperCase()
  const mult = unit === 'T' ? 1024 ** 4 : unit === 'G' ? 1024 ** 3 : unit === 'M' ? 1024 ** 2 : unit === 'K' ? 1024 : 1
  return Math.trunc(Number(m[1]) * mult)
}

export function manifestMegabytes(value: unknown): number | undefined {
  try {
    const b = toBytes(value)
    return b === undefined ? undefined : Math.trunc(b / 1024 ** 2)
  } catch {
    return undefined
  }
}

/**
 * A size in megabytes as Cloud Controller's ByteConverter reads it ("256M", "1G", "512MB"),
 * for the local foundation's own inputs (the seed): a number is already megabytes; a string
 * without a supported unit throws with Cloud Controller's wording.
 */
export function megabytesOrThrow(value: string | number, name = 'Size'): number {
  if (typeof value === 'number') return value
  const problem = byteFormatError(value, name)
  if (problem) throw new Error(problem)
  return Math.trunc((toBytes(value) ?? 0) / 1024 ** 2)
}

export function manifestBytesPerSecond(value: unknown): number | undefined {
  const s = rubyToS(value)
  if (blank(s)) return undefined
  if (s === '-1') return -1
  if (s === '0') return 0
  try {
    return toBytes(s.trim())
  } catch {
    return undefined
  }
}

function byteFormatError(value: unknown, name: string, allowUnlimited = false): string | undefined {
  if (allowUnlimited && ['-1', '0'].includes(rubyToS(value))) return undefined
  try {
    toBytes(value)
    return undefined
  } catch (error) {
    return error instanceof InvalidUnits ? `${name} must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB` : `${name} is not a number`
  }
}

/** A manifest app with its keys underscored (create_from_yml: "disk-quota" → disk_quota). */
export function underscoreManifestKeys(app: Obj): Obj {
  const out: Obj = {}
  for (const [k, v] of Object.entries(app)) {
    const key = underscore(k)
    out[key] = key === 'processes' && Array.isArray(v) ? v.map((p) => (isObj(p) ? underscoreManifestKeys(p) : p)) : v
  }
  return out
}

const underscore = (k: string) =>
  k
    .replace(/::/g, '/')
    .replace(/([A-Z\d]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase()

const MANIFEST_APP_KEYS = [
  'buildpack',
  'buildpacks',
  'command',
  'disk_quota',
  'log_rate_limit_per_second',
  'docker',
  'env',
  'health_check_http_endpoint',
  'health_check_invocation_timeout',
  'health_check_interval',
  'health_check_timeout',
  'health_check_type',
  'readiness_health_check_http_endpoint',
  'readiness_health_check_type',
  'readiness_health_check_invocation_timeout',
  'readiness_health_check_interval',
  'instances',
  'metadata',
  'memory',
  'lifecycle',
  'name',
  'no_route',
  'processes',
  'random_route',
  'default_route',
  'routes',
  'services',
  'sidecars',
  'stack',
  'timeout',
  'cnb_credentials',
  'features',
]

/** The keys app_manifest_message.rb reads (others are dropped, silently, as BaseMessage does). */
export function manifestKnownKeys(app: Obj): Obj {
  return Object.fromEntries(Object.entries(app).filter(([k]) => MANIFEST_APP_KEYS.includes(k)))
}

const APP_FEATURES = ['ssh', 'revisions', 'service-binding-k8s', 'file-based-vcap-services']

/** The scale settings of each process the manifest configures, web first (process_scale_attribute_mappings). */
export function manifestProcessConfigs(m: Obj): {scale: Obj[]; update: Obj[]} {
  const scaleOf = (p: Obj, type?: unknown) =>
    compact({
      instances: p.instances,
      memory: manifestMegabytes(p.memory),
      disk_quota: manifestMegabytes(p.disk_quota),
      log_rate_limit: manifestBytesPerSecond(p.log_rate_limit_per_second),
      type,
    })
  const appScale = compact({
    instances: m.instances,
    memory: manifestMegabytes(m.memory),
    disk_quota: manifestMegabytes(m.disk_quota),
    log_rate_limit: manifestBytesPerSecond(m.log_rate_limit_per_second),
  })
  const converted = (t: unknown) => (t === 'none' ? 'process' : t)
  const appUpdate: Obj = {}
  if ('command' in m) appUpdate.command = m.command ?? 'null'
  for (const k of [
    'health_check_http_endpoint',
    'timeout',
    'health_check_invocation_timeout',
    'health_check_interval',
    'readiness_health_check_invocation_timeout',
    'readiness_health_check_interval',
    'readiness_health_check_http_endpoint',
  ]) {
    if (k in m) appUpdate[k] = m[k]
  }
  if ('health_check_type' in m) appUpdate.health_check_type = converted(m.health_check_type)
  if ('readiness_health_check_type' in m) appUpdate.readiness_health_check_type = converted(m.readiness_health_check_type)
  const updateOf = (p: Obj) => {
    const out: Obj = {}
    if ('command' in p) out.command = p.command ?? 'null'
    for (const k of [
      'user',
      'health_check_http_endpoint',
      'health_check_timeout',
      'health_check_invocation_timeout',
      'health_check_interval',
      'readiness_health_check_invocation_timeout',
      'readiness_health_check_interval',
      'readiness_health_check_http_endpoint',
      'timeout',
    ]) {
      if (k in p) out[k] = p[k]
    }
    out.type = p.type
    if ('health_check_type' in p) out.health_check_type = converted(p.health_check_type)
    if ('readiness_health_check_type' in p) out.readiness_health_check_type = converted(p.readiness_health_check_type)
    return out
  }
  const build = (appLevel: Obj, perProcess: (p: Obj) => Obj): Obj[] => {
    let out: Obj[] = Object.keys(appLevel).length === 0 ? [] : [{...appLevel, type: 'web'}]
    if ('processes' in m && Array.isArray(m.processes)) {
      const procs = m.processes.filter(isObj)
      const web = procs.filter((p) => p.type === 'web')
      const other = procs.filter((p) => p.type !== 'web')
      if (web.length > 0) out = [perProcess(web[0])]
      for (const p of other) out.push(perProcess(p))
    }
    return out
  }
  return {scale: build(appScale, (p) => scaleOf(p, p.type)), update: build(appUpdate, updateOf)}
}

const compact = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined))

function manifestProcessScaleErrors(p: Obj): string[] {
  const e = new Errors()
  const mb = 'must be greater than 0MB'
  if (p.instances !== null && p.instances !== undefined) numericality(e, 'instances', p.instances, {onlyInteger: true, gte: 0, lte: 2_000_000})
  if (p.memory !== null && p.memory !== undefined) numericality(e, 'memory', p.memory, {onlyInteger: true, gt: 0, message: mb})
  if (p.disk_quota !== null && p.disk_quota !== undefined) numericality(e, 'disk_quota', p.disk_quota, {onlyInteger: true, gt: 0, message: mb})
  if (p.log_rate_limit !== null && p.log_rate_limit !== undefined)
    numericality(e, 'log_rate_limit', p.log_rate_limit, {
      onlyInteger: true,
      gte: -1,
      lte: MAX_DB_BIGINT,
      message: 'must be an integer greater than or equal to -1',
    })
  return e.full()
}

const MANIFEST_PROCESS_UPDATE_KEYS = [
  'command',
  'user',
  'health_check_http_endpoint',
  'health_check_invocation_timeout',
  'health_check_type',
  'health_check_interval',
  'readiness_health_check_http_endpoint',
  'readiness_health_check_invocation_timeout',
  'readiness_health_check_type',
  'readiness_health_check_interval',
  'timeout',
  'type',
]

function manifestProcessUpdateErrors(p: Obj): string[] {
  const e = new Errors()
  noAdditionalKeys(e, p, MANIFEST_PROCESS_UPDATE_KEYS)
  if ('health_check_type' in p && 'health_check_http_endpoint' in p && p.health_check_type !== 'http')
    e.add('health_check_type', 'must be "http" to set a health check HTTP endpoint')
  if ('readiness_health_check_type' in p && 'readiness_health_check_http_endpoint' in p && p.readiness_health_check_type !== 'http') {
    e.add('readiness_health_check_type', 'must be "http" to set a health check HTTP endpoint')
  }
  if ('command' in p) {
    string(e, 'command', p.command)
    length(e, 'command', p.command, {min: 1, max: 4096, message: 'must be between 1 and 4096 characters'})
  }
  if ('user' in p && p.user !== null) {
    string(e, 'user', p.user)
    length(e, 'user', p.user, {min: 1, max: 255, message: 'must be between 1 and 255 characters'})
  }
  if ('health_check_type' in p && !HEALTH_CHECK_TYPES.includes(p.health_check_type as string)) e.add('health_check_type', HEALTH_CHECK_TYPE_MESSAGE)
  if ('health_check_http_endpoint' in p && p.health_check_http_endpoint !== null && !isUriPath(p.health_check_http_endpoint))
    e.add('health_check_http_endpoint', 'must be a valid URI path')
  const int = (k: string) => {
    if (k in p && p[k] !== null) numericality(e, k, p[k], {onlyInteger: true, gte: 1})
  }
  int('health_check_invocation_timeout')
  int('health_check_interval')
  if ('readiness_health_check_type' in p && !HEALTH_CHECK_TYPES.includes(p.readiness_health_check_type as string))
    e.add('readiness_health_check_type', HEALTH_CHECK_TYPE_MESSAGE)
  int('readiness_health_check_invocation_timeout')
  if ('readiness_health_check_http_endpoint' in p && p.readiness_health_check_http_endpoint !== null && !isUriPath(p.readiness_health_check_http_endpoint)) {
    e.add('readiness_health_check_http_endpoint', 'must be a valid URI path')
  }
  int('readiness_health_check_interval')
  int('timeout')
  return e.full()
}

/** ManifestRoute.parse + valid? (manifest_route.rb), with Addressable's heuristic parse reduced to what decides validity. */
export function parseManifestRoute(route: string): {scheme: string; host: string; port: number | null; path: string} | undefined {
  let rest = route
  let scheme = 'unspecified'
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(route)
  if (m && !m[1].includes('.')) {
    scheme = m[1].toLowerCase()
    rest = route.slice(m[0].length)
  } else if (!/^[^/]*\./.test(route)) return undefined
  const slash = rest.indexOf('/')
  const authority = slash < 0 ? rest : rest.slice(0, slash)
  const path = slash < 0 ? '' : rest.slice(slash)
  const portMatch = /:(\d*)$/.exec(authority)
  const host = portMatch ? authority.slice(0, portMatch.index) : authority
  const port = portMatch && portMatch[1] !== '' ? Number(portMatch[1]) : null
  if (blank(host)) return undefined
  const ok = port !== null ? ['tcp', 'unspecified'].includes(scheme) : ['http', 'https', 'unspecified'].includes(scheme)
  return ok ? {scheme, host, port, path} : undefined
}

function manifestRoutesErrors(m: Obj): string[] {
  const e = new Errors()
  const routesRequested = 'routes' in m
  const routes = m.routes
  if (routesRequested && (!Array.isArray(routes) || routes.some((r) => !(isObj(r) && present(r.route))))) e.add('routes', 'must be a list of route objects')
  const routesOk = routesRequested && e.on('routes').length === 0
  if (routesOk) {
    const list = routes as Obj[]
    for (const r of list) if (!parseManifestRoute(rubyToS(r.route))) e.add('base', `The route '${rubyToS(r.route)}' is not a properly formed URL`)
    for (const r of list)
      if (r.protocol !== null && r.protocol !== undefined && !DESTINATION_PROTOCOLS.includes(r.protocol as string))
        e.add('base', "Route protocol must be 'http1', 'http2' or 'tcp'.")
    for (const r of list) {
      if (!('options' in r)) continue
      if (!isObj(r.options)) {
        e.add('base', `Route '${rubyToS(r.route)}': options must be an object`)
        continue
      }
      for (const key of Object.keys(r.options))
        if (key !== 'loadbalancing') e.add('base', `Route '${rubyToS(r.route)}' contains invalid route option '${key}'. Valid keys: 'loadbalancing'`)
    }
    for (const r of list) {
      if (!isObj(r.options) || !('loadbalancing' in r.options)) continue
      const lb = r.options.loadbalancing
      if (typeof lb !== 'string')
        e.add('base', `Invalid value for 'loadbalancing' for Route '${rubyToS(r.route)}'; Valid values are: 'round-robin, least-connection'`)
      else if (!['round-robin', 'least-connection'].includes(lb))
        e.add('base', `Cannot use loadbalancing value '${lb}' for Route '${rubyToS(r.route)}'; Valid values are: 'round-robin, least-connection'`)
    }
  }
  for (const [key, label] of [
    ['no_route', 'No-route'],
    ['default_route', 'Default-route'],
    ['random_route', 'Random-route'],
  ]) {
    const v = m[key]
    if (v !== null && v !== undefined && typeof v !== 'boolean') e.add('base', `${label} must be a boolean`)
  }
  if (truthy(m.random_route) && truthy(m.default_route)) e.add('base', 'Random-route and default-route may not be used together')
  return e.full()
}

function validServiceEntry(s: unknown): boolean {
  if (typeof s === 'string') return true
  if (!isObj(s)) return false
  const keys = Object.keys(s)
  if (keys.length > 3 || keys.some((k) => !['name', 'parameters', 'binding_name'].includes(k)) || !('name' in s)) return false
  if ('parameters' in s && !isObj(s.parameters)) return false
  if ('binding_name' in s && typeof s.binding_name !== 'string') return false
  return true
}

/** AppManifestMessage#valid? for one (underscored) app: its full messages, in CC's order. */
export function appManifestMessage(m: Obj): string[] {
  const e = new Errors()
  const requested = (k: string) => k in m
  const processError = (message: string, type: unknown) => e.add('base', `Process "${rubyToS(type)}": ${message}`)

  presence(e, 'name', m.name, 'must not be empty')
  string(e, 'name', m.name)
  // validate_top_level_web_process!
  for (const [value, name, unlimited] of [
    [m.memory, 'Memory', false],
    [m.disk_quota, 'Disk quota', false],
    [m.log_rate_limit_per_second, 'Log rate limit per second', true],
  ] as const) {
    const err = byteFormatError(value, name, unlimited)
    if (err) processError(err, 'web')
  }
  if (requested('processes')) {
    if (!Array.isArray(m.processes)) e.add('base', 'Processes must be an array of process configurations')
    else {
      const procs = m.processes.map((p) => (isObj(p) ? p : {}))
      if (procs.some((p) => blank(p.type))) e.add('base', 'All Processes must specify a type')
      const counts = new Map<string, number>()
      for (const p of procs) counts.set(rubyToS(p.type), (counts.get(rubyToS(p.type)) ?? 0) + 1)
      for (const [type, n] of counts) if (n > 1) e.add('base', `Process "${type}" may only be present once`)
      for (const p of procs) {
        for (const [value, name, unlimited] of [
          [p.memory, 'Memory', false],
          [p.disk_quota, 'Disk quota', false],
          [p.log_rate_limit_per_second, 'Log rate limit per second', true],
        ] as const) {
          const err = byteFormatError(value, name, unlimited)
          if (err) processError(err, p.type)
        }
      }
    }
  }
  if (requested('sidecars')) {
    if (!Array.isArray(m.sidecars)) e.add('base', 'Sidecars must be an array of sidecar configurations')
    else
      for (const s of m.sidecars) {
        const sc = isObj(s) ? s : {}
        const memory = manifestMegabytes(sc.memory) ?? sc.memory
        const msg = compact({name: sc.name, memory_in_mb: memory, command: sc.command, process_types: sc.process_types})
        for (const text of sidecarCreateMessage(msg)) e.add('sidecar', present(sc.name) ? `"${rubyToS(sc.name)}": ${text}` : text.toLowerCase())
      }
  }
  const {scale, update} = manifestProcessConfigs(m)
  for (const p of scale) for (const text of manifestProcessScaleErrors(p)) processError(text, p.type)
  for (const p of update) for (const text of manifestProcessUpdateErrors(p)) processError(text, p.type)
  // validate_app_update_message!: the lifecycle the manifest implies, through AppUpdateMessage.
  const lifecycle = manifestLifecycle(m)
  if (lifecycle !== undefined || requested('metadata')) {
    const appUpdate: Obj = compact({lifecycle, metadata: requested('metadata') ? m.metadata : undefined})
    const u = new Errors()
    metadata(u, appUpdate)
    lifecycleFields(u, appUpdate, 'requested')
    lifecycleTypeAndData(u, appUpdate)
    for (const text of u.on('lifecycle')) if (!text.startsWith('Buildpacks') || requested('buildpacks')) e.add('base', text)
    for (const text of u.on('metadata')) e.add('metadata', text)
  }
  if (requested('buildpack') && requested('buildpacks')) e.add('base', 'Buildpack and Buildpacks fields cannot be used together.')
  if (requested('docker') && (requested('buildpack') || requested('buildpacks'))) e.add('base', 'Cannot specify both buildpack(s) and docker keys')
  if (requested('services') && !(Array.isArray(m.services) && m.services.every(validServiceEntry)))
    e.add('base', 'Services must be a list of service instances')
  if (requested('env')) {
    if (!isObj(m.env)) e.add('base', 'Env must be an object of keys and values')
    else {
      const v = new Errors()
      environmentVariablesStringValues(v, 'var', Object.fromEntries(Object.entries(m.env).map(([k, x]) => [k, rubyToS(x)])))
      for (const text of v.on('var')) e.add('env', text)
    }
  }
  if (requested('buildpack') && m.buildpack !== null) {
    string(e, 'buildpack', m.buildpack)
    length(e, 'buildpack', m.buildpack, {min: 1, max: 4096, message: 'must be between 1 and 4096 characters'})
  }
  if (requested('routes') || requested('no_route') || requested('random_route') || requested('default_route'))
    for (const text of manifestRoutesErrors(m)) e.add('base', text)
  if (requested('features')) {
    const f = m.features
    const ok = isObj(f) && Object.keys(f).length > 0 && Object.entries(f).every(([k, v]) => APP_FEATURES.includes(k) && typeof v === 'boolean')
    if (!ok) e.add('base', 'Features must be a map of valid feature names to booleans (true = enabled, false = disabled)')
  }
  return e.full()
}

/** app_lifecycle_hash: the lifecycle a manifest app asks for, or undefined. */
export function manifestLifecycle(m: Obj): Obj | undefined {
  const requested = (k: string) => k in m
  const type =
    requested('lifecycle') && m.lifecycle === 'cnb'
      ? 'cnb'
      : requested('lifecycle') && m.lifecycle === 'buildpack'
        ? 'buildpack'
        : requested('docker')
          ? 'docker'
          : undefined
  let buildpacks: unknown
  if (requested('buildpacks')) buildpacks = m.buildpacks
  else if (requested('buildpack')) buildpacks = m.buildpack === 'default' || m.buildpack === 'null' || m.buildpack === null ? [] : [m.buildpack]
  const data = compact({buildpacks, stack: m.stack, credentials: m.cnb_credentials})
  if (type === 'docker') return {type: 'docker'}
  if (type || Object.keys(data).length > 0) return compact({type, data: Object.keys(data).length > 0 ? data : undefined})
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Resource matches (resource_match_create_message.rb).
// ---------------------------------------------------------------------------------------------

/** ResourceMatchCreateMessage: each problem is reported once for the whole array. */
export function resourceMatchCreateMessage(body: Obj): string[] {
  const e = new Errors()
  const resources = body.resources
  array(e, 'resources', resources)
  length(e, 'resources', resources, {min: 1, max: 5000, tooShort: 'must have at least 1 resource', tooLong: 'array can have at most 5000 resources'})
  if (Array.isArray(resources)) {
    const seen = new Set<string>()
    const once = (m: string) => {
      if (seen.has(m)) return
      seen.add(m)
      e.add('resources', `array contains at least one resource with ${m}`)
    }
    for (const raw of resources) {
      const r = isObj(raw) ? raw : {}
      const checksum = r.checksum
      if (!isObj(checksum)) once('a non-object checksum')
      else if (typeof checksum.value !== 'string') once('a non-string checksum value')
      else if (checksum.value.length !== 40) once('a non-SHA1 checksum value')
      if (!isInteger(r.size_in_bytes)) once('a non-integer size_in_bytes')
      else if (r.size_in_bytes < 0) once('a negative size_in_bytes')
      if (r.mode !== null && r.mode !== undefined) {
        if (typeof r.mode !== 'string') once('a non-string mode')
        else if (!/^[0-7]+$/m.test(r.mode)) once('an incorrect mode')
      }
    }
  }
  return e.full()
}
