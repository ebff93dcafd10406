/**
 * Revisions (RevisionResolver): when the app's `revisions` feature is on, a new revision is
 * created when the droplet, the environment variables or a process command changed since the
 * latest one. Versions start at 1 and wrap back to 1 after 9999.
 */
import type {Foundation} from '../kernel.js'
import {type AppRec, emptyMetadata, type RevisionRec} from '../state.js'

export function latestRevision(f: Foundation, appGuid: string): RevisionRec | undefined {
  const all = f.store.revisions.by('app', appGuid)
  return all[all.length - 1]
}

function commandsOf(f: Foundation, app: AppRec): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const p of f.store.processes.by('app', app.guid).sort((a, b) => a.seq - b.seq)) out[p.type] = p.command
  return out
}

/** Why the app differs from a revision, in Cloud Controller's words. Empty when it does not. */
export function outOfDateReasons(f: Foundation, app: AppRec, rev: RevisionRec): string[] {
  const reasons: string[] = []
  if (rev.dropletGuid !== app.currentDropletGuid) reasons.push('New droplet deployed.')
  if (JSON.stringify(sortKeys(rev.env)) !== JSON.stringify(sortKeys(app.env ?? {}))) reasons.push('New environment variables deployed.')
  const now = commandsOf(f, app)
  for (const [type, cmd] of Object.entries(now)) {
    const before = rev.processCommands[type] ?? null
    if (before === cmd) continue
    if (before === null) reasons.push(`Custom start command added for '${type}' process.`)
    else if (cmd === null) reasons.push(`Custom start command removed for '${type}' process.`)
    else reasons.push(`Custom start command updated for '${type}' process.`)
  }
  return reasons
}

/** RevisionResolver.update_app_revision: the latest revision, or a new one if something changed. */
export function updateAppRevision(f: Foundation, app: AppRec): RevisionRec | undefined {
  if (!app.features.revisions) return undefined
  const latest = latestRevision(f, app.guid)
  if (!latest) return createRevision(f, app, 'Initial revision.', undefined)
  const reasons = outOfDateReasons(f, app, latest)
  return reasons.length === 0 ? latest : createRevision(f, app, reasons.join(' '), latest)
}

export function createRevision(f: Foundation, app: AppRec, description: string, previous: RevisionRec | undefined): RevisionRec {
  const version = previous ? (previous.version >= 9999 ? 1 : previous.version + 1) : 1
  const rev = f.store.revisions.insert(
    f.store.stamp<RevisionRec>(
      {
        appGuid: app.guid,
        version,
        dropletGuid: app.currentDropletGuid,
        processCommands: commandsOf(f, app),
        env: {...app.env},
        description,
        sidecars: f.store.sidecars
          .by('app', app.guid)
          .map((x) => ({name: x.name, command: x.command, memoryInMb: x.memoryInMb, processTypes: [...x.processTypes]})),
        metadata: emptyMetadata(),
      },
      f.now(),
    ),
  )
  // Keep at most 100 revisions per app.
  const all = f.store.revisions.by('app', app.guid)
  for (const old of all.slice(0, Math.max(0, all.length - 100))) f.store.revisions.delete(old.guid)
  return rev
}

function sortKeys(o: Record<string, unknown>): [string, unknown][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b))
}
