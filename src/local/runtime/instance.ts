/**
 * One instance of a running process as the runtime keeps it (instances.ts), the router picks it
 * (router.ts) and a responder or the app's own process serves it. Types only, so every runtime
 * module can name an instance without importing the runtime.
 */
import type {Agent, Server} from 'node:http'

export type InstanceState = 'STARTING' | 'RUNNING' | 'CRASHED'

export interface Instance {
  guid: string
  processGuid: string
  appGuid: string
  processType: string
  index: number
  /** The process version this instance was started for. */
  version: string
  dropletGuid: string
  state: InstanceState
  routable: boolean
  /** When the instance entered its current state (epoch ms). */
  since: number
  details: string | null
  port: number
  server: Server
  /** Keep-alive connections from the router to this instance (created on first use). */
  agent?: Agent
  draining: boolean
  /** Requests the router has sent and not yet seen finish. */
  inflight: number
  onIdle?: () => void
  timers: NodeJS.Timeout[]
  /** The status it answers with when the request doesn't ask for one (CFZD_LOCAL_RESPONSE_STATUS when it started). */
  responseStatus?: number
  /** How it stops: finish in-flight requests (graceful), or exit at once (kill: CFZD_LOCAL_STOP=kill when it started). */
  stopMode: 'graceful' | 'kill'
  /** When a kill stop dropped its connections (epoch ms). */
  killedAt?: number
}

export interface InstanceCountSummary {
  starting: number
  routable: number
  healthy: number
  unhealthy: number
}

/** One entry of GET /v3/processes/:guid/stats. DOWN entries hold only a few keys, as in CC. */
export type StatsEntry = Record<string, unknown> & {type: string; index: number; state: string}
