/** Builds (staging): create, show, lists, metadata (builds_controller.rb). */
import {resolveLifecycle} from '../../actions/apps.js'
import type {Foundation} from '../../kernel.js'
import type {BuildRec} from '../../state.js'
import {parseJson} from '../body.js'
import {unprocessable} from '../errors.js'
import {list} from '../list.js'
import {buildCreateMessage, buildUpdateMessage, check, dig, requestedLifecycle, toNumber} from '../messages.js'
import {presentBuild} from '../presenters.js'
import {json, type Routes} from '../routes.js'
import {applyMetadata, find} from './common.js'

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  const states = (b: BuildRec, v: string[]) => v.includes(b.state)
  r.get('/v3/builds', (ctx) =>
    list(ctx, s.builds.all(), {filters: {states, app_guids: (b, v) => v.includes(b.appGuid), package_guids: (b, v) => v.includes(b.packageGuid)}}, (b) =>
      presentBuild(f, b),
    ),
  )
  r.get('/v3/apps/:guid/builds', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    return list(ctx, s.builds.by('app', app.guid), {filters: {states}}, (b) => presentBuild(f, b))
  })
  r.get('/v3/builds/:guid', (ctx) => json(200, presentBuild(f, find(s.builds, ctx.params.guid, 'Build'))))
  r.post('/v3/builds', (ctx) => {
    const raw = parseJson(ctx.body)
    check(buildCreateMessage(raw))
    const pkg = s.packages.get(dig(raw.package, 'guid') as string)
    if (!pkg) throw unprocessable('Unable to use package. Ensure that the package exists and you have access to it.')
    const app = s.apps.get(pkg.appGuid)
    if (!app) throw unprocessable('Unable to use package. Ensure that the package exists and you have access to it.')
    // A lifecycle in the request replaces the app's for this build only.
    const l = requestedLifecycle(raw)
    const lifecycle = l ? resolveLifecycle(f, {type: l.type, data: {buildpacks: l.buildpacks, stack: l.stack}}, app.lifecycle) : app.lifecycle
    const body = {
      staging_memory_in_mb: toNumber(raw.staging_memory_in_mb),
      staging_disk_in_mb: toNumber(raw.staging_disk_in_mb),
      staging_log_rate_limit_bytes_per_second: toNumber(raw.staging_log_rate_limit_bytes_per_second),
    }
    const user = ctx.user
    const build = f.staging.createBuild(
      app,
      pkg,
      lifecycle,
      {memory: body.staging_memory_in_mb, disk: body.staging_disk_in_mb, logRate: body.staging_log_rate_limit_bytes_per_second},
      {guid: user.user_id ?? user.client_id, name: user.user_name ?? user.client_id, email: user.email ?? ''},
    )
    applyMetadata(build, raw.metadata, f.now())
    return json(201, presentBuild(f, build))
  })
  r.patch('/v3/builds/:guid', (ctx) => {
    const build = find(s.builds, ctx.params.guid, 'Build')
    const raw = parseJson(ctx.body)
    check(buildUpdateMessage(raw))
    applyMetadata(build, raw.metadata, f.now())
    return json(200, presentBuild(f, build))
  })
}
