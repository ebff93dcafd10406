/** Revisions: per-app lists (versions filter), deployed revisions, show, environment variables, metadata. */
import type {Foundation} from '../../kernel.js'
import type {RevisionRec} from '../../state.js'
import {parseJson} from '../body.js'
import {check, metadataUpdateMessage} from '../messages.js'
import {list} from '../list.js'
import {presentRevision} from '../presenters.js'
import {json, type Routes} from '../routes.js'
import {applyMetadata, find} from './common.js'

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  r.get('/v3/apps/:guid/revisions', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    return list(ctx, s.revisions.by('app', app.guid), {filters: {versions: (x: RevisionRec, v: string[]) => v.includes(String(x.version))}}, (x) =>
      presentRevision(f, x),
    )
  })
  r.get('/v3/apps/:guid/revisions/deployed', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    const deployed = new Set(
      s.processes
        .by('app', app.guid)
        .filter((p) => p.state === 'STARTED' && app.state === 'STARTED')
        .map((p) => p.revisionGuid),
    )
    return list(
      ctx,
      s.revisions.by('app', app.guid).filter((x) => deployed.has(x.guid)),
      {noLabels: true, noTimestamps: true},
      (x) => presentRevision(f, x),
    )
  })
  r.get('/v3/revisions/:guid', (ctx) => json(200, presentRevision(f, find(s.revisions, ctx.params.guid, 'Revision'))))
  r.patch('/v3/revisions/:guid', (ctx) => {
    const rev = find(s.revisions, ctx.params.guid, 'Revision')
    const raw = parseJson(ctx.body)
    check(metadataUpdateMessage(raw))
    applyMetadata(rev, raw.metadata, f.now())
    return json(200, presentRevision(f, rev))
  })
  r.get('/v3/revisions/:guid/environment_variables', (ctx) => {
    const rev = find(s.revisions, ctx.params.guid, 'Revision')
    const api = f.settings.apiUrl
    return json(200, {
      var: {...rev.env},
      links: {
        self: {href: `${api}/v3/revisions/${rev.guid}/environment_variables`},
        revision: {href: `${api}/v3/revisions/${rev.guid}`},
        app: {href: `${api}/v3/apps/${rev.appGuid}`},
      },
    })
  })
}
