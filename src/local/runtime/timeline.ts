/**
 * How many instances of each app process type are running, over time: one event per change, as
 * the router's table follows route changes. A process type counts instances that are RUNNING and
 * not stopping, over every process of that type (during a deployment an app has several web
 * processes). Worker (non-web) processes have no route, so this is how their gaps are seen: Cloud
 * Controller restarts them all at once when a rolling or canary deployment finalizes.
 */
import type {Instance} from './instance.js'

export interface InstanceCountEvent {
  /** Epoch ms. */
  at: number
  appGuid: string
  processType: string
  /** RUNNING, not stopping, instances of this app's processes of this type. */
  running: number
}

const MAX_EVENTS = 200_000

export class InstanceTimeline {
  readonly events: InstanceCountEvent[] = []
  private readonly last = new Map<string, number>()

  constructor(
    private readonly now: () => number,
    private readonly instancesOf: (appGuid: string, processType: string) => Instance[],
  ) {}

  /** Record the count of this instance's app and type if it changed. */
  note(inst: Pick<Instance, 'appGuid' | 'processType'>): void {
    const key = `${inst.appGuid}/${inst.processType}`
    const running = this.instancesOf(inst.appGuid, inst.processType).filter((i) => i.state === 'RUNNING' && !i.draining).length
    if (this.last.get(key) === running) return
    this.last.set(key, running)
    this.events.push({at: this.now(), appGuid: inst.appGuid, processType: inst.processType, running})
    if (this.events.length > MAX_EVENTS) this.events.splice(0, MAX_EVENTS / 4)
  }
}
