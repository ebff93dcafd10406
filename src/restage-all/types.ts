/**
 * The vocabulary of a bulk restage: what discovery keeps of each app and droplet (small records,
 * not API responses), why an app is or is not restaged, and what happened to it.
 */

/** What discovery keeps of an app. */
export interface AppRef {
  guid: string
  name: string
  /** The desired state: STARTED or STOPPED. */
  state: string
  /** buildpack, cnb or docker. */
  lifecycle: string
  spaceGuid: string
  space: string
  orgGuid: string
  org: string
  /**
   * The current droplet's GUID; null when the app has none; undefined when the Cloud Controller
   * did not say (older versions), and discovery must ask per app.
   */
  currentDroplet: string | null | undefined
}

/** One entry of a droplet's buildpacks[]: `name` is the admin buildpack (or URL), `buildpack_name` what the buildpack calls itself. */
export interface DropletBuildpackRef {
  name: string
  buildpackName?: string | null
  version?: string | null
}

/** What discovery keeps of a droplet. */
export interface DropletRef {
  guid: string
  createdAt: string
  stack?: string | null
  buildpacks: DropletBuildpackRef[]
}

/** An admin buildpack: one per name and stack (stack null: any stack). */
export interface BuildpackRelease {
  name: string
  stack: string | null
  updatedAt: string
}

/** Apps that do not use the buildpack at all: counted, not listed. */
export type IgnoreReason = 'other-buildpack' | 'docker' | 'no-droplet'

/** Apps that use the buildpack but are not restaged: listed, each with its reason. */
export type SkipReason = 'up-to-date' | 'release-unknown' | 'stopped' | 'leftover' | 'already-restaged' | 'changed' | 'gone'

/** Why the droplet counts as using the buildpack, and against which release it was judged. */
export interface Match {
  droplet: {guid: string; createdAt: string; stack: string | null}
  /** The matching buildpacks[] entry. */
  buildpack: {name: string; buildpackName: string | null; version: string | null}
  /** The admin buildpack the droplet was compared with, when there is one. */
  release?: {stack: string | null; updatedAt: string}
  outdated: boolean | undefined
}

export type Decision =
  {kind: 'restage'; why: string; match: Match} | {kind: 'skip'; reason: SkipReason; detail: string; match: Match} | {kind: 'ignore'; reason: IgnoreReason}

export type EntryStatus = 'pending' | 'restaged' | 'failed' | 'skipped' | 'interrupted'

/** One app of the buildpack in the report: planned, skipped, or what happened to it. */
export interface ReportEntry {
  guid: string
  name: string
  org: string
  space: string
  spaceGuid: string
  state: string
  status: EntryStatus
  /** Why it was selected (pending, restaged, failed) or skipped. */
  why?: string
  reason?: SkipReason | FailureKind
  /** Human-readable: the skip detail or the failure message. */
  detail?: string
  droplet?: Match['droplet'] & {buildpack: string; version: string | null}
  newDroplet?: string
  /** Blue-green replaces the app, so it has a new GUID. */
  newGuid?: string
  attempts?: number
  startedAt?: string
  finishedAt?: string
  durationMs?: number
  warnings?: string[]
  left?: string[]
}

export type FailureKind = 'capacity' | 'staging-in-progress' | 'quota' | 'rate-limited' | 'api' | 'conflict' | 'interrupted' | 'failed'
