/** Organizations, spaces, their quotas, usage summaries, space features and org domains. */
import type {Foundation} from '../../kernel.js'
import type {SpaceRec} from '../../state.js'
import {parseJson} from '../body.js'
import {notFound, unprocessable} from '../errors.js'
import {includedFor, list, uniqueBy} from '../list.js'
import {check, featureUpdateMessage, metadataUpdateMessage} from '../messages.js'
import {presentDomain, presentOrg, presentOrgQuota, presentSpace, presentSpaceQuota} from '../presenters.js'
import {json, type Routes} from '../routes.js'
import {applyMetadata, find, namesCi} from './common.js'
import {domainFilters, domainsVisibleTo} from './routes.js'

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  const orgSpec = {
    filters: {names: (o: {name: string}, v: string[]) => namesCi(o.name, v)},
    orderBy: {name: (o: {name: string}) => o.name},
  }
  r.get('/v3/organizations', (ctx) => list(ctx, s.orgs.all(), orgSpec, (o) => presentOrg(f, o)))
  r.get('/v3/organizations/:guid', (ctx) => json(200, presentOrg(f, find(s.orgs, ctx.params.guid, 'Organization'))))
  r.patch('/v3/organizations/:guid', (ctx) => {
    const raw = parseJson(ctx.body)
    check(metadataUpdateMessage(raw, {allowed: ['name', 'suspended']}))
    const o = find(s.orgs, ctx.params.guid, 'Organization')
    applyMetadata(o, raw.metadata, f.now())
    return json(200, presentOrg(f, o))
  })
  r.get('/v3/organizations/:guid/domains', (ctx) => {
    const o = find(s.orgs, ctx.params.guid, 'Organization')
    return list(ctx, domainsVisibleTo(f, o.guid), {filters: domainFilters}, (d) => presentDomain(f, d))
  })
  r.get('/v3/organizations/:guid/domains/default', (ctx) => {
    const o = find(s.orgs, ctx.params.guid, 'Organization')
    const d = domainsVisibleTo(f, o.guid).find((x) => !x.internal)
    if (!d) throw unprocessable('No default domain found')
    return json(200, presentDomain(f, d))
  })
  r.get('/v3/organizations/:guid/usage_summary', (ctx) => {
    const o = find(s.orgs, ctx.params.guid, 'Organization')
    return json(200, {
      usage_summary: usage(f, s.spaces.by('org', o.guid), o.guid),
      links: {
        self: {href: `${f.settings.apiUrl}/v3/organizations/${o.guid}/usage_summary`},
        organization: {href: `${f.settings.apiUrl}/v3/organizations/${o.guid}`},
      },
    })
  })

  const spaceSpec = {
    filters: {
      names: (x: SpaceRec, v: string[]) => namesCi(x.name, v),
      organization_guids: (x: SpaceRec, v: string[]) => v.includes(x.orgGuid),
    },
    orderBy: {name: (x: SpaceRec) => x.name},
    include: {
      organization: (rows: SpaceRec[]): [string, unknown[]] => [
        'organizations',
        uniqueBy(
          rows.map((x) => s.orgs.get(x.orgGuid)),
          (o) => o.guid,
        ).map((o) => presentOrg(f, o)),
      ],
    },
  }
  r.get('/v3/spaces', (ctx) => list(ctx, s.spaces.all(), spaceSpec, (x) => presentSpace(f, x)))
  r.get('/v3/spaces/:guid', (ctx) => {
    const x = find(s.spaces, ctx.params.guid, 'Space')
    const included = includedFor(ctx, spaceSpec.include, x)
    return json(200, included ? {...presentSpace(f, x), included} : presentSpace(f, x))
  })
  r.patch('/v3/spaces/:guid', (ctx) => {
    const raw = parseJson(ctx.body)
    check(metadataUpdateMessage(raw, {allowed: ['name', 'suspended']}))
    const x = find(s.spaces, ctx.params.guid, 'Space')
    applyMetadata(x, raw.metadata, f.now())
    return json(200, presentSpace(f, x))
  })
  r.get('/v3/spaces/:guid/usage_summary', (ctx) => {
    const x = find(s.spaces, ctx.params.guid, 'Space')
    // space_usage_summary_presenter.rb links the space (the org's links the organization).
    return json(200, {
      usage_summary: usage(f, [x], x.orgGuid),
      links: {self: {href: `${f.settings.apiUrl}/v3/spaces/${x.guid}/usage_summary`}, space: {href: `${f.settings.apiUrl}/v3/spaces/${x.guid}`}},
    })
  })
  const sshFeature = (x: SpaceRec) => ({name: 'ssh', description: 'Enable SSHing into apps in the space.', enabled: x.allowSsh})
  r.get('/v3/spaces/:guid/features', (ctx) => json(200, {resources: [sshFeature(find(s.spaces, ctx.params.guid, 'Space'))]}))
  r.get('/v3/spaces/:guid/features/ssh', (ctx) => json(200, sshFeature(find(s.spaces, ctx.params.guid, 'Space'))))
  // space_features_controller.rb checks the message before it looks the space up.
  r.patch('/v3/spaces/:guid/features/:name', (ctx) => {
    const raw = parseJson(ctx.body)
    check(featureUpdateMessage(raw))
    const x = find(s.spaces, ctx.params.guid, 'Space')
    if (ctx.params.name !== 'ssh') throw notFound('Feature')
    x.allowSsh = raw.enabled as boolean
    return json(200, sshFeature(x))
  })

  r.get('/v3/organization_quotas', (ctx) =>
    list(
      ctx,
      s.orgQuotas.all(),
      {filters: {names: (q, v) => v.includes(q.name), organization_guids: (q, v) => v.some((o) => s.orgs.get(o)?.quotaGuid === q.guid)}, noLabels: true},
      (q) => presentOrgQuota(f, q),
    ),
  )
  r.get('/v3/organization_quotas/:guid', (ctx) => json(200, presentOrgQuota(f, find(s.orgQuotas, ctx.params.guid, 'Organization quota'))))
  r.get('/v3/space_quotas', (ctx) =>
    list(
      ctx,
      s.spaceQuotas.all(),
      {
        filters: {
          names: (q, v) => v.includes(q.name),
          organization_guids: (q, v) => v.includes(q.orgGuid),
          space_guids: (q, v) => v.some((g) => s.spaces.get(g)?.quotaGuid === q.guid),
        },
        noLabels: true,
      },
      (q) => presentSpaceQuota(f, q),
    ),
  )
  r.get('/v3/space_quotas/:guid', (ctx) => json(200, presentSpaceQuota(f, find(s.spaceQuotas, ctx.params.guid, 'Space quota'))))
}

/**
 * The usage summaries (space_usage_summary_presenter.rb, organization_usage_summary_presenter.rb):
 * started instances and memory of started processes, routes, managed service instances, the
 * org's private domains and service keys.
 */
function usage(f: Foundation, spaces: SpaceRec[], orgGuid: string) {
  let instances = 0
  let memory = 0
  let routes = 0
  let serviceInstances = 0
  let serviceKeys = 0
  for (const x of spaces) {
    for (const app of f.store.apps.by('space', x.guid)) {
      if (app.state !== 'STARTED') continue
      for (const p of f.store.processes.by('app', app.guid)) {
        if (p.state !== 'STARTED') continue
        instances += p.instances
        memory += p.instances * p.memoryInMb
      }
    }
    routes += f.store.routes.by('space', x.guid).length
    for (const si of f.store.serviceInstances.by('space', x.guid)) {
      if (si.type !== 'managed') continue
      serviceInstances++
      serviceKeys += f.store.bindings.by('instance', si.guid).filter((b) => b.type === 'key').length
    }
  }
  const domains = f.store.domains.all().filter((d) => d.orgGuid === orgGuid).length
  return {
    started_instances: instances,
    memory_in_mb: memory,
    routes,
    service_instances: serviceInstances,
    reserved_ports: 0,
    domains,
    per_app_tasks: 0,
    service_keys: serviceKeys,
  }
}
