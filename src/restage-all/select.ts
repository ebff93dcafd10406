/**
 * Which apps a bulk restage takes, as a pure function of what discovery found. In order:
 *
 *   docker lifecycle                          → ignored (no buildpack to restage)
 *   no current droplet                        → ignored (never staged)
 *   current droplet's buildpacks[] lacks NAME → ignored (other buildpack); matched on `name`
 *                                               (the admin buildpack) or `buildpack_name`
 *   APP-venerable next to APP                 → skipped (a blue-green leftover)
 *   done in the --resume report               → skipped
 *   droplet not older than the release        → skipped (up to date), unless --all
 *   no admin buildpack to compare with        → skipped (release unknown), unless --all
 *   STOPPED                                   → skipped, unless --include-stopped
 *   otherwise                                 → restaged
 *
 * "Older than the release" means the droplet was created before the admin buildpack's
 * `updated_at`. A name can exist once per stack: the droplet is compared with the buildpack of
 * its own stack, else the one for any stack (stack null), else the newest of them.
 */
import type {AppRef, BuildpackRelease, Decision, DropletBuildpackRef, DropletRef, Match} from './types.js'

export interface SelectionRules {
  buildpack: string
  /** Take every app of the buildpack, outdated or not. */
  all: boolean
  includeStopped: boolean
  /** Blue-green's suffix: APP<suffix> next to APP is a leftover, never restaged on its own. */
  venerableSuffix: string
}

export interface SelectionFacts {
  /** Admin buildpacks by name. */
  releases: Map<string, BuildpackRelease[]>
  /** Is there an app with this name (lower case) in this space? */
  hasApp(spaceGuid: string, lowerName: string): boolean
  /** Was this app restaged already, per the --resume report? */
  done(app: AppRef): boolean
}

export function indexReleases(buildpacks: Iterable<BuildpackRelease>): Map<string, BuildpackRelease[]> {
  const out = new Map<string, BuildpackRelease[]>()
  for (const b of buildpacks) {
    const list = out.get(b.name)
    if (list) list.push(b)
    else out.set(b.name, [b])
  }
  return out
}

/** The buildpacks[] entries that are NAME, by admin name or by the name the buildpack reports. */
export function matchingEntries(droplet: DropletRef, name: string): DropletBuildpackRef[] {
  return droplet.buildpacks.filter((b) => b.name === name || b.buildpackName === name)
}

/** The release a droplet is judged against: same stack, else any-stack, else the newest. */
export function releaseFor(releases: BuildpackRelease[] | undefined, stack: string | null | undefined): BuildpackRelease | undefined {
  if (!releases || releases.length === 0) return undefined
  return (
    releases.find((r) => r.stack !== null && r.stack === stack) ??
    releases.find((r) => r.stack === null) ??
    [...releases].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt))[0]
  )
}

function describeMatch(droplet: DropletRef, entries: DropletBuildpackRef[], facts: SelectionFacts): Match {
  // The admin buildpack is the entry's `name`; when only buildpack_name matched, `name` still says which one ran.
  const judged = entries.map((entry) => {
    const release = releaseFor(facts.releases.get(entry.name), droplet.stack)
    return {entry, release, old: release ? Date.parse(droplet.createdAt) < Date.parse(release.updatedAt) : undefined}
  })
  const chosen = judged.find((j) => j.old) ?? judged.find((j) => j.release) ?? judged[0]
  const {entry, release} = chosen
  return {
    droplet: {guid: droplet.guid, createdAt: droplet.createdAt, stack: droplet.stack ?? null},
    buildpack: {name: entry.name, buildpackName: entry.buildpackName ?? null, version: entry.version ?? null},
    release: release ? {stack: release.stack, updatedAt: release.updatedAt} : undefined,
    outdated: chosen.old,
  }
}

const day = (ts: string) => ts.replace('T', ' ').replace(/Z$/, ' UTC')

function version(m: Match): string {
  return m.buildpack.version ? ` ${m.buildpack.version}` : ''
}

function releaseName(m: Match): string {
  return `${m.buildpack.name}${m.release?.stack ? ` (${m.release.stack})` : ''}`
}

export function classify(app: AppRef, droplet: DropletRef | null, rules: SelectionRules, facts: SelectionFacts): Decision {
  if (app.lifecycle === 'docker') return {kind: 'ignore', reason: 'docker'}
  if (!droplet) return {kind: 'ignore', reason: 'no-droplet'}
  const entries = matchingEntries(droplet, rules.buildpack)
  if (entries.length === 0) return {kind: 'ignore', reason: 'other-buildpack'}
  const match = describeMatch(droplet, entries, facts)

  const suffix = rules.venerableSuffix
  if (suffix && app.name.length > suffix.length && app.name.toLowerCase().endsWith(suffix.toLowerCase())) {
    const base = app.name.slice(0, -suffix.length)
    if (facts.hasApp(app.spaceGuid, base.toLowerCase())) {
      return {
        kind: 'skip',
        reason: 'leftover',
        detail: `looks like the old copy of '${base}' left by a blue-green run; 'cfzd restage ${base} --strategy blue-green' recovers it`,
        match,
      }
    }
  }
  if (facts.done(app)) return {kind: 'skip', reason: 'already-restaged', detail: 'already restaged (per the --resume report)', match}
  if (!rules.all) {
    if (match.outdated === undefined) {
      return {
        kind: 'skip',
        reason: 'release-unknown',
        detail: `no admin buildpack named '${match.buildpack.name}' to compare its droplet with (use --all to restage anyway)`,
        match,
      }
    }
    if (!match.outdated) {
      return {
        kind: 'skip',
        reason: 'up-to-date',
        detail: `droplet built ${day(match.droplet.createdAt)}, after ${releaseName(match)} was updated ${day(match.release!.updatedAt)}`,
        match,
      }
    }
  }
  if (app.state !== 'STARTED' && !rules.includeStopped) {
    return {kind: 'skip', reason: 'stopped', detail: 'stopped (use --include-stopped to give it a new droplet and leave it stopped)', match}
  }
  const why =
    match.outdated === true
      ? `droplet built ${day(match.droplet.createdAt)} with ${match.buildpack.name}${version(match)}, before ${releaseName(match)} was updated ${day(match.release!.updatedAt)}`
      : `droplet built ${day(match.droplet.createdAt)} with ${match.buildpack.name}${version(match)} (--all)`
  return {kind: 'restage', why, match}
}
