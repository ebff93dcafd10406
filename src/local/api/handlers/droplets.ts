/** Droplets: lists (redacted), show, copy via source_guid, create + upload, metadata, delete. */
import {DropletCreate} from '../../../capi/resources/droplets.js'
import {enqueueJob} from '../../actions/jobs.js'
import type {Foundation} from '../../foundation.js'
import type {DropletRec} from '../../state.js'
import {parseJson, validate} from '../body.js'
import {unprocessable} from '../errors.js'
import {list} from '../list.js'
import {presentDroplet} from '../presenters.js'
import {json, type Routes} from '../routes.js'
import {applyMetadata, find, newMetadata} from './common.js'

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  const states = (d: DropletRec, v: string[]) => v.includes(d.state)
  const present = (d: DropletRec) => presentDroplet(f, d, {inList: true})
  r.get('/v3/droplets', (ctx) => {
    const apps = ctx.query.list('app_guids')
    const rows = apps ? apps.flatMap((a) => s.droplets.by('app', a)).sort((a, b) => a.seq - b.seq) : s.droplets.all()
    return list(ctx, rows, {filters: {states}, space: (d) => s.apps.get(d.appGuid)?.spaceGuid, extra: ['app_guids']}, present)
  })
  r.get('/v3/apps/:guid/droplets', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    let rows = s.droplets.by('app', app.guid)
    if (ctx.query.get('current') === 'true') rows = rows.filter((d) => d.guid === app.currentDropletGuid)
    return list(ctx, rows, {filters: {states}, extra: ['current']}, present)
  })
  r.get('/v3/droplets/:guid', (ctx) => json(200, presentDroplet(f, find(s.droplets, ctx.params.guid, 'Droplet'))))
  r.post('/v3/droplets', (ctx) => {
    const raw = parseJson(ctx.body)
    const body = validate(DropletCreate, raw)
    const app = s.apps.get(body.relationships.app.data.guid)
    if (!app) throw unprocessable('App is invalid. Ensure it exists and you have access to it.')
    const source = ctx.query.get('source_guid')
    if (source !== undefined) {
      const src = s.droplets.get(source)
      if (!src) throw unprocessable('Source droplet is invalid. Ensure it exists and you have access to it.')
      if (src.state !== 'STAGED') throw unprocessable('Source droplet must be in STAGED state.')
      return json(201, presentDroplet(f, f.staging.copyDroplet(src, app)))
    }
    const droplet = s.droplets.insert(
      s.stamp<DropletRec>(
        {
          appGuid: app.guid,
          packageGuid: null,
          state: 'AWAITING_UPLOAD',
          error: null,
          lifecycleType: 'buildpack',
          buildpacks: null,
          stack: app.lifecycle.stack,
          image: null,
          processTypes: body.process_types ?? {web: ''},
          executionMetadata: '',
          checksum: null,
          metadata: newMetadata(raw.metadata),
        },
        f.now(),
      ),
    )
    return json(201, presentDroplet(f, droplet))
  })
  r.post('/v3/droplets/:guid/upload', (ctx) => {
    const droplet = find(s.droplets, ctx.params.guid, 'Droplet')
    if (droplet.state !== 'AWAITING_UPLOAD') throw unprocessable('Droplet may be uploaded only once.')
    droplet.state = 'PROCESSING_UPLOAD'
    droplet.updatedAt = f.now()
    return enqueueJob(
      f,
      'droplet.upload',
      {name: 'droplet', path: `/v3/droplets/${droplet.guid}`},
      () => {
        droplet.state = 'STAGED'
        droplet.checksum = 'uploaded'
        droplet.updatedAt = f.now()
      },
      presentDroplet(f, droplet),
    )
  })
  r.patch('/v3/droplets/:guid', (ctx) => {
    const droplet = find(s.droplets, ctx.params.guid, 'Droplet')
    applyMetadata(droplet, parseJson(ctx.body).metadata, f.now())
    return json(200, presentDroplet(f, droplet))
  })
  r.delete('/v3/droplets/:guid', (ctx) => {
    const droplet = find(s.droplets, ctx.params.guid, 'Droplet')
    return enqueueJob(f, 'droplet.delete', {name: 'droplet', path: `/v3/droplets/${droplet.guid}`}, () => {
      s.droplets.delete(droplet.guid)
      const app = s.apps.get(droplet.appGuid)
      if (app?.currentDropletGuid === droplet.guid) app.currentDropletGuid = null
    })
  })
}
