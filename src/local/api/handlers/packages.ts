/**
 * Packages: create (bits or docker), copy via source_guid, upload (multipart zip), lists, delete;
 * resource matches (packages_controller.rb, resource_matches_controller.rb).
 */
import {enqueueJob} from '../../actions/jobs.js'
import type {Foundation} from '../../kernel.js'
import type {MatchedResource} from '../../kernel.js'
import type {PackageRec} from '../../state.js'
import {parseJson, parseMultipart} from '../body.js'
import {unprocessable} from '../errors.js'
import {list} from '../list.js'
import {check, dig, isObj, packageCreateMessage, packageUpdateMessage, resourceMatchCreateMessage} from '../messages.js'
import {presentDroplet, presentPackage} from '../presenters.js'
import {json, type Routes} from '../routes.js'
import {applyMetadata, find, newMetadata} from './common.js'

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  const filters = {
    states: (p: PackageRec, v: string[]) => v.includes(p.state),
    types: (p: PackageRec, v: string[]) => v.includes(p.type),
  }
  r.get('/v3/packages', (ctx) => {
    const apps = ctx.query.list('app_guids')
    const rows = apps ? apps.flatMap((a) => s.packages.by('app', a)).sort((a, b) => a.seq - b.seq) : s.packages.all()
    return list(ctx, rows, {filters, space: (p) => s.apps.get(p.appGuid)?.spaceGuid, extra: ['app_guids']}, (p) => presentPackage(f, p))
  })
  r.get('/v3/apps/:guid/packages', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    return list(ctx, s.packages.by('app', app.guid), {filters}, (p) => presentPackage(f, p))
  })
  r.get('/v3/packages/:guid', (ctx) => json(200, presentPackage(f, find(s.packages, ctx.params.guid, 'Package'))))
  r.post('/v3/packages', (ctx) => {
    const raw = parseJson(ctx.body)
    const source = ctx.query.get('source_guid')
    if (source !== undefined) {
      // create_copy checks no message: it reads the destination app's guid and nothing else.
      const app = s.apps.get(dig(raw, 'relationships', 'app', 'data', 'guid') as string)
      if (!app) throw unprocessable('App is invalid. Ensure it exists and you have access to it.')
      const src = s.packages.get(source)
      if (!src) throw unprocessable('Source package is invalid. Ensure it exists and you have access to it.')
      if (src.appGuid === app.guid) throw unprocessable('Source and destination app cannot be the same')
      return json(201, presentPackage(f, f.staging.copyPackage(src, app)))
    }
    check(packageCreateMessage(raw))
    const app = s.apps.get(dig(raw.relationships, 'app', 'data', 'guid') as string)
    if (!app) throw unprocessable('App is invalid. Ensure it exists and you have access to it.')
    const docker = raw.type === 'docker'
    if (!docker && app.lifecycle.type === 'docker') throw unprocessable('Cannot create bits package for a Docker app.')
    if (docker && app.lifecycle.type !== 'docker') throw unprocessable('Cannot create Docker package for a buildpack app.')
    const body = {
      type: raw.type as 'bits' | 'docker',
      data: (isObj(raw.data) ? raw.data : {}) as {image?: string; username?: string | null; password?: string | null},
    }
    const pkg = s.packages.insert(
      s.stamp<PackageRec>(
        {
          appGuid: app.guid,
          type: body.type,
          state: docker ? 'READY' : 'AWAITING_UPLOAD',
          checksum: null,
          error: null,
          image: docker ? body.data.image! : null,
          username: docker ? (body.data?.username ?? null) : null,
          password: docker ? (body.data?.password ?? null) : null,
          files: [],
          metadata: newMetadata(raw.metadata),
        },
        f.now(),
      ),
    )
    f.audit('audit.app.package.create', {guid: app.guid, type: 'app', name: app.name}, app.spaceGuid, {package_guid: pkg.guid})
    return json(201, presentPackage(f, pkg))
  })
  r.post('/v3/packages/:guid/upload', (ctx) => {
    const pkg = find(s.packages, ctx.params.guid, 'Package')
    const contentType = String(ctx.req.headers['content-type'] ?? '')
    if (!/multipart\/form-data/i.test(contentType)) throw unprocessable('Upload must be multipart/form-data with a bits and/or resources field')
    const parts = parseMultipart(ctx.body, contentType)
    const bits = parts.find((p) => p.name === 'bits')?.data
    const resourcesPart = parts.find((p) => p.name === 'resources')
    let resources: MatchedResource[] = []
    if (resourcesPart) {
      let parsed: unknown
      try {
        parsed = JSON.parse(resourcesPart.data.toString('utf8'))
      } catch {
        throw unprocessable('Resources must be a JSON array')
      }
      if (!Array.isArray(parsed)) throw unprocessable('Resources must be valid JSON.')
      resources = parsed as MatchedResource[]
    }
    if (!bits && !resourcesPart) throw unprocessable('Upload must include either resources or bits')
    f.staging.upload(pkg, bits, resources)
    return json(200, presentPackage(f, pkg))
  })
  // update: the message, then the package, then the docker-only credentials.
  r.patch('/v3/packages/:guid', (ctx) => {
    const raw = parseJson(ctx.body)
    check(packageUpdateMessage(raw))
    const pkg = find(s.packages, ctx.params.guid, 'Package')
    if (pkg.type !== 'docker' && (raw.username || raw.password)) throw unprocessable('Cannot update Docker credentials for a buildpack app.')
    applyMetadata(pkg, raw.metadata, f.now())
    if (typeof raw.username === 'string') pkg.username = raw.username
    if (typeof raw.password === 'string') pkg.password = raw.password
    return json(200, presentPackage(f, pkg))
  })
  r.delete('/v3/packages/:guid', (ctx) => {
    const pkg = find(s.packages, ctx.params.guid, 'Package')
    return enqueueJob(f, 'package.delete', {name: 'package', path: `/v3/packages/${pkg.guid}`}, () => {
      s.packages.delete(pkg.guid)
    })
  })
  r.get('/v3/packages/:guid/droplets', (ctx) => {
    const pkg = find(s.packages, ctx.params.guid, 'Package')
    return list(ctx, s.droplets.by('package', pkg.guid), {filters: {states: (d, v) => v.includes(d.state)}}, (d) => presentDroplet(f, d, {inList: true}))
  })
  r.post('/v3/resource_matches', (ctx) => {
    const raw = parseJson(ctx.body)
    check(resourceMatchCreateMessage(raw))
    return json(201, {resources: f.staging.match(raw.resources as MatchedResource[])})
  })
}
