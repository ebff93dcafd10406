/**
 * The shared context of one local foundation: the store, fault settings, the seedable random
 * source, logs (requests, deployment status changes) and tracked timers for the asynchronous parts
 * (staging, copies, jobs, instance start-up), so tests can wait for them (`settle`) and `stop`
 * can cancel them. The other modules see it through kernel.ts's `Foundation` interface.
 */
import {EventEmitter} from 'node:events'
import type {Faults} from './faults.js'
import {RateLimiter} from './faults.js'
import type {DeploymentEvent, Foundation, FoundationSettings, LogSink, RequestLogEntry} from './kernel.js'
import {LogCache} from './log-store.js'
import type {Runtime} from './runtime/instances.js'
import type {Staging} from './staging.js'
import {type AuditEventRec, type DeploymentRec, type DeploymentState, type DeploymentStatusReason, type DeploymentStatusValue, Store} from './state.js'
import type {Uaa} from './uaa.js'
import type {Updater} from './updater.js'

export class FoundationContext implements Foundation {
  readonly store = new Store()
  readonly bus = new EventEmitter()
  readonly deploymentEvents: DeploymentEvent[] = []
  readonly requestLog: RequestLogEntry[] = []
  readonly rateLimiter = new RateLimiter()
  /** Every app's log lines (staging, instances, router), read through log-cache's read endpoint. */
  readonly logs = new LogCache(() => this.now())
  runtime!: Runtime
  staging!: Staging
  updater!: Updater
  uaa!: Uaa
  /** Bumped whenever routes, destinations or domains change, so the router rebuilds its table. */
  routingVersion = 0
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly pending = new Set<Promise<unknown>>()
  private stopping = false

  constructor(
    readonly settings: FoundationSettings,
    public faults: Faults,
    readonly random: () => number,
    private readonly logSink: LogSink = () => {},
  ) {
    this.bus.setMaxListeners(0)
  }

  now(): number {
    return Date.now()
  }

  log(line: string): void {
    this.logSink(line)
  }

  /** Something persistent changed: schedule a save. */
  changed(): void {
    this.bus.emit('change')
  }

  routesChanged(): void {
    this.routingVersion++
    this.bus.emit('routes')
  }

  /** Run `fn` after `ms`, tracked so `settle()` waits for it and `stop()` cancels it. */
  later(ms: number, fn: () => void | Promise<void>): void {
    if (this.stopping) return
    let resolve!: () => void
    const done = new Promise<void>((r) => (resolve = r))
    this.pending.add(done)
    const timer = setTimeout(
      async () => {
        this.timers.delete(timer)
        try {
          await fn()
          this.changed()
        } catch (error) {
          this.log(`error in background work: ${(error as Error).stack ?? error}`)
        } finally {
          this.pending.delete(done)
          resolve()
        }
      },
      Math.max(0, ms),
    )
    this.timers.add(timer)
  }

  /** Track a promise (e.g. an instance listening) so `settle()` waits for it. */
  track<T>(p: Promise<T>): Promise<T> {
    const tracked = p.finally(() => this.pending.delete(tracked))
    this.pending.add(tracked)
    return tracked
  }

  /**
   * Resolve once no background work is pending: no staging, copy or job timer, and no instance
   * STARTING. Tests call it between updater ticks. Gives up after `timeoutMs`.
   */
  async settle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.pending.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(1, deadline - Date.now()))))
      await Promise.race([Promise.allSettled([...this.pending]), timeout])
      clearTimeout(timer)
    }
  }

  get busy(): boolean {
    return this.pending.size > 0
  }

  cancelTimers(): void {
    this.stopping = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.pending.clear()
  }

  /** Change a deployment's state and status, recording the change (status_updated_at moves only when value or reason changes). */
  setDeploymentStatus(d: DeploymentRec, state: DeploymentState, value: DeploymentStatusValue, reason: DeploymentStatusReason): void {
    const now = this.now()
    const statusChanged = d.statusValue !== value || d.statusReason !== reason
    const stateChanged = d.state !== state
    d.state = state
    d.statusValue = value
    d.statusReason = reason
    d.updatedAt = now
    if (statusChanged) d.statusUpdatedAt = now
    if (statusChanged || stateChanged) this.recordDeploymentEvent(d)
  }

  recordDeploymentEvent(d: DeploymentRec): void {
    const app = this.store.apps.get(d.appGuid)
    const event: DeploymentEvent = {
      at: this.now(),
      deploymentGuid: d.guid,
      appGuid: d.appGuid,
      appName: app?.name ?? '',
      state: d.state,
      value: d.statusValue,
      reason: d.statusReason,
    }
    this.deploymentEvents.push(event)
    if (this.deploymentEvents.length > 200_000) this.deploymentEvents.splice(0, 50_000)
    this.bus.emit('deployment', event)
    this.log(`deployment ${d.guid} of ${event.appName}: ${d.state} (${d.statusValue}/${d.statusReason})`)
  }

  /** Record an audit event; `actor` is the signed-in admin unless given (then `data` is the whole metadata). */
  audit(
    type: string,
    target: {guid: string; type: string; name: string},
    spaceGuid: string | null,
    data: Record<string, unknown> = {},
    actor?: AuditEventRec['actor'],
  ): void {
    // Keep the newest 20,000 events (Cloud Controller prunes old ones too).
    if (this.store.auditEvents.size >= 20_000) for (const old of this.store.auditEvents.all().slice(0, 1000)) this.store.auditEvents.delete(old.guid)
    const space = spaceGuid ? this.store.spaces.get(spaceGuid) : undefined
    this.store.auditEvents.insert(
      this.store.stamp<AuditEventRec>(
        {
          type,
          actor: actor ?? {guid: 'admin', type: 'user', name: 'admin'},
          target,
          data: actor ? data : {request: {}, ...data},
          spaceGuid: spaceGuid,
          orgGuid: space?.orgGuid ?? null,
        },
        this.now(),
      ),
    )
  }
}
