/** Droplets: lists (redacted), show, copy via source_guid, create + upload, metadata, delete (droplets_controller.rb). */
import {enqueueJob} from '../../actions/jobs.js'
import type {Foundation} from '../../kernel.js'
import type {DropletRec} from '../../state.js'
import {parseJson} from '../body.js'
import {notFound, unprocessable} from '../errors.js'
import {list} from '../list.js'
import {check, dig, dropletCopyMessage, dropletCreateMessage, dropletUpdateMessage} from '../messages.js'
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
    const source = ctx.query.get('source_guid')
    if (source !== undefined) {
      // create_copy: the message, the source (404), the destination app (404), then droplet_copy.rb's checks.
      check(dropletCopyMessage(raw))
      const src = s.droplets.get(source)
      if (!src) throw notFound('Droplet')
      const dest = s.apps.get(dig(raw.relationships, 'app', 'data', 'guid') as string)
      if (!dest) throw notFound('App')
      if (src.state !== 'STAGED') throw unprocessable('source droplet is not staged')
      if (src.lifecycleType !== dest.lifecycle.type) throw unprocessable('source and destination lifecycle types do not match')
      return json(201, presentDroplet(f, f.staging.copyDroplet(src, dest)))
    }
    check(dropletCreateMessage(raw))
    const appGuid = dig(raw.relationships, 'app', 'data', 'guid') as string
    const app = s.apps.get(appGuid)
    if (!app) throw unprocessable(`App with guid "${appGuid}" does not exist, or you do not have access to it.`)
    if (app.lifecycle.type === 'docker') throw unprocessable('Droplet creation is not available for apps with docker lifecycles.')
    const droplet = s.droplets.insert(
      s.stamp<DropletRec>(
        {
          appGuid: app.guid,
          packageGuid: null,
          state: 'AWAITING_UPLOAD',
          error: null,
          lifecycleType: 'buildpack',
          // droplet_create.rb gives the droplet empty buildpack lifecycle data: no stack, no buildpacks.
          buildpacks: [],
          stack: null,
          image: null,
          processTypes: (raw.process_types || {web: ''}) as Record<string, string>,
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
    if (droplet.state !== 'AWAITING_UPLOAD') throw unprocessable('Droplet may be uploaded only once. Create a new droplet to upload bits.')
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
    const raw = parseJson(ctx.body)
    check(dropletUpdateMessage(raw))
    applyMetadata(droplet, raw.metadata, f.now())
    if (typeof raw.image === 'string') droplet.image = raw.image
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
