/**
 * Service instances (user-provided, plus a managed kind seeded by the foundation) and service
 * credential bindings with parameters: a binding to a user-provided instance is created at once
 * (201); one to a managed instance returns a job (202) and goes "in progress" → "succeeded".
 */
import {enqueueJob} from '../../actions/jobs.js'
import {createBinding} from '../../actions/services.js'
import type {Foundation} from '../../kernel.js'
import type {BindingRec, ServiceInstanceRec} from '../../state.js'
import {parseJson} from '../body.js'
import {check, dig, metadataUpdateMessage, type Obj, serviceCredentialBindingCreateMessages, serviceInstanceCreateMessages} from '../messages.js'
import {notFound, notFoundWithMessage, unprocessable, uniqueness} from '../errors.js'
import {includedFor, list, uniqueBy} from '../list.js'
import {presentApp, presentBinding, presentServiceInstance} from '../presenters.js'
import {json, noContent, type Routes} from '../routes.js'
import {applyMetadata, find, newMetadata} from './common.js'

export function register(r: Routes, f: Foundation): void {
  const s = f.store
  const siSpec = {
    filters: {
      names: (x: ServiceInstanceRec, v: string[]) => v.includes(x.name),
      type: (x: ServiceInstanceRec, v: string[]) => v.includes(x.type),
    },
    orderBy: {name: (x: ServiceInstanceRec) => x.name},
    space: (x: ServiceInstanceRec) => x.spaceGuid,
    extra: [
      'fields[space]',
      'fields[space.organization]',
      'fields[service_plan]',
      'fields[service_plan.service_offering]',
      'fields[service_plan.service_offering.service_broker]',
    ],
  }
  r.get('/v3/service_instances', (ctx) => list(ctx, s.serviceInstances.all(), siSpec, (x) => presentServiceInstance(f, x)))
  r.get('/v3/service_instances/:guid', (ctx) => json(200, presentServiceInstance(f, find(s.serviceInstances, ctx.params.guid, 'Service instance'))))
  r.get('/v3/service_instances/:guid/credentials', (ctx) => {
    const si = find(s.serviceInstances, ctx.params.guid, 'Service instance')
    if (si.type !== 'user-provided') throw notFound('Service instance')
    return json(200, {...si.credentials})
  })
  r.post('/v3/service_instances', (ctx) => {
    const raw = parseJson(ctx.body)
    check(serviceInstanceCreateMessages(raw))
    const body = raw as {
      name: string
      type: string
      credentials?: Obj | null
      syslog_drain_url?: string | null
      route_service_url?: string | null
      tags?: string[] | null
    }
    const space = s.spaces.get(dig(raw.relationships, 'space', 'data', 'guid') as string)
    if (!space) throw unprocessable('Invalid space. Ensure that the space exists and you have access to it.')
    if (s.serviceInstances.by('space', space.guid).some((x) => x.name === body.name)) throw uniqueness(`The service instance name is taken: ${body.name}.`)
    if (body.type === 'managed')
      throw unprocessable('Managed service instances are seeded on the local foundation (see src/local/README.md); create a user-provided one instead.')
    const si = s.serviceInstances.insert(
      s.stamp<ServiceInstanceRec>(
        {
          name: body.name,
          spaceGuid: space.guid,
          type: 'user-provided',
          credentials: body.credentials ?? {},
          syslogDrainUrl: body.syslog_drain_url ?? null,
          routeServiceUrl: body.route_service_url ?? null,
          tags: body.tags ?? [],
          offering: null,
          plan: null,
          metadata: newMetadata(raw.metadata),
        },
        f.now(),
      ),
    )
    return json(201, presentServiceInstance(f, si))
  })
  r.delete('/v3/service_instances/:guid', (ctx) => {
    const si = find(s.serviceInstances, ctx.params.guid, 'Service instance')
    if (s.bindings.by('instance', si.guid).length > 0)
      throw unprocessable(`Cannot delete service instance: there are bindings. Delete the service credential bindings of '${si.name}' first.`)
    s.serviceInstances.delete(si.guid)
    return noContent()
  })

  const bindingIncludes = {
    app: (rows: BindingRec[]): [string, unknown[]] => [
      'apps',
      uniqueBy(
        rows.map((b) => s.apps.get(b.appGuid)),
        (a) => a.guid,
      ).map((a) => presentApp(f, a)),
    ],
    service_instance: (rows: BindingRec[]): [string, unknown[]] => [
      'service_instances',
      uniqueBy(
        rows.map((b) => s.serviceInstances.get(b.serviceInstanceGuid)),
        (x) => x.guid,
      ).map((x) => presentServiceInstance(f, x)),
    ],
  }
  const bindingSpec = {
    filters: {
      names: (b: BindingRec, v: string[]) => v.includes(b.name ?? ''),
      type: (b: BindingRec, v: string[]) => v.includes(b.type),
      app_guids: (b: BindingRec, v: string[]) => v.includes(b.appGuid ?? ''),
      app_names: (b: BindingRec, v: string[]) => v.includes(s.apps.get(b.appGuid)?.name ?? ''),
      service_instance_guids: (b: BindingRec, v: string[]) => v.includes(b.serviceInstanceGuid),
      service_instance_names: (b: BindingRec, v: string[]) => v.includes(s.serviceInstances.get(b.serviceInstanceGuid)?.name ?? ''),
      service_plan_names: (b: BindingRec, v: string[]) => v.includes(s.serviceInstances.get(b.serviceInstanceGuid)?.plan ?? ''),
      service_offering_names: (b: BindingRec, v: string[]) => v.includes(s.serviceInstances.get(b.serviceInstanceGuid)?.offering ?? ''),
    },
    orderBy: {name: (b: BindingRec) => b.name ?? ''},
    include: bindingIncludes,
    extra: ['service_plan_guids', 'service_offering_guids'],
  }
  r.get('/v3/service_credential_bindings', (ctx) => {
    const apps = ctx.query.list('app_guids')
    const rows = apps ? apps.flatMap((a) => s.bindings.by('app', a)).sort((a, b) => a.seq - b.seq) : s.bindings.all()
    return list(ctx, rows, bindingSpec, (b) => presentBinding(f, b))
  })
  r.get('/v3/service_credential_bindings/:guid', (ctx) => {
    const b = find(s.bindings, ctx.params.guid, 'Service credential binding')
    const included = includedFor(ctx, bindingIncludes, b)
    return json(200, included ? {...presentBinding(f, b), included} : presentBinding(f, b))
  })
  // service_credential_binding_details_presenter.rb compacts nils away: a key binding has only
  // credentials, an app binding adds its syslog drain when there is one (no volume mounts here).
  r.get('/v3/service_credential_bindings/:guid/details', (ctx) => {
    const b = find(s.bindings, ctx.params.guid, 'Service credential binding')
    const lo = b.lastOperation
    if (lo.type !== 'create' || lo.state !== 'succeeded')
      throw notFoundWithMessage(`${lo.type === 'create' ? 'Creation' : 'Deletion'} of service ${b.type === 'key' ? 'key' : 'binding'} ${lo.state}`)
    const si = s.serviceInstances.get(b.serviceInstanceGuid)
    const drain = b.type === 'app' ? (si?.syslogDrainUrl ?? null) : null
    return json(200, {credentials: {...b.credentials}, ...(drain !== null ? {syslog_drain_url: drain} : {})})
  })
  r.get('/v3/service_credential_bindings/:guid/parameters', (ctx) => {
    const b = find(s.bindings, ctx.params.guid, 'Service credential binding')
    if (s.serviceInstances.get(b.serviceInstanceGuid)?.type === 'user-provided')
      throw unprocessable('This service does not support fetching service binding parameters.')
    return json(200, {...b.parameters})
  })
  r.post('/v3/service_credential_bindings', (ctx) => {
    const raw = parseJson(ctx.body)
    check(serviceCredentialBindingCreateMessages(raw))
    const type = raw.type as 'app' | 'key'
    const binding = createBinding(
      f,
      {
        type,
        name: (raw.name ?? null) as string | null,
        appGuid: dig(raw.relationships, 'app', 'data', 'guid') as string | undefined,
        serviceInstanceGuid: dig(raw.relationships, 'service_instance', 'data', 'guid') as string,
        parameters: 'parameters' in raw ? ((raw.parameters ?? {}) as Obj) : undefined,
      },
      newMetadata(raw.metadata),
    )
    if (binding.lastOperation.state === 'succeeded') return json(201, presentBinding(f, binding))
    return enqueueJob(f, 'service_bindings.create', {name: 'service_credential_binding', path: `/v3/service_credential_bindings/${binding.guid}`}, () => {
      binding.lastOperation = {...binding.lastOperation, state: 'succeeded', updatedAt: f.now()}
    })
  })
  r.patch('/v3/service_credential_bindings/:guid', (ctx) => {
    const b = find(s.bindings, ctx.params.guid, 'Service credential binding')
    const raw = parseJson(ctx.body)
    check(metadataUpdateMessage(raw))
    applyMetadata(b, raw.metadata, f.now())
    return json(200, presentBinding(f, b))
  })
  r.delete('/v3/service_credential_bindings/:guid', (ctx) => {
    const b = find(s.bindings, ctx.params.guid, 'Service credential binding')
    if (s.serviceInstances.get(b.serviceInstanceGuid)?.type !== 'managed') {
      s.bindings.delete(b.guid)
      return noContent()
    }
    b.lastOperation = {...b.lastOperation, type: 'delete', state: 'in progress', updatedAt: f.now()}
    return enqueueJob(f, 'service_bindings.delete', {name: 'service_credential_binding', path: `/v3/service_credential_bindings/${b.guid}`}, () => {
      s.bindings.delete(b.guid)
    })
  })
}
