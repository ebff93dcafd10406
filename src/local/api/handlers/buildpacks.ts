/** Buildpacks (ordered by position) and stacks. */
import type {Foundation} from '../../kernel.js'
import type {BuildpackRec, StackRec} from '../../state.js'
import {parseJson} from '../body.js'
import {check, metadataUpdateMessage} from '../messages.js'
import {list} from '../list.js'
import {presentApp, presentBuildpack, presentStack} from '../presenters.js'
import {json, type Routes} from '../routes.js'
import {applyMetadata, find} from './common.js'

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  const bpSpec = {
    filters: {
      names: (b: BuildpackRec, v: string[]) => v.includes(b.name),
      stacks: (b: BuildpackRec, v: string[]) => v.includes(b.stack ?? ''),
      lifecycle: (_b: BuildpackRec, v: string[]) => v.includes('buildpack'),
    },
    orderBy: {position: (b: BuildpackRec) => b.position, name: (b: BuildpackRec) => b.name, lifecycle: () => 'buildpack'},
    defaultOrder: (a: BuildpackRec, b: BuildpackRec) => a.position - b.position || a.seq - b.seq,
  }
  r.get('/v3/buildpacks', (ctx) => list(ctx, s.buildpacks.all(), bpSpec, (b) => presentBuildpack(f, b)))
  r.get('/v3/buildpacks/:guid', (ctx) => json(200, presentBuildpack(f, find(s.buildpacks, ctx.params.guid, 'Buildpack'))))
  r.patch('/v3/buildpacks/:guid', (ctx) => {
    const b = find(s.buildpacks, ctx.params.guid, 'Buildpack')
    const raw = parseJson(ctx.body)
    check(metadataUpdateMessage(raw, {allowed: ['name', 'stack', 'position', 'enabled', 'locked']}))
    applyMetadata(b, raw.metadata, f.now())
    if (typeof raw.enabled === 'boolean') b.enabled = raw.enabled
    if (typeof raw.locked === 'boolean') b.locked = raw.locked
    if (typeof raw.position === 'number') b.position = raw.position
    b.updatedAt = f.now()
    return json(200, presentBuildpack(f, b))
  })

  const stackSpec = {
    filters: {names: (x: StackRec, v: string[]) => v.includes(x.name), default: (x: StackRec, v: string[]) => v.includes(String(x.isDefault))},
    orderBy: {name: (x: StackRec) => x.name},
  }
  r.get('/v3/stacks', (ctx) => list(ctx, s.stacks.all(), stackSpec, (x) => presentStack(f, x)))
  r.get('/v3/stacks/:guid', (ctx) => json(200, presentStack(f, find(s.stacks, ctx.params.guid, 'Stack'))))
  r.get('/v3/stacks/:guid/apps', (ctx) => {
    const stack = find(s.stacks, ctx.params.guid, 'Stack')
    return list(
      ctx,
      s.apps.all().filter((a) => a.lifecycle.stack === stack.name),
      {},
      (a) => presentApp(f, a),
    )
  })
}
