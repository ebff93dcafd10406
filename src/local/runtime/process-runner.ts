/**
 * `cfzd local start --run-apps`: instances run the pushed app's own code as child processes
 * instead of the built-in responder.
 *
 * - Bits: every uploaded package is kept under the data dir as a file list (path, sha1, mode)
 *   whose contents sit in a blob store by sha1, so files matched by `resource_matches` (not sent
 *   again) are there too. A droplet staged from a package, or copied from such a droplet, runs
 *   that package's files.
 * - Start: each instance gets its own folder (`<data dir>/instances/<instance guid>/app`, its
 *   HOME and working directory) with the files unpacked, and runs the start command under
 *   `sh -c` in its own process group: the process's command (manifest `command`), else the
 *   Procfile's line for the process type, else `npm start` when there is a package.json.
 * - Env, as Cloud Controller (diego/environment.rb, vars_builder.rb, system_env_presenter.rb) and
 *   Diego give it: the app's env vars, VCAP_APPLICATION, MEMORY_LIMIT, VCAP_SERVICES, PORT,
 *   VCAP_APP_PORT, CF_INSTANCE_INDEX, CF_INSTANCE_GUID, CF_INSTANCE_IP/PORT/ADDR.
 * - Health: the process's health check (port: a TCP connect to PORT; http: GET endpoint answers
 *   200 within the invocation timeout; process: alive) is tried until it passes or the health
 *   check timeout (default 60 s) passes; then RUNNING, and routable once its readiness check passes.
 * - Exit: a process that exits (or never becomes healthy) is a crash, handed to the runtime's
 *   crash path. Stop sends SIGTERM to the process group, SIGKILL after the graceful window
 *   (10 s by default, as Diego). The foundation's stop ends every child; a child is never left
 *   behind, not even when the foundation's own process exits.
 * Droplets without kept bits (seeded apps, apps pushed before --run-apps) keep the built-in responder.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {appEnv} from '../api/handlers/apps.js'
import type {Foundation, RunnerPort} from '../kernel.js'
import {type AppRec, instanceEnv, type ProcessRec} from '../state.js'
import type {Instance} from './instance.js'

export interface ProcessRunnerOptions {
  /** Where bits and instance folders live. Default: a temporary folder, removed on stop. */
  dataDir?: string
  /** Time between SIGTERM and SIGKILL on stop (Diego's graceful window). Default 10 s. */
  gracefulStopMs?: number
  /** Time between health check attempts while an instance starts. Default 100 ms. */
  checkIntervalMs?: number
}

export interface PackageFile {
  path: string
  sha1: string
  mode: number
}

interface Child {
  inst: Instance
  proc: ChildProcess
  dir: string
  exited: Promise<void>
  stopping: boolean
  alive: boolean
}

/** Cloud Controller's default health check timeout (config default_health_check_timeout). */
const DEFAULT_HEALTH_CHECK_TIMEOUT_S = 60
const MAX_LOG_LINE = 64 * 1024

export class ProcessRunner implements RunnerPort {
  readonly dataDir: string
  readonly gracefulStopMs: number
  private readonly checkIntervalMs: number
  private readonly temporary: boolean
  private readonly children = new Map<Instance, Child>()
  private readonly onExit = () => this.killAllNow()

  constructor(
    private readonly f: Foundation,
    opts: ProcessRunnerOptions = {},
  ) {
    this.temporary = !opts.dataDir
    this.dataDir = path.resolve(opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-local-data-')))
    this.gracefulStopMs = opts.gracefulStopMs ?? 10_000
    this.checkIntervalMs = opts.checkIntervalMs ?? 100
    for (const d of ['blobs', 'packages', 'droplets', 'instances']) fs.mkdirSync(path.join(this.dataDir, d), {recursive: true})
    process.on('exit', this.onExit)
  }

  /** Process group ids of the app processes still running (each group is one instance). */
  get pids(): number[] {
    return [...this.children.values()].filter((c) => c.proc.pid).map((c) => c.proc.pid!)
  }

  // ---- bits ------------------------------------------------------------------------------------

  /** Keep an uploaded package: the zip's files plus the matched resources (already in the blob store). */
  savePackage(packageGuid: string, entries: Record<string, Uint8Array>, resources: {path: string; checksum: {value: string}; mode?: string}[]): void {
    const files = new Map<string, PackageFile>()
    for (const r of resources) files.set(r.path, {path: r.path, sha1: r.checksum.value, mode: parseMode(r.mode) ?? 0o644})
    for (const [p, data] of Object.entries(entries)) {
      if (p.endsWith('/')) continue
      const sha1 = createHash('sha1').update(data).digest('hex')
      const blob = this.blobPath(sha1)
      if (!fs.existsSync(blob)) fs.writeFileSync(blob, data)
      const isScript = data[0] === 0x23 && data[1] === 0x21 // #!
      files.set(p, {path: p, sha1, mode: files.get(p)?.mode ?? (isScript ? 0o755 : 0o644)})
    }
    fs.writeFileSync(this.packagePath(packageGuid), JSON.stringify([...files.values()]))
  }

  /** A package copied from another (POST /v3/packages?source_guid=). */
  copyPackage(sourceGuid: string, guid: string): void {
    if (fs.existsSync(this.packagePath(sourceGuid))) fs.copyFileSync(this.packagePath(sourceGuid), this.packagePath(guid))
  }

  /** A droplet copied from another (POST /v3/droplets?source_guid=): it runs the source's bits. */
  copyDroplet(sourceGuid: string, guid: string): void {
    const pkg = this.packageOfDroplet(sourceGuid)
    if (pkg) fs.writeFileSync(path.join(this.dataDir, 'droplets', `${guid}.json`), JSON.stringify({packageGuid: pkg}))
  }

  /** The files a droplet runs, or undefined when its bits were not kept. */
  bitsOf(dropletGuid: string): PackageFile[] | undefined {
    const pkg = this.packageOfDroplet(dropletGuid)
    if (!pkg) return undefined
    try {
      return JSON.parse(fs.readFileSync(this.packagePath(pkg), 'utf8')) as PackageFile[]
    } catch {
      return undefined
    }
  }

  /** Whether this instance runs the app's own code (its droplet's bits were kept). */
  runs(inst: Instance): boolean {
    return this.bitsOf(inst.dropletGuid) !== undefined
  }

  owns(inst: Instance): boolean {
    return this.children.has(inst)
  }

  /** The instance's app process has not exited (it may be stopping, within its graceful window). */
  alive(inst: Instance): boolean {
    return this.children.get(inst)?.alive ?? false
  }

  // ---- instances -------------------------------------------------------------------------------

  /**
   * Unpack, spawn, health check. `crashed` is the runtime's crash path: called at most once, when
   * the process exits on its own or never becomes healthy.
   */
  async boot(inst: Instance, p: ProcessRec, app: AppRec, crashed: (details: string) => void): Promise<void> {
    const name = `APP/PROC/${p.type.toUpperCase()}/${inst.index}`
    const files = this.bitsOf(inst.dropletGuid) ?? []
    const dir = path.join(this.dataDir, 'instances', inst.guid)
    const appDir = path.join(dir, 'app')
    let command: string | undefined
    try {
      this.unpack(files, appDir)
      fs.mkdirSync(path.join(dir, 'tmp'), {recursive: true})
      command = startCommand(p, appDir)
      inst.port = await freePort()
    } catch (error) {
      fs.rmSync(dir, {recursive: true, force: true})
      return crashed(`${name}: could not set up the instance: ${(error as Error).message}`)
    }
    if (!command) {
      fs.rmSync(dir, {recursive: true, force: true})
      return crashed(
        `${name}: no start command: set the process's command (manifest \`command\`), add a Procfile with a "${p.type}:" line, or a package.json with a start script`,
      )
    }
    if (inst.draining) return void fs.rmSync(dir, {recursive: true, force: true})

    const env = {...baseEnv(), ...instanceEnvironment(this.f, app, p, inst, appDir, path.join(dir, 'tmp'))}
    const proc = spawn('/bin/sh', ['-c', command], {cwd: appDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
    let onExit!: () => void
    const child: Child = {inst, proc, dir, exited: new Promise<void>((r) => (onExit = r)), stopping: false, alive: true}
    this.children.set(inst, child)
    this.f.log(`instance ${p.type}/${inst.index} of app ${app.name}: started \`${command}\` (pid ${proc.pid}, PORT ${inst.port})`)
    pipeLines(proc.stdout!, (line) => this.output(inst, app, name, 'OUT', line))
    pipeLines(proc.stderr!, (line) => this.output(inst, app, name, 'ERR', line))
    let reported = false
    const crash = (details: string) => {
      if (reported || child.stopping || inst.draining) return
      reported = true
      crashed(details)
    }
    proc.once('error', (error) => crash(`${name}: could not start: ${error.message}`))
    proc.once('exit', (code, signal) => {
      child.alive = false
      // Exited on its own: the rest of its group goes with it (Diego destroys the container).
      // Stopping: the rest of the group keeps its graceful window (stop's SIGKILL timer).
      if (!child.stopping) signalGroup(proc, 'SIGKILL')
      crash(`${name}: Exited with status ${code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)}${signal ? ` (${signal})` : ''}`)
      void groupGone(proc.pid!, this.gracefulStopMs + 2000).then(() => {
        fs.rmSync(dir, {recursive: true, force: true})
        this.children.delete(inst)
        onExit()
      })
    })

    const hc = p.healthCheck
    const deadline = Date.now() + (hc.timeout ?? DEFAULT_HEALTH_CHECK_TIMEOUT_S) * 1000
    const gone = () => !child.alive || inst.draining || inst.state !== 'STARTING'
    while (!gone()) {
      if (await this.check(inst, hc.type, hc.endpoint, hc.invocationTimeout)) break
      if (Date.now() >= deadline) {
        if (!gone())
          crash(
            `${name}: Instance never healthy after ${hc.timeout ?? DEFAULT_HEALTH_CHECK_TIMEOUT_S}s: ${hc.type} health check${hc.type === 'http' ? ` on ${hc.endpoint ?? '/'}` : ''} failed`,
          )
        return
      }
      await sleep(this.checkIntervalMs)
    }
    if (gone()) return
    inst.state = 'RUNNING'
    inst.since = this.f.now()
    this.f.changed()
    // Readiness: routable once its check passes (a process check passes at once).
    const rc = p.readinessCheck
    while (child.alive && !inst.draining && inst.state === 'RUNNING') {
      if (await this.check(inst, rc.type, rc.endpoint, rc.invocationTimeout)) {
        if (child.alive && !inst.draining && inst.state === 'RUNNING') inst.routable = true
        return
      }
      await sleep(Math.max(this.checkIntervalMs, (rc.interval ?? 0) * 1000))
    }
  }

  /** Stop: SIGTERM to the process group, SIGKILL after the graceful window. Resolves once it has exited. */
  stop(inst: Instance): Promise<void> {
    const child = this.children.get(inst)
    if (!child) return Promise.resolve()
    if (!child.stopping) {
      child.stopping = true
      signalGroup(child.proc, 'SIGTERM')
      const t = setTimeout(() => signalGroup(child.proc, 'SIGKILL'), this.gracefulStopMs)
      void child.exited.then(() => clearTimeout(t))
    }
    return child.exited
  }

  /** Kill at once (the instance crashed, e.g. it never became healthy). */
  kill(inst: Instance): void {
    const child = this.children.get(inst)
    if (!child) return
    child.stopping = true
    signalGroup(child.proc, 'SIGKILL')
  }

  /** Stop every child (graceful, then SIGKILL), wait for them, and remove a temporary data dir. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.children.keys()].map((inst) => this.stop(inst)))
    process.off('exit', this.onExit)
    if (this.temporary) fs.rmSync(this.dataDir, {recursive: true, force: true})
  }

  private killAllNow(): void {
    for (const c of this.children.values()) signalGroup(c.proc, 'SIGKILL')
  }

  private output(inst: Instance, app: AppRec, source: string, stream: 'OUT' | 'ERR', line: string): void {
    this.f.log(`[${source}] ${stream} ${line}`)
    this.f.bus.emit('app-log', {
      appGuid: app.guid,
      processGuid: inst.processGuid,
      processType: inst.processType,
      index: inst.index,
      instanceGuid: inst.guid,
      sourceType: 'APP/PROC/' + inst.processType.toUpperCase(),
      stream,
      line,
      at: this.f.now(),
    })
  }

  private check(inst: Instance, type: string, endpoint: string | null, invocationTimeoutS: number | null): Promise<boolean> {
    const timeout = (invocationTimeoutS ?? 1) * 1000
    if (type === 'port') return tcpCheck(inst.port, timeout)
    if (type === 'http') return httpCheck(inst.port, endpoint || '/', timeout)
    // process (and the legacy none): alive is healthy.
    return Promise.resolve(true)
  }

  private unpack(files: PackageFile[], appDir: string): void {
    fs.mkdirSync(appDir, {recursive: true})
    for (const file of files) {
      const target = path.resolve(appDir, file.path)
      // A path that climbs out of the app folder is ignored.
      if (!target.startsWith(appDir + path.sep)) continue
      fs.mkdirSync(path.dirname(target), {recursive: true})
      const blob = this.blobPath(file.sha1)
      if (!fs.existsSync(blob)) throw new Error(`the bits of ${file.path} (sha1 ${file.sha1}) were not kept; push the app again`)
      fs.copyFileSync(blob, target)
      fs.chmodSync(target, file.mode & 0o777)
    }
  }

  private packageOfDroplet(dropletGuid: string): string | undefined {
    const droplet = this.f.store.droplets.get(dropletGuid)
    if (droplet?.packageGuid && fs.existsSync(this.packagePath(droplet.packageGuid))) return droplet.packageGuid
    try {
      return (JSON.parse(fs.readFileSync(path.join(this.dataDir, 'droplets', `${dropletGuid}.json`), 'utf8')) as {packageGuid: string}).packageGuid
    } catch {
      return undefined
    }
  }

  private blobPath(sha1: string): string {
    if (!/^[0-9a-f]{40}$/i.test(sha1)) throw new Error(`bad sha1 ${sha1}`)
    return path.join(this.dataDir, 'blobs', sha1.toLowerCase())
  }

  private packagePath(guid: string): string {
    return path.join(this.dataDir, 'packages', `${path.basename(guid)}.json`)
  }
}

/**
 * The start command: the process's own command, else the Procfile's line for its type, else
 * `npm start` when the app has a package.json.
 */
export function startCommand(p: Pick<ProcessRec, 'type' | 'command'>, appDir: string): string | undefined {
  if (p.command && p.command.trim()) return p.command
  const procfile = path.join(appDir, 'Procfile')
  if (fs.existsSync(procfile)) {
    const line = parseProcfile(fs.readFileSync(procfile, 'utf8'))[p.type]
    if (line) return line
  }
  if (p.type === 'web' && fs.existsSync(path.join(appDir, 'package.json'))) return 'npm start'
  return undefined
}

/** Procfile: `<type>: <command>` lines. */
export function parseProcfile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z0-9_-]+)\s*:\s*(.+?)\s*$/.exec(line)
    if (m && !line.trimStart().startsWith('#')) out[m[1]] = m[2]
  }
  return out
}

/**
 * The env of one instance: the app's env vars, then VCAP_APPLICATION and MEMORY_LIMIT
 * (diego/environment.rb with vars_builder.rb for a process, plus the instance fields the
 * launcher adds), then the system env (VCAP_SERVICES), then Diego's PORT and CF_INSTANCE_*.
 */
export function instanceEnvironment(
  f: Foundation,
  app: AppRec,
  p: ProcessRec,
  inst: Pick<Instance, 'guid' | 'index' | 'port'>,
  home: string,
  tmp: string,
): Record<string, string> {
  const s = f.store
  const space = s.spaces.get(app.spaceGuid)
  const org = s.orgOfSpace(space)
  const uris = s.routes
    .all()
    .filter((r) => r.destinations.some((d) => d.appGuid === app.guid && d.processType === p.type))
    .map((r) => `${r.host ? `${r.host}.` : ''}${s.domains.get(r.domainGuid)?.name ?? ''}${r.path}`)
  const vcapApplication = {
    cf_api: f.settings.apiUrl,
    limits: {fds: 16384, mem: p.memoryInMb, disk: p.diskInMb},
    application_name: app.name,
    application_uris: uris,
    name: app.name,
    space_name: space?.name ?? null,
    space_id: app.spaceGuid,
    organization_id: org?.guid ?? null,
    organization_name: org?.name ?? null,
    uris,
    process_id: p.guid,
    process_type: p.type,
    application_id: app.guid,
    version: p.version,
    application_version: p.version,
    // Added in the container by the launcher.
    host: '0.0.0.0',
    instance_id: inst.guid,
    instance_index: inst.index,
    port: inst.port,
  }
  const system = appEnv(f, app).system_env_json as Record<string, unknown>
  return {
    ...instanceEnv(app.env),
    VCAP_APPLICATION: JSON.stringify(vcapApplication),
    MEMORY_LIMIT: `${p.memoryInMb}m`,
    ...instanceEnv(system),
    HOME: home,
    TMPDIR: tmp,
    PORT: String(inst.port),
    VCAP_APP_PORT: String(inst.port),
    VCAP_APP_HOST: '0.0.0.0',
    CF_INSTANCE_INDEX: String(inst.index),
    CF_INSTANCE_GUID: inst.guid,
    CF_INSTANCE_IP: '127.0.0.1',
    CF_INSTANCE_INTERNAL_IP: '127.0.0.1',
    CF_INSTANCE_PORT: String(inst.port),
    CF_INSTANCE_ADDR: `127.0.0.1:${inst.port}`,
    INSTANCE_INDEX: String(inst.index),
    INSTANCE_GUID: inst.guid,
  }
}

/** What a child keeps from the foundation's environment: enough to find node, npm and the shell. */
function baseEnv(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of ['PATH', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT', 'NODE_EXTRA_CA_CERTS']) if (process.env[k] !== undefined) out[k] = process.env[k]!
  return out
}

function parseMode(mode: string | undefined): number | undefined {
  if (!mode) return undefined
  const n = parseInt(mode, 8)
  return Number.isFinite(n) ? n : undefined
}

function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (!proc.pid) return
  try {
    process.kill(-proc.pid, signal)
  } catch {
    try {
      proc.kill(signal)
    } catch {
      // already gone
    }
  }
}

function pipeLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buf += chunk
    let i: number
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i).replace(/\r$/, ''))
      buf = buf.slice(i + 1)
    }
    if (buf.length > MAX_LOG_LINE) {
      onLine(buf)
      buf = ''
    }
  })
  stream.on('end', () => buf && onLine(buf))
}

/** Resolves once no process is left in the group (polled), or after `maxMs`. */
async function groupGone(pgid: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0)
    } catch {
      return
    }
    await sleep(25)
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

function tcpCheck(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({host: '127.0.0.1', port})
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

function httpCheck(port: number, endpoint: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(
      {host: '127.0.0.1', port, path: endpoint, agent: false, timeout: timeoutMs, headers: {'user-agent': 'cfzd-local-healthcheck'}},
      (res) => {
        res.resume()
        resolve(res.statusCode === 200)
      },
    )
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
