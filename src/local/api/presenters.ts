/**
 * Presenters: records → the JSON shapes of ../shared/capi/examples/. Each is typed with the
 * response type of cfzd's own client (src/capi/resources), so the server cannot drift from what
 * the client parses; `Presented<T>` allows the extra keys Cloud Controller sends that the client
 * does not read.
 */
import type {App} from '../../capi/resources/apps.js'
import type {Build} from '../../capi/resources/builds.js'
import type {Buildpack} from '../../capi/resources/buildpacks.js'
import type {Deployment} from '../../capi/resources/deployments.js'
import type {Destination, Route} from '../../capi/resources/routes.js'
import type {Domain} from '../../capi/resources/domains.js'
import type {Droplet} from '../../capi/resources/droplets.js'
import type {Job} from '../../capi/resources/jobs.js'
import type {Organization} from '../../capi/resources/organizations.js'
import type {Package} from '../../capi/resources/packages.js'
import type {Process} from '../../capi/resources/processes.js'
import {REDACTED_IN_LISTS} from '../../capi/resources/processes.js'
import type {OrganizationQuota, SpaceQuota} from '../../capi/resources/quotas.js'
import type {Revision} from '../../capi/resources/revisions.js'
import type {ServiceCredentialBinding} from '../../capi/resources/service-credential-bindings.js'
import type {Space} from '../../capi/resources/spaces.js'
import type {Stack} from '../../capi/resources/stacks.js'
import {isCancelable, isContinuable} from '../actions/deployments.js'
import type {Foundation} from '../foundation.js'
import type {
  AppRec,
  AuditEventRec,
  BindingRec,
  BuildpackRec,
  BuildRec,
  DeploymentRec,
  DestinationRec,
  DomainRec,
  DropletRec,
  HealthCheckRec,
  JobRec,
  OrgQuotaRec,
  OrgRec,
  PackageRec,
  ProcessRec,
  RevisionRec,
  RouteRec,
  ServiceInstanceRec,
  SpaceQuotaRec,
  SpaceRec,
  StackRec,
} from '../state.js'
import {iso} from '../util.js'

export type Presented<T> = T & Record<string, unknown>

const link = (f: Foundation, path: string, method?: string) => (method ? {href: `${f.settings.apiUrl}${path}`, method} : {href: `${f.settings.apiUrl}${path}`})
const meta = (m: {labels: Record<string, string>; annotations: Record<string, string>}) => ({labels: {...m.labels}, annotations: {...m.annotations}})
const times = (r: {createdAt: number; updatedAt: number}) => ({created_at: iso(r.createdAt), updated_at: iso(r.updatedAt)})

export function presentOrg(f: Foundation, o: OrgRec): Presented<Organization> {
  return {
    guid: o.guid,
    ...times(o),
    name: o.name,
    suspended: o.suspended,
    relationships: {quota: {data: o.quotaGuid ? {guid: o.quotaGuid} : null}},
    links: {
      self: link(f, `/v3/organizations/${o.guid}`),
      domains: link(f, `/v3/organizations/${o.guid}/domains`),
      default_domain: link(f, `/v3/organizations/${o.guid}/domains/default`),
      ...(o.quotaGuid ? {quota: link(f, `/v3/organization_quotas/${o.quotaGuid}`)} : {}),
    },
    metadata: meta(o.metadata),
  }
}

export function presentSpace(f: Foundation, s: SpaceRec): Presented<Space> {
  return {
    guid: s.guid,
    ...times(s),
    name: s.name,
    suspended: false,
    relationships: {organization: {data: {guid: s.orgGuid}}, quota: {data: s.quotaGuid ? {guid: s.quotaGuid} : null}},
    links: {
      self: link(f, `/v3/spaces/${s.guid}`),
      features: link(f, `/v3/spaces/${s.guid}/features`),
      organization: link(f, `/v3/organizations/${s.orgGuid}`),
      ...(s.quotaGuid ? {quota: link(f, `/v3/space_quotas/${s.quotaGuid}`)} : {}),
      apply_manifest: link(f, `/v3/spaces/${s.guid}/actions/apply_manifest`, 'POST'),
    },
    metadata: meta(s.metadata),
  }
}

function appsLimits(q: OrgQuotaRec | SpaceQuotaRec) {
  return {
    total_memory_in_mb: q.totalMemoryInMb,
    per_process_memory_in_mb: q.perProcessMemoryInMb,
    log_rate_limit_in_bytes_per_second: q.logRateLimitInBytesPerSecond,
    total_instances: q.totalInstances,
    per_app_tasks: q.perAppTasks,
  }
}

export function presentOrgQuota(f: Foundation, q: OrgQuotaRec): Presented<OrganizationQuota> {
  return {
    guid: q.guid,
    ...times(q),
    name: q.name,
    apps: appsLimits(q),
    services: {paid_services_allowed: true, total_service_instances: q.totalServiceInstances, total_service_keys: null},
    routes: {total_routes: q.totalRoutes, total_reserved_ports: null},
    domains: {total_domains: null},
    relationships: {organizations: {data: f.store.orgs.all().filter((o) => o.quotaGuid === q.guid).map((o) => ({guid: o.guid}))}},
    links: {self: link(f, `/v3/organization_quotas/${q.guid}`)},
  }
}

export function presentSpaceQuota(f: Foundation, q: SpaceQuotaRec): Presented<SpaceQuota> {
  return {
    guid: q.guid,
    ...times(q),
    name: q.name,
    apps: appsLimits(q),
    services: {paid_services_allowed: true, total_service_instances: q.totalServiceInstances, total_service_keys: null},
    routes: {total_routes: q.totalRoutes, total_reserved_ports: null},
    relationships: {
      organization: {data: {guid: q.orgGuid}},
      spaces: {data: f.store.spaces.by('org', q.orgGuid).filter((s) => s.quotaGuid === q.guid).map((s) => ({guid: s.guid}))},
    },
    links: {self: link(f, `/v3/space_quotas/${q.guid}`), organization: link(f, `/v3/organizations/${q.orgGuid}`)},
  }
}

function lifecycleOf(l: AppRec['lifecycle']) {
  return l.type === 'docker' ? {type: 'docker', data: {}} : {type: l.type, data: {buildpacks: [...l.buildpacks], stack: l.stack}}
}

export function presentApp(f: Foundation, a: AppRec): Presented<App> {
  const base = `/v3/apps/${a.guid}`
  return {
    guid: a.guid,
    name: a.name,
    state: a.state,
    ...times(a),
    lifecycle: lifecycleOf(a.lifecycle),
    relationships: {space: {data: {guid: a.spaceGuid}}, current_droplet: {data: a.currentDropletGuid ? {guid: a.currentDropletGuid} : null}},
    links: {
      self: link(f, base),
      space: link(f, `/v3/spaces/${a.spaceGuid}`),
      processes: link(f, `${base}/processes`),
      packages: link(f, `${base}/packages`),
      environment_variables: link(f, `${base}/environment_variables`),
      current_droplet: link(f, `${base}/droplets/current`),
      droplets: link(f, `${base}/droplets`),
      tasks: link(f, `${base}/tasks`),
      start: link(f, `${base}/actions/start`, 'POST'),
      stop: link(f, `${base}/actions/stop`, 'POST'),
      revisions: link(f, `${base}/revisions`),
      deployed_revisions: link(f, `${base}/revisions/deployed`),
      features: link(f, `${base}/features`),
    },
    metadata: meta(a.metadata),
  }
}

function healthCheckData(h: HealthCheckRec, readiness: boolean) {
  const data: Record<string, unknown> = readiness ? {invocation_timeout: h.invocationTimeout, interval: h.interval} : {timeout: h.timeout, invocation_timeout: h.invocationTimeout, interval: h.interval}
  if (h.type === 'http') data.endpoint = h.endpoint
  return {type: h.type, data}
}

/** The command shown: the user's, else the droplet's detected one (specified_or_detected_command). */
export function processCommand(f: Foundation, p: ProcessRec): string | null {
  if (p.command !== null) return p.command
  const app = f.store.apps.get(p.appGuid)
  const droplet = f.store.droplets.get(p.dropletGuid ?? app?.currentDropletGuid)
  return droplet?.processTypes?.[p.type] ?? null
}

export function presentProcess(f: Foundation, p: ProcessRec, opts: {inList?: boolean; embedInstances?: boolean} = {}): Presented<Process> {
  const app = f.store.apps.get(p.appGuid)
  const out: Presented<Process> = {
    guid: p.guid,
    type: p.type,
    command: opts.inList ? REDACTED_IN_LISTS : processCommand(f, p),
    user: p.user,
    instances: p.instances,
    memory_in_mb: p.memoryInMb,
    disk_in_mb: p.diskInMb,
    log_rate_limit_in_bytes_per_second: p.logRateLimitInBytesPerSecond,
    health_check: healthCheckData(p.healthCheck, false),
    readiness_health_check: healthCheckData(p.readinessCheck, true),
    relationships: {app: {data: {guid: p.appGuid}}, revision: p.revisionGuid ? {data: {guid: p.revisionGuid}} : null},
    metadata: meta(p.metadata),
    ...times(p),
    version: p.version,
    links: {
      self: link(f, `/v3/processes/${p.guid}`),
      scale: link(f, `/v3/processes/${p.guid}/actions/scale`, 'POST'),
      app: link(f, `/v3/apps/${p.appGuid}`),
      space: link(f, `/v3/spaces/${app?.spaceGuid ?? ''}`),
      stats: link(f, `/v3/processes/${p.guid}/stats`),
      process_instances: link(f, `/v3/processes/${p.guid}/process_instances`),
    },
  } as Presented<Process>
  if (opts.embedInstances) out.process_instances = f.runtime.processInstances(p)
  return out
}

export function presentPackage(f: Foundation, p: PackageRec): Presented<Package> {
  const bits = p.type === 'bits'
  return {
    guid: p.guid,
    type: p.type,
    data: bits ? {checksum: {type: 'sha256', value: p.checksum}, error: p.error} : {image: p.image ?? '', username: p.username, password: p.password ? '***' : null},
    state: p.state,
    ...times(p),
    relationships: {app: {data: {guid: p.appGuid}}},
    links: {
      self: link(f, `/v3/packages/${p.guid}`),
      ...(bits ? {upload: link(f, `/v3/packages/${p.guid}/upload`, 'POST'), download: link(f, `/v3/packages/${p.guid}/download`, 'GET')} : {}),
      app: link(f, `/v3/apps/${p.appGuid}`),
    },
    metadata: meta(p.metadata),
  }
}

export function presentBuild(f: Foundation, b: BuildRec): Presented<Build> {
  return {
    guid: b.guid,
    ...times(b),
    created_by: {...b.createdBy},
    state: b.state,
    staging_memory_in_mb: b.stagingMemoryInMb,
    staging_disk_in_mb: b.stagingDiskInMb,
    staging_log_rate_limit_bytes_per_second: b.stagingLogRateLimit,
    error: b.error,
    lifecycle: lifecycleOf(b.lifecycle),
    package: {guid: b.packageGuid},
    droplet: b.dropletGuid ? {guid: b.dropletGuid} : null,
    relationships: {app: {data: {guid: b.appGuid}}},
    metadata: meta(b.metadata),
    links: {
      self: link(f, `/v3/builds/${b.guid}`),
      app: link(f, `/v3/apps/${b.appGuid}`),
      ...(b.dropletGuid ? {droplet: link(f, `/v3/droplets/${b.dropletGuid}`)} : {}),
    },
  }
}

export function presentDroplet(f: Foundation, d: DropletRec, opts: {inList?: boolean} = {}): Presented<Droplet> {
  const buildpack = d.lifecycleType !== 'docker'
  return {
    guid: d.guid,
    state: d.state,
    error: d.error,
    lifecycle: {type: d.lifecycleType, data: {}},
    execution_metadata: opts.inList ? REDACTED_IN_LISTS : d.executionMetadata,
    process_types: (opts.inList ? {redacted_message: REDACTED_IN_LISTS} : d.processTypes ? {...d.processTypes} : null) as Record<string, string> | null,
    // A COPYING droplet has nothing yet; other buildpack droplets show their (maybe empty) receipt.
    checksum: buildpack && d.state !== 'COPYING' ? {type: 'sha256', value: d.checksum} : null,
    buildpacks: buildpack && d.state !== 'COPYING' ? (d.buildpacks ?? []).map((b) => ({...b})) : null,
    stack: buildpack && d.state !== 'COPYING' ? d.stack : null,
    image: d.image,
    ...times(d),
    relationships: {app: {data: {guid: d.appGuid}}},
    links: {
      self: link(f, `/v3/droplets/${d.guid}`),
      ...(d.packageGuid ? {package: link(f, `/v3/packages/${d.packageGuid}`)} : {}),
      app: link(f, `/v3/apps/${d.appGuid}`),
      assign_current_droplet: link(f, `/v3/apps/${d.appGuid}/relationships/current_droplet`, 'PATCH'),
      ...(buildpack && d.state === 'STAGED' ? {download: link(f, `/v3/droplets/${d.guid}/download`)} : {}),
      ...(d.state === 'AWAITING_UPLOAD' ? {upload: link(f, `/v3/droplets/${d.guid}/upload`, 'POST')} : {}),
    },
    metadata: meta(d.metadata),
  }
}

export function presentDeployment(f: Foundation, d: DeploymentRec): Presented<Deployment> {
  const app = f.store.apps.get(d.appGuid)
  const options: Record<string, unknown> = {max_in_flight: d.maxInFlight}
  if (d.webInstances !== null) options.web_instances = d.webInstances
  if (d.memoryInMb !== null) options.memory_in_mb = d.memoryInMb
  if (d.diskInMb !== null) options.disk_in_mb = d.diskInMb
  if (d.logRateLimitInBytesPerSecond !== null) options.log_rate_limit_in_bytes_per_second = d.logRateLimitInBytesPerSecond
  if (d.strategy === 'canary' && d.canarySteps) options.canary = {steps: d.canarySteps.map((s) => ({...s}))}
  const details: Record<string, string | null> = {last_successful_healthcheck: iso(d.lastHealthyAt), last_status_change: iso(d.statusUpdatedAt)}
  if (d.error) details.error = d.error
  const status: Presented<Deployment>['status'] = {value: d.statusValue, reason: d.statusReason, details}
  if (d.strategy === 'canary') status.canary = {steps: {current: d.canaryCurrentStep ?? 1, total: d.canarySteps?.length ?? 1}}
  return {
    guid: d.guid,
    ...times(d),
    status,
    strategy: d.strategy,
    options: options as Presented<Deployment>['options'],
    droplet: {guid: d.dropletGuid ?? ''},
    previous_droplet: {guid: d.previousDropletGuid ?? ''},
    new_processes: d.newProcesses.map((p) => ({...p})),
    revision: app?.features.revisions && d.revisionGuid ? {guid: d.revisionGuid, version: d.revisionVersion ?? 1} : null,
    relationships: {app: {data: {guid: d.appGuid}}},
    metadata: meta(d.metadata),
    links: {
      self: link(f, `/v3/deployments/${d.guid}`),
      app: link(f, `/v3/apps/${d.appGuid}`),
      ...(isCancelable(d) ? {cancel: link(f, `/v3/deployments/${d.guid}/actions/cancel`, 'POST')} : {}),
      ...(isContinuable(d) ? {continue: link(f, `/v3/deployments/${d.guid}/actions/continue`, 'POST')} : {}),
    },
  }
}

export function presentRevision(f: Foundation, r: RevisionRec): Presented<Revision> {
  const processes: Record<string, {command: string | null}> = {}
  for (const [type, command] of Object.entries(r.processCommands)) processes[type] = {command}
  return {
    guid: r.guid,
    version: r.version,
    droplet: r.dropletGuid ? {guid: r.dropletGuid} : null,
    processes,
    sidecars: [],
    description: r.description,
    deployable: !!f.store.droplets.get(r.dropletGuid),
    relationships: {app: {data: {guid: r.appGuid}}},
    ...times(r),
    metadata: meta(r.metadata),
    links: {
      self: link(f, `/v3/revisions/${r.guid}`),
      app: link(f, `/v3/apps/${r.appGuid}`),
      environment_variables: link(f, `/v3/revisions/${r.guid}/environment_variables`),
    },
  }
}

export function routeUrl(f: Foundation, r: RouteRec): string {
  const domain = f.store.domains.get(r.domainGuid)?.name ?? ''
  if (r.protocol === 'tcp') return `${domain}:${r.port}`
  return `${r.host ? `${r.host}.` : ''}${domain}${r.path}`
}

export function presentDestination(d: DestinationRec, opts: {withTimes?: boolean} = {withTimes: true}): Presented<Destination> {
  return {
    guid: d.guid,
    app: {guid: d.appGuid, process: {type: d.processType}},
    weight: d.weight,
    port: d.port,
    protocol: d.protocol,
    ...(opts.withTimes ? times(d) : {}),
  }
}

export function presentRoute(f: Foundation, r: RouteRec): Presented<Route> {
  return {
    guid: r.guid,
    protocol: r.protocol,
    port: r.port,
    ...times(r),
    host: r.host,
    path: r.path,
    url: routeUrl(f, r),
    destinations: r.destinations.map((d) => presentDestination(d)),
    options: {...r.options},
    metadata: meta(r.metadata),
    relationships: {space: {data: {guid: r.spaceGuid}}, domain: {data: {guid: r.domainGuid}}},
    links: {
      self: link(f, `/v3/routes/${r.guid}`),
      space: link(f, `/v3/spaces/${r.spaceGuid}`),
      domain: link(f, `/v3/domains/${r.domainGuid}`),
      destinations: link(f, `/v3/routes/${r.guid}/destinations`),
    },
  }
}

export function presentDestinations(f: Foundation, r: RouteRec) {
  return {
    destinations: r.destinations.map((d) => presentDestination(d)),
    links: {self: link(f, `/v3/routes/${r.guid}/destinations`), route: link(f, `/v3/routes/${r.guid}`)},
  }
}

export function presentDomain(f: Foundation, d: DomainRec): Presented<Domain> {
  return {
    guid: d.guid,
    ...times(d),
    name: d.name,
    internal: d.internal,
    router_group: null,
    supported_protocols: ['http'],
    metadata: meta(d.metadata),
    relationships: {organization: {data: d.orgGuid ? {guid: d.orgGuid} : null}, shared_organizations: {data: []}},
    links: {
      self: link(f, `/v3/domains/${d.guid}`),
      ...(d.orgGuid ? {organization: link(f, `/v3/organizations/${d.orgGuid}`)} : {}),
      route_reservations: link(f, `/v3/domains/${d.guid}/route_reservations`),
      shared_organizations: link(f, `/v3/domains/${d.guid}/relationships/shared_organizations`),
    },
  }
}

export function presentBuildpack(f: Foundation, b: BuildpackRec): Presented<Buildpack> {
  return {
    guid: b.guid,
    ...times(b),
    name: b.name,
    state: 'READY',
    filename: `${b.name}-v${b.version}.zip`,
    stack: b.stack,
    position: b.position,
    lifecycle: 'buildpack',
    enabled: b.enabled,
    locked: b.locked,
    metadata: meta(b.metadata),
    links: {self: link(f, `/v3/buildpacks/${b.guid}`), upload: link(f, `/v3/buildpacks/${b.guid}/upload`, 'POST')},
  }
}

export function presentStack(f: Foundation, s: StackRec): Presented<Stack> {
  return {
    guid: s.guid,
    ...times(s),
    name: s.name,
    description: s.description,
    state: s.state,
    state_reason: null,
    build_rootfs_image: s.name,
    run_rootfs_image: s.name,
    default: s.isDefault,
    metadata: meta(s.metadata),
    links: {self: link(f, `/v3/stacks/${s.guid}`)},
  }
}

export function presentServiceInstance(f: Foundation, s: ServiceInstanceRec): Record<string, unknown> {
  const managed = s.type === 'managed'
  return {
    guid: s.guid,
    ...times(s),
    name: s.name,
    type: s.type,
    tags: [...s.tags],
    ...(managed
      ? {maintenance_info: {}, upgrade_available: false, dashboard_url: null}
      : {syslog_drain_url: s.syslogDrainUrl, route_service_url: s.routeServiceUrl}),
    last_operation: {type: 'create', state: 'succeeded', description: 'Operation succeeded', ...times(s)},
    relationships: {space: {data: {guid: s.spaceGuid}}, ...(managed ? {service_plan: {data: {guid: `plan-${s.plan ?? 'default'}`}}} : {})},
    metadata: meta(s.metadata),
    links: {
      self: link(f, `/v3/service_instances/${s.guid}`),
      space: link(f, `/v3/spaces/${s.spaceGuid}`),
      service_credential_bindings: link(f, `/v3/service_credential_bindings?service_instance_guids=${s.guid}`),
      service_route_bindings: link(f, `/v3/service_route_bindings?service_instance_guids=${s.guid}`),
      ...(managed ? {} : {credentials: link(f, `/v3/service_instances/${s.guid}/credentials`)}),
    },
  }
}

export function presentBinding(f: Foundation, b: BindingRec, opts: {inList?: boolean} = {}): Presented<ServiceCredentialBinding> {
  const lo = b.lastOperation
  return {
    guid: b.guid,
    ...times(b),
    name: b.name,
    type: b.type,
    last_operation: {type: lo.type, state: lo.state, description: lo.description, created_at: iso(lo.createdAt), updated_at: iso(lo.updatedAt)},
    metadata: meta(b.metadata),
    relationships: {
      ...(b.appGuid ? {app: {data: {guid: b.appGuid}}} : {}),
      service_instance: {data: {guid: b.serviceInstanceGuid}},
    },
    links: {
      self: link(f, `/v3/service_credential_bindings/${b.guid}`),
      details: link(f, `/v3/service_credential_bindings/${b.guid}/details`),
      ...(opts.inList ? {} : {parameters: link(f, `/v3/service_credential_bindings/${b.guid}/parameters`)}),
      service_instance: link(f, `/v3/service_instances/${b.serviceInstanceGuid}`),
      ...(b.appGuid ? {app: link(f, `/v3/apps/${b.appGuid}`)} : {}),
    },
  }
}

export function presentJob(f: Foundation, j: JobRec): Presented<Job> {
  // The target is linked while it still exists: during the job, and afterwards unless it was deleted.
  const linkTarget = j.resource && (j.state === 'PROCESSING' || !j.operation.endsWith('.delete'))
  return {
    guid: j.guid,
    ...times(j),
    operation: j.operation,
    state: j.state,
    links: {
      self: link(f, `/v3/jobs/${j.guid}`),
      ...(j.resource && linkTarget ? {[j.resource.name]: link(f, j.resource.path)} : {}),
    },
    errors: j.errors.map((e) => ({...e})),
    warnings: j.warnings.map((w) => ({...w})),
  }
}

export function presentAuditEvent(f: Foundation, e: AuditEventRec): Record<string, unknown> {
  return {
    guid: e.guid,
    ...times(e),
    type: e.type,
    actor: {...e.actor},
    target: {...e.target},
    data: e.data,
    space: e.spaceGuid ? {guid: e.spaceGuid} : null,
    organization: e.orgGuid ? {guid: e.orgGuid} : null,
    links: {self: link(f, `/v3/audit_events/${e.guid}`)},
  }
}
