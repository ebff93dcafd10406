/**
 * The runtime ("Diego"): every instance of a running process is a real HTTP server on
 * 127.0.0.1. `sync(process)` converges the actual instances on the desired ones, as Diego
 * converges actual LRPs on desired LRPs:
 *
 * - desired = process.instances when the app and the process are STARTED and a droplet is set;
 * - an instance whose index is no longer desired, or whose process version changed (a restart),
 *   drains: the router stops picking it at once, requests already in flight finish, then it closes;
 * - a missing index starts a new instance: STARTING, then after the start-up delay its health
 *   check runs (port / process / http) and it becomes RUNNING, and routable once its readiness
 *   check passes.
 *
 * Crashes on demand (read from the app's env when the instance starts, so old instances keep
 * serving while new ones crash):
 * - CFZD_LOCAL_CRASH=true: the instance crashes instead of becoming healthy;
 *   CFZD_LOCAL_CRASH=once (or a number n): only the first (n) starts at each index crash;
 * - CFZD_LOCAL_CRASH_AFTER=<duration>: it crashes that long after becoming RUNNING;
 * - CFZD_LOCAL_NOT_READY=true: it runs but its readiness check never passes (never routable);
 * - CFZD_LOCAL_STARTUP_TIME=<duration>: its own start-up delay, overriding the foundation's;
 * - CFZD_LOCAL_RESPONSE_STATUS=<code>: it becomes healthy but answers every request with that
 *   status (a new version that serves errors).
 * A crashed instance is restarted as Diego does, with backoff, and its crashes are counted and
 * recorded as events (crash-restart.ts).
 *
 * Stopping: by default an instance finishes the requests it is serving within its graceful window
 * (drainTimeoutMs, Diego's 10 s), as an app that traps SIGTERM does. CFZD_LOCAL_STOP=kill (read when
 * the instance starts) makes it exit at once, dropping what it is serving, as an app that doesn't.
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {parseDuration} from '../../clock.js'
import type {Foundation, RuntimePort} from '../kernel.js'
import {type AppRec, instanceEnv, type ProcessRec} from '../state.js'
import {newGuid} from '../util.js'
import {CrashRestarts} from './crash-restart.js'
import type {Instance, InstanceCountSummary, StatsEntry} from './instance.js'
import type {ProcessRunner} from './process-runner.js'
import {respond} from './responder.js'
import {instanceLog} from '../log-cache.js'
import {type InstanceCountEvent, InstanceTimeline} from './timeline.js'

const TRUE = /^(1|true|yes|on)$/i
/** Instance ports: below Linux's ephemeral range (32768-60999), so outgoing connections never compete. */
const PORTS = [10000, 32767] as const

export class Runtime implements RuntimePort {
  private readonly byProcess = new Map<string, Instance[]>()
  private readonly draining = new Set<Instance>()
  /** Start at a random place so several foundations (test workers) rarely collide. */
  private portCursor = PORTS[0] + Math.floor(Math.random() * (PORTS[1] - PORTS[0]))
  private readonly counts: InstanceTimeline

  private readonly restarts: CrashRestarts
  /** Set by `local start --run-apps`: instances whose droplet has kept bits run the app's own code. */
  runner?: ProcessRunner

  constructor(private readonly f: Foundation) {
    this.restarts = new CrashRestarts(f)
    this.counts = new InstanceTimeline(
      () => f.now(),
      (appGuid, type) => f.store.processes.by('app', appGuid).flatMap((p) => (p.type === type ? this.instances(p.guid) : [])),
    )
  }

  /** Running instances per app process type over time (see timeline.ts). */
  get timeline(): InstanceCountEvent[] {
    return this.counts.events
  }

  /**
   * Instances of a process the router may still have in its table after the process's route was
   * unmapped (route delay): current and stopping ones that were running and still listen.
   */
  lastKnown(processGuid: string): Instance[] {
    const out = this.instances(processGuid).filter((i) => i.state === 'RUNNING' && this.listening(i))
    for (const i of this.draining) if (i.processGuid === processGuid && i.state === 'RUNNING' && this.listening(i)) out.push(i)
    return out
  }

  /** Whether the instance takes connections: its own server listens or, under --run-apps, its app process is alive. */
  listening(inst: Instance): boolean {
    return this.runner?.owns(inst) ? this.runner.alive(inst) : inst.server.listening
  }

  /** Current (not draining) instances of a process, by index. */
  instances(processGuid: string): Instance[] {
    return this.byProcess.get(processGuid) ?? []
  }

  get instanceCount(): number {
    let n = 0
    for (const list of this.byProcess.values()) n += list.length
    return n
  }

  /** Instances the router may send requests to. */
  routable(processGuid: string): Instance[] {
    return this.instances(processGuid).filter((i) => i.state === 'RUNNING' && i.routable && !i.draining)
  }

  syncAll(): void {
    for (const p of this.f.store.processes.all()) this.sync(p)
  }

  syncApp(appGuid: string): void {
    for (const p of this.f.store.processes.by('app', appGuid)) this.sync(p)
  }

  /** Converge the instances of one process on its desired state. */
  sync(p: ProcessRec, opts: {immediate?: boolean} = {}): void {
    const app = this.f.store.apps.get(p.appGuid)
    const exists = this.f.store.processes.get(p.guid) === p
    let desired = 0
    if (exists && app && app.state === 'STARTED' && p.state === 'STARTED') {
      if (!p.dropletGuid) p.dropletGuid = app.currentDropletGuid
      if (p.dropletGuid) desired = p.instances
    }
    const current = this.instances(p.guid)
    const keep: Instance[] = []
    for (const inst of current) {
      if (inst.index >= desired || inst.version !== p.version) this.drain(inst)
      else keep.push(inst)
    }
    for (let i = 0; i < desired; i++) {
      if (!keep.some((x) => x.index === i)) keep.push(this.start(app!, p, i, opts.immediate ?? false))
    }
    keep.sort((a, b) => a.index - b.index)
    if (keep.length > 0) this.byProcess.set(p.guid, keep)
    else this.byProcess.delete(p.guid)
  }

  /** A process was destroyed: drain all its instances. */
  removeProcess(processGuid: string): void {
    for (const inst of this.instances(processGuid)) this.drain(inst)
    this.byProcess.delete(processGuid)
    this.restarts.forget(processGuid)
  }

  /** Terminate one instance; a new one starts at its index (DELETE .../instances/:index). */
  restartInstance(p: ProcessRec, index: number): boolean {
    const list = this.instances(p.guid)
    const inst = list.find((i) => i.index === index)
    if (!inst) return false
    this.drain(inst)
    this.byProcess.set(
      p.guid,
      list.filter((i) => i !== inst),
    )
    this.sync(p)
    return true
  }

  /** Crash one running instance now (admin fault control). */
  crash(processGuid: string, index: number, reason = 'Instance crashed on request (POST /_local/instances/crash)'): boolean {
    const inst = this.instances(processGuid).find((i) => i.index === index)
    if (!inst || inst.state === 'CRASHED') return false
    this.markCrashed(inst, reason)
    return true
  }

  /** Cloud Controller's instance_count_summary for the deploying process (instances_reporter.rb). */
  summary(p: ProcessRec): InstanceCountSummary {
    const byIndex = new Map(this.instances(p.guid).map((i) => [i.index, i]))
    const s: InstanceCountSummary = {starting: 0, routable: 0, healthy: 0, unhealthy: 0}
    for (let index = 0; index < p.instances; index++) {
      const inst = byIndex.get(index)
      // Unreported indexes count as DOWN, which is unhealthy.
      if (!inst || inst.state === 'CRASHED') {
        s.unhealthy++
        continue
      }
      s.healthy++
      if (inst.state === 'RUNNING' && inst.routable) s.routable++
      else s.starting++
    }
    return s
  }

  /** Whether any instance of the process is RUNNING (used by cancel to pick the process to keep). */
  hasRunningInstance(processGuid: string): boolean {
    return this.instances(processGuid).some((i) => i.state === 'RUNNING')
  }

  /** The stats list, padded with DOWN entries up to the desired instance count. */
  stats(p: ProcessRec): StatsEntry[] {
    const now = this.f.now()
    const byIndex = new Map(this.instances(p.guid).map((i) => [i.index, i]))
    const out: StatsEntry[] = []
    for (let index = 0; index < p.instances; index++) {
      const inst = byIndex.get(index)
      if (!inst) {
        out.push({type: p.type, index, state: 'DOWN', routable: null, uptime: 0, isolation_segment: null, details: null})
        continue
      }
      const running = inst.state === 'RUNNING'
      // The keys and order of process_stats_presenter.rb#found_instance_stats_hash.
      out.push({
        type: p.type,
        index,
        instance_guid: inst.guid,
        state: inst.state,
        routable: running ? inst.routable : false,
        host: running ? '127.0.0.1' : '',
        instance_internal_ip: running ? '127.0.0.1' : '',
        uptime: Math.floor((now - inst.since) / 1000),
        mem_quota: p.memoryInMb * 1024 * 1024,
        disk_quota: p.diskInMb * 1024 * 1024,
        log_rate_limit: p.logRateLimitInBytesPerSecond,
        fds_quota: 16384,
        isolation_segment: null,
        details: inst.details,
        // No TLS proxy ports are null; an instance without net info yet has no ports.
        instance_ports: running ? [{external: inst.port, internal: 8080, external_tls_proxy_port: null, internal_tls_proxy_port: null}] : [],
        usage: running
          ? {time: new Date(now).toISOString(), cpu: 0.001, cpu_entitlement: 0.01, mem: 24 * 1024 * 1024, disk: 64 * 1024 * 1024, log_rate: 0}
          : {time: new Date(now).toISOString(), cpu: 0, cpu_entitlement: 0, mem: 0, disk: 0, log_rate: 0},
      })
    }
    return out
  }

  /**
   * process_instances (instances_stats_reporter.rb#instances_for_processes): {index, state, since}
   * per desired index, `since` being the seconds the instance has been in its state, null when DOWN.
   */
  processInstances(p: ProcessRec): {index: number; state: string; since: number | null}[] {
    const now = this.f.now()
    const byIndex = new Map(this.instances(p.guid).map((i) => [i.index, i]))
    const out = []
    for (let index = 0; index < p.instances; index++) {
      const inst = byIndex.get(index)
      out.push({index, state: inst ? inst.state : 'DOWN', since: inst ? Math.floor((now - inst.since) / 1000) : null})
    }
    return out
  }

  /** The router took this instance for a request. */
  acquire(inst: Instance): void {
    inst.inflight++
  }

  release(inst: Instance): void {
    inst.inflight = Math.max(0, inst.inflight - 1)
    if (inst.inflight === 0) inst.onIdle?.()
  }

  /** Drain and close every instance. */
  async stopAll(): Promise<void> {
    for (const guid of [...this.byProcess.keys()]) this.removeProcess(guid)
    const closing = [...this.draining].filter((i) => i.server.listening).map((i) => new Promise<void>((resolve) => i.server.once('close', () => resolve())))
    await Promise.all(closing.map((p) => Promise.race([p, new Promise((r) => setTimeout(r, this.f.settings.drainTimeoutMs + 100))])))
    await this.runner?.stopAll()
  }

  private start(app: AppRec, p: ProcessRec, index: number, immediate: boolean): Instance {
    const env = instanceEnv(app.env)
    const server = http.createServer()
    const inst: Instance = {
      guid: newGuid(),
      processGuid: p.guid,
      appGuid: p.appGuid,
      processType: p.type,
      index,
      version: p.version,
      dropletGuid: p.dropletGuid!,
      state: 'STARTING',
      routable: false,
      since: this.f.now(),
      details: null,
      port: 0,
      server,
      draining: false,
      inflight: 0,
      timers: [],
      responseStatus: Number(env.CFZD_LOCAL_RESPONSE_STATUS) || undefined,
      stopMode: /^kill$/i.test(env.CFZD_LOCAL_STOP ?? '') ? 'kill' : 'graceful',
    }
    if (this.runner?.runs(inst)) {
      this.f.track(this.runner.boot(inst, p, app, (details) => this.markCrashed(inst, details)))
      return inst
    }
    server.keepAliveTimeout = 5000
    server.on('request', (req, res) => respond(this.f, inst, req, res))
    server.on('clientError', (_e, socket) => socket.destroy())

    // Decisions are made when the process starts, from the env it starts with.
    const crash =
      crashesNow(env.CFZD_LOCAL_CRASH, this.restarts.crashCount(p.guid, p.version, index)) ||
      (this.f.faults.crashRate > 0 && this.f.random() < this.f.faults.crashRate)
    const notReady = TRUE.test(env.CFZD_LOCAL_NOT_READY ?? '')
    const crashAfter = durationOr(env.CFZD_LOCAL_CRASH_AFTER, undefined)
    const startupMs = immediate ? 0 : durationOr(env.CFZD_LOCAL_STARTUP_TIME, this.f.faults.startupMs)!

    this.f.track(this.boot(inst, p, {crash, notReady, crashAfter, startupMs}))
    return inst
  }

  /** Listen, wait out the start-up delay, then health check → RUNNING, readiness check → routable. */
  private async boot(inst: Instance, p: ProcessRec, o: {crash: boolean; notReady: boolean; crashAfter?: number; startupMs: number}): Promise<void> {
    const name = `APP/PROC/${p.type.toUpperCase()}/${inst.index}`
    instanceLog(this.f, inst, {kind: 'creating'})
    try {
      inst.port = await this.listen(inst.server)
      instanceLog(this.f, inst, {kind: 'listening', port: inst.port})
    } catch (error) {
      return this.markCrashed(inst, `Instance failed to listen: ${(error as Error).message}`)
    }
    // Drained before it even listened: close at once.
    if (inst.draining) return void inst.server.close()
    await this.delay(inst, o.startupMs)
    if (inst.draining || inst.state !== 'STARTING') return
    if (o.crash) return this.markCrashed(inst, `${name}: Exited with status 1 (CFZD_LOCAL_CRASH is set on the app, or the crash-rate fault)`)
    const healthy = await this.check(inst, p.healthCheck.type, p.healthCheck.endpoint)
    if (inst.draining || inst.state !== 'STARTING') return
    if (!healthy) return this.markCrashed(inst, `Instance never healthy: ${p.healthCheck.type} health check on ${p.healthCheck.endpoint ?? 'port'} failed`)
    inst.state = 'RUNNING'
    inst.since = this.f.now()
    this.counts.note(inst)
    instanceLog(this.f, inst, {kind: 'healthy'})
    inst.routable = !o.notReady && (await this.check(inst, p.readinessCheck.type, p.readinessCheck.endpoint))
    if (o.crashAfter !== undefined)
      inst.timers.push(setTimeout(() => this.markCrashed(inst, `${name}: Exited with status 1 (CFZD_LOCAL_CRASH_AFTER)`), o.crashAfter))
  }

  /** Sleep, but wake up at once when the instance's server closes (drained or crashed), so settle() never waits on it. */
  private delay(inst: Instance, ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (!inst.server.listening) return resolve()
      const t = setTimeout(done, ms)
      inst.timers.push(t)
      inst.server.once('close', done)
      function done() {
        clearTimeout(t)
        inst.server.off('close', done)
        resolve()
      }
    })
  }

  /**
   * Listen on 127.0.0.1 on a port picked from PORTS in turn. The kernel's search for a free port
   * when asked for port 0 slows down as thousands are taken (10,000 instances took ~10 s);
   * asking for a given port is O(1), and a port in use just moves on to the next.
   */
  private listen(server: http.Server): Promise<number> {
    return new Promise((resolve, reject) => {
      let attempts = 0
      const tryPort = (port: number) => {
        const onError = (error: NodeJS.ErrnoException) => {
          server.off('listening', onListening)
          if (error.code === 'EADDRINUSE' && ++attempts < 200) return tryPort(attempts > 100 ? 0 : this.nextPort())
          reject(error)
        }
        const onListening = () => {
          server.off('error', onError)
          resolve((server.address() as AddressInfo).port)
        }
        server.once('error', onError)
        server.once('listening', onListening)
        server.listen(port, '127.0.0.1')
      }
      tryPort(this.nextPort())
    })
  }

  private nextPort(): number {
    const [lo, hi] = PORTS
    this.portCursor = this.portCursor >= hi || this.portCursor < lo ? lo : this.portCursor + 1
    return this.portCursor
  }

  private async check(inst: Instance, type: string, endpoint: string | null): Promise<boolean> {
    if (type !== 'http') return true
    return new Promise((resolve) => {
      const req = http.get(
        {host: '127.0.0.1', port: inst.port, path: endpoint || '/', agent: false, timeout: 2000, headers: {'user-agent': 'cfzd-local-healthcheck'}},
        (res) => {
          res.resume()
          resolve(res.statusCode === 200)
        },
      )
      req.on('error', () => resolve(false))
      req.on('timeout', () => req.destroy())
    })
  }

  private markCrashed(inst: Instance, details: string): void {
    const ranMs = inst.state === 'RUNNING' ? this.f.now() - inst.since : 0
    inst.state = 'CRASHED'
    inst.routable = false
    inst.details = details
    inst.since = this.f.now()
    for (const t of inst.timers) clearTimeout(t)
    inst.agent?.destroy()
    inst.server.close()
    inst.server.closeAllConnections()
    this.counts.note(inst)
    instanceLog(this.f, inst, {kind: 'crashed', details})
    this.runner?.kill(inst)
    this.f.log(`instance ${inst.processType}/${inst.index} of app ${this.f.store.apps.get(inst.appGuid)?.name ?? inst.appGuid} crashed: ${details}`)
    if (inst.draining) return
    const {restartInMs} = this.restarts.crashed(inst, details, ranMs)
    if (restartInMs === 0) this.restartCrashed(inst)
    else if (restartInMs !== undefined) {
      const t = setTimeout(() => this.restartCrashed(inst), restartInMs)
      t.unref()
      inst.timers.push(t)
    }
  }

  /** Diego restarts a crashed instance: a new one at its index, if it is still the one there. */
  private restartCrashed(inst: Instance): void {
    const list = this.instances(inst.processGuid)
    const p = this.f.store.processes.get(inst.processGuid)
    if (!p || inst.draining || inst.state !== 'CRASHED' || !list.includes(inst)) return
    this.byProcess.set(
      p.guid,
      list.filter((i) => i !== inst),
    )
    this.sync(p)
  }

  /**
   * Stop sending new requests at once; close once in-flight requests finish (or the graceful window
   * passes). A kill-mode instance closes at once, dropping the requests it is serving.
   */
  private drain(inst: Instance): void {
    if (inst.draining) return
    inst.draining = true
    inst.routable = false
    if (inst.state !== 'CRASHED') instanceLog(this.f, inst, {kind: 'stopping'})
    for (const t of inst.timers) clearTimeout(t)
    this.draining.add(inst)
    this.counts.note(inst)
    const close = () => {
      clearTimeout(deadline)
      inst.onIdle = undefined
      inst.agent?.destroy()
      inst.server.close(() => this.draining.delete(inst))
      inst.server.closeAllConnections()
      if (!inst.server.listening) this.draining.delete(inst)
      // An app process: SIGTERM now, SIGKILL after the graceful window.
      if (this.runner?.owns(inst)) this.f.track(this.runner.stop(inst))
    }
    const deadline = setTimeout(close, this.f.settings.drainTimeoutMs)
    if (inst.stopMode === 'kill' && inst.state === 'RUNNING') {
      if (inst.inflight > 0) inst.killedAt = this.f.now()
      close()
    } else if (inst.inflight === 0) close()
    else {
      this.f.track(new Promise<void>((resolve) => inst.server.once('close', () => resolve())))
      inst.onIdle = close
    }
  }
}

/** CFZD_LOCAL_CRASH: true crashes every start, `once` or a number n only the first (n) at an index. */
function crashesNow(value: string | undefined, crashesSoFar: number): boolean {
  if (!value) return false
  if (TRUE.test(value)) return true
  const n = /^once$/i.test(value) ? 1 : Number(value)
  return Number.isInteger(n) && crashesSoFar < n
}

function durationOr(value: string | undefined, fallback: number | undefined): number | undefined {
  if (!value) return fallback
  try {
    return parseDuration(value)
  } catch {
    return fallback
  }
}
