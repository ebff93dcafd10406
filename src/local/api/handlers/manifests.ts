/** apply_manifest (a job), GET manifest (YAML) and manifest_diff. */
import {load} from 'js-yaml'
import {enqueueJob} from '../../actions/jobs.js'
import {applyManifest, createMissingApps, diffManifest, generateManifest, validateManifest} from '../../actions/manifest.js'
import type {Foundation} from '../../kernel.js'
import {parseYaml} from '../body.js'
import {badRequest} from '../errors.js'
import {json, type Ctx, type Routes} from '../routes.js'
import {find} from './common.js'

function yamlBody(ctx: Ctx): unknown {
  const type = String(ctx.req.headers['content-type'] ?? '')
  if (!/yaml/i.test(type)) throw badRequest('Content-Type must be yaml')
  return parseYaml(ctx.body)
}

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  r.post('/v3/spaces/:guid/actions/apply_manifest', (ctx) => {
    const space = find(s.spaces, ctx.params.guid, 'Space')
    const apps = validateManifest(f, yamlBody(ctx))
    // Apps named in the manifest that do not exist yet are created before the job is queued.
    createMissingApps(f, space, apps)
    return enqueueJob(f, 'space.apply_manifest', {name: 'space', path: `/v3/spaces/${space.guid}`}, () => applyManifest(f, space, apps))
  })
  r.get('/v3/apps/:guid/manifest', (ctx) => {
    const app = find(s.apps, ctx.params.guid, 'App')
    return {status: 200, text: generateManifest(f, app), contentType: 'application/x-yaml'}
  })
  r.post('/v3/spaces/:guid/manifest_diff', (ctx) => {
    const space = find(s.spaces, ctx.params.guid, 'Space')
    const apps = validateManifest(f, yamlBody(ctx))
    const current = (app: Parameters<typeof generateManifest>[1]) =>
      (load(generateManifest(f, app)) as {applications: Record<string, unknown>[]}).applications[0] ?? {}
    return json(201, {diff: diffManifest(f, space, apps, current)})
  })
}
