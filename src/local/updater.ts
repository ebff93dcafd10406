/**
 * The deployment updater, as Cloud Controller's cc_deployment_updater runs it
 * (lib/cloud_controller/deployment_updater/: scheduler.rb, dispatcher.rb, updater.rb,
 * actions/{scale,up_scaler,down_scaler,finalize,cancel}.rb).
 *
 * Each tick (every `tickMs`, 5 s by default as in capi-release, minus the time the pass took):
 * DEPLOYING → scale, PREPAUSED → canary, CANCELING → cancel. Tests disable the timer and call
 * `tick()` to step it deterministically.
 */
import {ApiError} from './api/errors.js'
import {destroyProcess, restartProcess} from './actions/processes.js'
import {quotaErrors} from './actions/quota.js'
import {currentCanaryStep, desiredWebInstances} from './actions/deployments.js'
import type {Foundation} from './kernel.js'
import type {DeploymentRec, ProcessRec} from './state.js'

export class Updater {
  private timer?: NodeJS.Timeout
  private running = false

  constructor(private readonly f: Foundation) {}

  /** Run the updater every `tickMs`; 0 or less leaves it to manual `tick()` calls. */
  start(): void {
    this.stop()
    const tickMs = this.f.settings.tickMs
    if (!(tickMs > 0) || !Number.isFinite(tickMs)) return
    const loop = () => {
      const started = Date.now()
      this.tick()
      // scheduler.rb: sleep the update frequency minus the time the pass took.
      this.timer = setTimeout(loop, Math.max(0, tickMs - (Date.now() - started)))
      this.timer.unref?.()
    }
    this.timer = setTimeout(loop, tickMs)
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** One updater pass (dispatcher.rb). Returns the deployments it looked at. */
  tick(): DeploymentRec[] {
    if (this.running) return []
    this.running = true
    try {
      const all = this.f.store.deployments.all()
      const toScale = all.filter((d) => d.state === 'DEPLOYING')
      const toCanary = all.filter((d) => d.state === 'PREPAUSED')
      const toCancel = all.filter((d) => d.state === 'CANCELING')
      for (const d of toScale) this.withErrorRecording(d, () => this.scale(d))
      for (const d of toCanary) this.withErrorRecording(d, () => this.canary(d))
      for (const d of toCancel) this.withErrorRecording(d, () => this.cancel(d))
      const touched = [...toScale, ...toCanary, ...toCancel]
      if (touched.length > 0) this.f.changed()
      return touched
    } finally {
      this.running = false
    }
  }

  /** Updater#scale: Scale to desired_web_instances, then Finalize when finished. */
  private scale(d: DeploymentRec): void {
    const target = desiredWebInstances(d)
    if (this.scaleStep(d, target, target)) this.finalize(d)
  }

  /** Updater#canary: Scale(canary + original, canary); when finished, PAUSED. */
  private canary(d: DeploymentRec): void {
    const step = currentCanaryStep(d)
    if (this.scaleStep(d, step.canary + step.original, step.canary)) {
      d.lastHealthyAt = this.f.now()
      this.f.setDeploymentStatus(d, 'PAUSED', 'ACTIVE', 'PAUSED')
    }
  }

  /**
   * actions/scale.rb. With the deploying process's instance count summary (§B3 "Instance classes"):
   * - can_downscale: old web instances > max(target − routable, 0);
   * - can_scale: starting < max_in_flight, unhealthy == 0, routable ≥ new.instances − max_in_flight;
   * - neither: no-op. Otherwise ACTIVE/DEPLOYING with no error, zero CANCELED-superseded interim
   *   processes, scale old web processes down oldest first, then "finished" when
   *   new.instances ≥ interim and routable ≥ interim, else new.instances = min(routable + max_in_flight, interim).
   * Returns whether scaling finished.
   */
  private scaleStep(d: DeploymentRec, target: number, interim: number): boolean {
    if (d.state !== 'DEPLOYING' && d.state !== 'PREPAUSED') return false
    const s = this.f.store
    const deploying = s.processes.get(d.deployingWebProcessGuid)
    if (!deploying) throw new Error('DeployingWebProcessMissing')
    const summary = this.f.runtime.summary(deploying)
    const others = s.webProcesses(d.appGuid).filter((p) => p.guid !== deploying.guid)
    const desiredOld = Math.max(target - summary.routable, 0)
    const oldInstances = others.reduce((n, p) => n + p.instances, 0)
    const canDownscale = oldInstances > desiredOld
    const canScale = summary.starting < d.maxInFlight && summary.unhealthy === 0 && summary.routable >= deploying.instances - d.maxInFlight
    if (!canScale && !canDownscale) return false

    const finished = deploying.instances >= interim && summary.routable >= interim
    const scaleUpTo = Math.min(summary.routable + d.maxInFlight, interim)

    // down_scaler.rb: reduce the old web processes, oldest first, to desiredOld in total.
    const downscale = new Map<ProcessRec, number>()
    if (canDownscale) {
      let reduce = oldInstances - desiredOld
      for (const p of others) {
        if (reduce <= 0) break
        if (reduce < p.instances) {
          downscale.set(p, p.instances - reduce)
          break
        }
        reduce -= p.instances
        downscale.set(p, 0)
      }
    }
    const canceledSuperseded = this.canceledSupersededProcesses(d.appGuid)

    // The scale-up validates quota after the scale-down within CC's transaction: check it first,
    // so a failure changes nothing (updater.rb then records the message in status.details.error).
    if (!finished && canScale && scaleUpTo !== deploying.instances) {
      const app = s.apps.get(d.appGuid)
      if (app) {
        const proposed = [
          ...[...downscale].map(([p, n]) => ({guid: p.guid, instances: n, memoryInMb: p.memoryInMb, started: true})),
          ...canceledSuperseded.map((p) => ({guid: p.guid, instances: 0, memoryInMb: p.memoryInMb, started: true})),
          {guid: deploying.guid, instances: scaleUpTo, memoryInMb: deploying.memoryInMb, started: true},
        ]
        const errors = quotaErrors(this.f, app.spaceGuid, proposed)
        if (errors.length > 0) throw new QuotaError(errors.join(', '))
      }
    }

    this.f.setDeploymentStatus(d, d.state, 'ACTIVE', 'DEPLOYING')
    d.error = null
    // scale_down_canceled_processes.rb: interim processes of CANCELED-superseded deployments go to 0.
    for (const p of canceledSuperseded) this.setInstances(p, 0)
    const oldest = s.oldestWebProcess(d.appGuid)
    for (const [p, n] of downscale) {
      // scale_down_old_process.rb: an interim process that reaches 0 is destroyed; the original is kept at 0.
      if (n === 0 && p !== oldest) destroyProcess(this.f, p)
      else this.setInstances(p, n)
    }
    if (finished) return true
    if (canScale) {
      this.setInstances(deploying, scaleUpTo)
      // up_scaler.rb: deployment.update(last_healthy_at: Time.now), which moves updated_at too.
      d.lastHealthyAt = d.updatedAt = this.f.now()
    }
    return false
  }

  /** Interim web processes of deployments that are CANCELED and SUPERSEDED, with instances left. */
  private canceledSupersededProcesses(appGuid: string): ProcessRec[] {
    const s = this.f.store
    const out: ProcessRec[] = []
    for (const other of s.deployments.by('app', appGuid)) {
      if (other.state !== 'CANCELED' || other.statusReason !== 'SUPERSEDED') continue
      const p = s.processes.get(other.deployingWebProcessGuid)
      if (p && p.instances > 0) out.push(p)
    }
    return out
  }

  /** finalize.rb: destroy the other web processes, restart every non-web process at once, DEPLOYED. */
  private finalize(d: DeploymentRec): void {
    const s = this.f.store
    const deploying = s.processes.get(d.deployingWebProcessGuid)
    if (!deploying) return
    for (const p of s.webProcesses(d.appGuid)) if (p.guid !== deploying.guid) destroyProcess(this.f, p)
    const revision = s.revisions.get(deploying.revisionGuid)
    for (const p of s.processes.by('app', d.appGuid)) {
      if (p.type === 'web') continue
      if (revision) p.command = revision.processCommands[p.type] ?? null
      restartProcess(this.f, p, deploying.revisionGuid)
    }
    this.f.setDeploymentStatus(d, 'DEPLOYED', 'FINALIZED', 'DEPLOYED')
  }

  /**
   * cancel.rb: keep the newest interim web process of a DEPLOYED-superseded deployment that has a
   * RUNNING instance, else the oldest web process; destroy the others; scale the kept one to the
   * original instance count; CANCELED.
   */
  private cancel(d: DeploymentRec): void {
    if (d.state !== 'CANCELING') return
    const s = this.f.store
    const interim = s.deployments
      .by('app', d.appGuid)
      .filter((x) => x.state === 'DEPLOYED' && x.statusReason === 'SUPERSEDED')
      .map((x) => s.processes.get(x.deployingWebProcessGuid))
      .filter((p): p is ProcessRec => !!p && p.type === 'web')
      .sort((a, b) => b.seq - a.seq)
      .find((p) => this.f.runtime.hasRunningInstance(p.guid))
    const prior = interim ?? s.oldestWebProcess(d.appGuid)
    if (!prior) return
    for (const p of s.webProcesses(d.appGuid)) if (p.guid !== prior.guid) destroyProcess(this.f, p)
    this.setInstances(prior, d.originalWebProcessInstanceCount)
    d.error = null
    this.f.setDeploymentStatus(d, 'CANCELED', 'FINALIZED', 'CANCELED')
  }

  private setInstances(p: ProcessRec, instances: number): void {
    if (p.instances === instances) return
    p.instances = instances
    p.updatedAt = this.f.now()
    this.f.runtime.sync(p)
  }

  /** updater.rb#with_error_logging: approved errors record their message, others their class. */
  private withErrorRecording(d: DeploymentRec, fn: () => void): void {
    try {
      fn()
    } catch (error) {
      const approved = error instanceof QuotaError || error instanceof ApiError
      d.error = approved ? (error as Error).message : `An unexpected error has occurred: ${(error as Error).message || (error as Error).name}`
      d.updatedAt = this.f.now()
      this.f.log(`deployment ${d.guid}: ${d.error}`)
    }
  }
}

/** A Sequel::ValidationFailed from a process quota check. */
export class QuotaError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'QuotaError'
  }
}
