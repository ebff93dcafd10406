/**
 * Presenters: records → the JSON Cloud Controller renders, key for key, following
 * app/presenters/v3/*.rb (each function names its presenter). Keys come in the presenter's order
 * and are always present where the presenter always emits them, null included (an app without a
 * droplet has `current_droplet: {data: {guid: null}}`). The return types are the CAPI types of
 * src/capi/resources, loosened by `Presented<T>` for the keys the client does not read.
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
import type {OrganizationQuota, SpaceQuota} from '../../capi/resources/quotas.js'
import type {Revision} from '../../capi/resources/revisions.js'
import type {Sidecar} from '../../capi/resources/sidecars.js'
import type {ServiceCredentialBinding} from '../../capi/resources/service-credential-bindings.js'
import type {Space} from '../../capi/resources/spaces.js'
import type {Stack} from '../../capi/resources/stacks.js'
import {isCancelable, isContinuable} from '../actions/deployments.js'
import type {Foundation} from '../kernel.js'
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
  SidecarRec,
  SpaceQuotaRec,
  SpaceRec,
  StackRec,
} from '../state.js'
import {iso} from '../util.js'

export type Presented<T> = T & Record<string, unknown>

/** Censorship::PRIVATE_DATA_HIDDEN_LIST: secrets in lists (paginated_list_presenter.rb). */
export const PRIVATE_DATA_HIDDEN_LIST = '[PRIVATE DATA HIDDEN IN LISTS]'
/** Censorship::REDACTED_CREDENTIAL. */
export const REDACTED_CREDENTIAL = '***'

const link = (f: Foundation, path: string, method?: string) => (method ? {href: `${f.settings.apiUrl}${path}`, method} : {href: `${f.settings.apiUrl}${path}`})
const meta = (m: {labels: Record<string, string>; annotations: Record<string, string>}) => ({labels: {...m.labels}, annotations: {...m.annotations}})
const times = (r: {createdAt: number; updatedAt: number}) => ({created_at: iso(r.createdAt), updated_at: iso(r.updatedAt)})

/** organization_presenter.rb (every org has a quota definition; the seed gives one). */
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

/** space_presenter.rb. */
export function presentSpace(f: Foundation, s: SpaceRec): Presented<Space> {
  return {
    guid: s.guid,
    ...times(s),
    name: s.name,
    suspended: false,
    relationships: {organization: {data: {guid: s.orgGuid}}, quota: {data: s.quotaGuid ? {guid: s.quotaGuid} : null}},
    links: {
      self: link(f, `/v3/spaces/${s.guid}`),
      organization: link(f, `/v3/organizations/${s.orgGuid}`),
      features: link(f, `/v3/spaces/${s.guid}/features`),
      apply_manifest: link(f, `/v3/spaces/${s.guid}/actions/apply_manifest`, 'POST'),
      ...(s.quotaGuid ? {quota: link(f, `/v3/space_quotas/${s.quotaGuid}`)} : {}),
    },
    metadata: meta(s.metadata),
  }
}

/** The `apps` limits of organization_quota_presenter.rb and space_quota_presenter.rb (unlimited is null). */
function appsLimits(q: OrgQuotaRec | SpaceQuotaRec) {
  return {
    total_memory_in_mb: q.totalMemoryInMb,
    per_process_memory_in_mb: q.perProcessMemoryInMb,
    total_instances: q.totalInstances,
    per_app_tasks: q.perAppTasks,
    log_rate_limit_in_bytes_per_second: q.logRateLimitInBytesPerSecond,
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
    relationships: {
      organizations: {
        data: f.store.orgs
          .all()
          .filter((o) => o.quotaGuid === q.guid)
          .map((o) => ({guid: o.guid})),
      },
    },
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
      spaces: {
        data: f.store.spaces
          .by('org', q.orgGuid)
          .filter((s) => s.quotaGuid === q.guid)
          .map((s) => ({guid: s.guid})),
      },
    },
    links: {self: link(f, `/v3/space_quotas/${q.guid}`), organization: link(f, `/v3/organizations/${q.orgGuid}`)},
  }
}

/** lifecycle_data.to_hash: {buildpacks, stack} (buildpack_lifecycle_data_model.rb), {} for docker. */
function lifecycleOf(l: AppRec['lifecycle']) {
  return l.type === 'docker' ? {type: 'docker', data: {}} : {type: l.type, data: {buildpacks: [...l.buildpacks], stack: l.stack}}
}

/** app_presenter.rb: `current_droplet.data` is always an object, {guid: null} before a droplet is assigned. */
export function presentApp(f: Foundation, a: AppRec): Presented<App> {
  const base = `/v3/apps/${a.guid}`
  return {
    guid: a.guid,
    ...times(a),
    name: a.name,
    state: a.state,
    lifecycle: lifecycleOf(a.lifecycle),
    relationships: {space: {data: {guid: a.spaceGuid}}, current_droplet: {data: {guid: a.currentDropletGuid}}},
    metadata: meta(a.metadata),
    links: {
      self: link(f, base),
      environment_variables: link(f, `${base}/environment_variables`),
      space: link(f, `/v3/spaces/${a.spaceGuid}`),
      processes: link(f, `${base}/processes`),
      packages: link(f, `${base}/packages`),
      current_droplet: link(f, `${base}/droplets/current`),
      droplets: link(f, `${base}/droplets`),
      tasks: link(f, `${base}/tasks`),
      start: link(f, `${base}/actions/start`, 'POST'),
      stop: link(f, `${base}/actions/stop`, 'POST'),
      clear_buildpack_cache: link(f, `${base}/actions/clear_buildpack_cache`, 'POST'),
      revisions: link(f, `${base}/revisions`),
      deployed_revisions: link(f, `${base}/revisions/deployed`),
      features: link(f, `${base}/features`),
    },
  } as Presented<App>
}

function healthCheckData(h: HealthCheckRec, readiness: boolean) {
  const data: Record<string, unknown> = readiness
    ? {invocation_timeout: h.invocationTimeout, interval: h.interval}
    : {timeout: h.timeout, invocation_timeout: h.invocationTimeout, interval: h.interval}
  if (h.type === 'http') data.endpoint = h.endpoint
  return {type: h.type, data}
}

/** process_model.rb#specified_or_detected_command: the user's command, else the droplet's, else "". */
export function processCommand(f: Foundation, p: ProcessRec): string {
  if (p.command) return p.command
  const app = f.store.apps.get(p.appGuid)
  const droplet = f.store.droplets.get(p.dropletGuid ?? app?.currentDropletGuid)
  return droplet?.processTypes?.[p.type] ?? ''
}

/**
 * process_presenter.rb. In lists the command is redacted; with embed=process_instances the
 * instances come just before `relationships` (embed_process_instances_decorator.rb).
 */
export function presentProcess(f: Foundation, p: ProcessRec, opts: {inList?: boolean; embedInstances?: boolean} = {}): Presented<Process> {
  const app = f.store.apps.get(p.appGuid)
  const out: Record<string, unknown> = {
    guid: p.guid,
    ...times(p),
    version: p.version,
    type: p.type,
    command: opts.inList ? PRIVATE_DATA_HIDDEN_LIST : processCommand(f, p),
    user: p.user,
    instances: p.instances,
    memory_in_mb: p.memoryInMb,
    disk_in_mb: p.diskInMb,
    log_rate_limit_in_bytes_per_second: p.logRateLimitInBytesPerSecond,
    health_check: healthCheckData(p.healthCheck, false),
    readiness_health_check: healthCheckData(p.readinessCheck, true),
    ...(opts.embedInstances ? {process_instances: f.runtime.processInstances(p)} : {}),
    relationships: {app: {data: {guid: p.appGuid}}, revision: p.revisionGuid ? {data: {guid: p.revisionGuid}} : null},
    metadata: meta(p.metadata),
    links: {
      self: link(f, `/v3/processes/${p.guid}`),
      scale: link(f, `/v3/processes/${p.guid}/actions/scale`, 'POST'),
      app: link(f, `/v3/apps/${p.appGuid}`),
      space: link(f, `/v3/spaces/${app?.spaceGuid ?? ''}`),
      stats: link(f, `/v3/processes/${p.guid}/stats`),
      process_instances: link(f, `/v3/processes/${p.guid}/process_instances`),
    },
  }
  return out as Presented<Process>
}

/** package_presenter.rb: a docker password shows as "***" only when there is a username. */
export function presentPackage(f: Foundation, p: PackageRec): Presented<Package> {
  const bits = p.type === 'bits'
  return {
    guid: p.guid,
    ...times(p),
    type: p.type,
    data: bits
      ? {error: p.error, checksum: {type: 'sha256', value: p.checksum}}
      : {image: p.image ?? '', username: p.username, password: p.username ? REDACTED_CREDENTIAL : null},
    state: p.state,
    relationships: {app: {data: {guid: p.appGuid}}},
    metadata: meta(p.metadata),
    links: {
      self: link(f, `/v3/packages/${p.guid}`),
      ...(bits ? {upload: link(f, `/v3/packages/${p.guid}/upload`, 'POST'), download: link(f, `/v3/packages/${p.guid}/download`)} : {}),
      app: link(f, `/v3/apps/${p.appGuid}`),
    },
  } as Presented<Package>
}

/** build_presenter.rb: `droplet` is null until the build's droplet is in a final state. */
export function presentBuild(f: Foundation, b: BuildRec): Presented<Build> {
  return {
    guid: b.guid,
    ...times(b),
    state: b.state,
    staging_memory_in_mb: b.stagingMemoryInMb,
    staging_disk_in_mb: b.stagingDiskInMb,
    staging_log_rate_limit_bytes_per_second: b.stagingLogRateLimit,
    error: b.error,
    lifecycle: lifecycleOf(b.lifecycle),
    package: {guid: b.packageGuid},
    droplet: b.dropletGuid ? {guid: b.dropletGuid} : null,
    created_by: {...b.createdBy},
    relationships: {app: {data: {guid: b.appGuid}}},
    metadata: meta(b.metadata),
    links: {
      self: link(f, `/v3/builds/${b.guid}`),
      app: link(f, `/v3/apps/${b.appGuid}`),
      ...(b.dropletGuid ? {droplet: link(f, `/v3/droplets/${b.dropletGuid}`)} : {}),
    },
  }
}

/**
 * droplet_presenter.rb: checksum null until there is one; buildpacks and stack null for docker
 * droplets (a buildpack droplet made by POST /v3/droplets has no stack and no buildpacks yet);
 * execution_metadata and process_types redacted in lists.
 */
export function presentDroplet(f: Foundation, d: DropletRec, opts: {inList?: boolean} = {}): Presented<Droplet> {
  const buildpack = d.lifecycleType !== 'docker'
  return {
    guid: d.guid,
    ...times(d),
    state: d.state,
    error: d.error,
    lifecycle: {type: d.lifecycleType, data: {}},
    checksum: d.checksum ? {type: 'sha256', value: d.checksum} : null,
    buildpacks: buildpack
      ? (d.buildpacks ?? []).map((b) => ({name: b.name, detect_output: b.detect_output, buildpack_name: b.buildpack_name, version: b.version}))
      : null,
    stack: buildpack ? d.stack : null,
    image: d.image,
    execution_metadata: opts.inList ? PRIVATE_DATA_HIDDEN_LIST : d.executionMetadata,
    process_types: (opts.inList ? {redacted_message: PRIVATE_DATA_HIDDEN_LIST} : d.processTypes ? {...d.processTypes} : null) as Record<string, string> | null,
    relationships: {app: {data: {guid: d.appGuid}}},
    metadata: meta(d.metadata),
    links: {
      self: link(f, `/v3/droplets/${d.guid}`),
      app: link(f, `/v3/apps/${d.appGuid}`),
      assign_current_droplet: link(f, `/v3/apps/${d.appGuid}/relationships/current_droplet`, 'PATCH'),
      ...(d.packageGuid ? {package: link(f, `/v3/packages/${d.packageGuid}`)} : {}),
      ...(d.state === 'AWAITING_UPLOAD' ? {upload: link(f, `/v3/droplets/${d.guid}/upload`, 'POST')} : {}),
      ...(buildpack && d.state === 'STAGED' ? {download: link(f, `/v3/droplets/${d.guid}/download`)} : {}),
    },
  } as Presented<Droplet>
}

/** deployment_presenter.rb: droplet and previous_droplet are always objects, {guid: null} when there is none. */
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
    droplet: {guid: d.dropletGuid},
    previous_droplet: {guid: d.previousDropletGuid},
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
  } as Presented<Deployment>
}

/** revision_presenter.rb: `droplet` is always an object; deployable when the droplet exists and is STAGED. */
export function presentRevision(f: Foundation, r: RevisionRec): Presented<Revision> {
  const processes: Record<string, {command: string | null}> = {}
  for (const [type, command] of Object.entries(r.processCommands)) processes[type] = {command}
  const droplet = f.store.droplets.get(r.dropletGuid)
  return {
    guid: r.guid,
    version: r.version,
    droplet: {guid: r.dropletGuid},
    processes,
    sidecars: (r.sidecars ?? []).map((x) => ({name: x.name, command: x.command, memory_in_mb: x.memoryInMb, process_types: [...x.processTypes]})),
    description: r.description,
    relationships: {app: {data: {guid: r.appGuid}}},
    ...times(r),
    links: {
      self: link(f, `/v3/revisions/${r.guid}`),
      app: link(f, `/v3/apps/${r.appGuid}`),
      environment_variables: link(f, `/v3/revisions/${r.guid}/environment_variables`),
    },
    metadata: meta(r.metadata),
    deployable: !!droplet && droplet.state === 'STAGED',
  } as Presented<Revision>
}

/** sidecar_presenter.rb. */
export function presentSidecar(x: SidecarRec): Presented<Sidecar> {
  return {
    guid: x.guid,
    name: x.name,
    command: x.command,
    process_types: [...x.processTypes],
    memory_in_mb: x.memoryInMb,
    origin: x.origin,
    relationships: {app: {data: {guid: x.appGuid}}},
    ...times(x),
  } as Presented<Sidecar>
}

/** route_presenter.rb#build_url. */
export function routeUrl(f: Foundation, r: RouteRec): string {
  const domain = f.store.domains.get(r.domainGuid)?.name ?? ''
  if (r.port && r.port > 0) return `${domain}:${r.port}`
  return `${r.host ? `${r.host}.` : ''}${domain}${r.path}`
}

/** route_destination_presenter.rb#destination_hash; `links` for PATCH /v3/routes/:guid/destinations/:guid. */
export function presentDestination(d: DestinationRec): Presented<Destination> {
  return {
    guid: d.guid,
    app: {guid: d.appGuid, process: {type: d.processType}},
    weight: d.weight,
    port: d.port,
    protocol: d.protocol,
    ...times(d),
  } as Presented<Destination>
}

/** route_destinations_presenter.rb orders destinations by guid. */
const byGuid = (r: RouteRec) => [...r.destinations].sort((a, b) => (a.guid < b.guid ? -1 : a.guid > b.guid ? 1 : 0))

/** route_presenter.rb. */
export function presentRoute(f: Foundation, r: RouteRec): Presented<Route> {
  return {
    guid: r.guid,
    ...times(r),
    protocol: r.protocol,
    host: r.host,
    path: r.path,
    port: r.port,
    url: routeUrl(f, r),
    destinations: byGuid(r).map((d) => presentDestination(d)),
    options: {...r.options},
    metadata: meta(r.metadata),
    relationships: {space: {data: {guid: r.spaceGuid}}, domain: {data: {guid: r.domainGuid}}},
    links: {
      self: link(f, `/v3/routes/${r.guid}`),
      space: link(f, `/v3/spaces/${r.spaceGuid}`),
      destinations: link(f, `/v3/routes/${r.guid}/destinations`),
      domain: link(f, `/v3/domains/${r.domainGuid}`),
    },
  } as Presented<Route>
}

/** route_destinations_presenter.rb. */
export function presentDestinations(f: Foundation, r: RouteRec) {
  return {
    destinations: byGuid(r).map((d) => presentDestination(d)),
    links: {self: link(f, `/v3/routes/${r.guid}/destinations`), route: link(f, `/v3/routes/${r.guid}`)},
  }
}

/** domain_presenter.rb (no route policies: enforce_route_policies and route_policies_scope are left out). */
export function presentDomain(f: Foundation, d: DomainRec): Presented<Domain> {
  return {
    guid: d.guid,
    ...times(d),
    name: d.name,
    internal: d.internal,
    router_group: null,
    supported_protocols: ['http'],
    relationships: {organization: {data: d.orgGuid ? {guid: d.orgGuid} : null}, shared_organizations: {data: []}},
    metadata: meta(d.metadata),
    links: {
      self: link(f, `/v3/domains/${d.guid}`),
      route_reservations: link(f, `/v3/domains/${d.guid}/route_reservations`),
      ...(d.orgGuid
        ? {organization: link(f, `/v3/organizations/${d.orgGuid}`), shared_organizations: link(f, `/v3/domains/${d.guid}/relationships/shared_organizations`)}
        : {}),
    },
  } as Presented<Domain>
}

/** buildpack_presenter.rb. */
export function presentBuildpack(f: Foundation, b: BuildpackRec): Presented<Buildpack> {
  return {
    guid: b.guid,
    ...times(b),
    name: b.name,
    stack: b.stack,
    state: 'READY',
    lifecycle: 'buildpack',
    filename: `${b.name}-v${b.version}.zip`,
    position: b.position,
    enabled: b.enabled,
    locked: b.locked,
    metadata: meta(b.metadata),
    links: {self: link(f, `/v3/buildpacks/${b.guid}`), upload: link(f, `/v3/buildpacks/${b.guid}/upload`, 'POST')},
  }
}

/** stack_presenter.rb. */
export function presentStack(f: Foundation, s: StackRec): Presented<Stack> {
  return {
    guid: s.guid,
    ...times(s),
    name: s.name,
    description: s.description,
    state: s.state,
    state_reason: null,
    run_rootfs_image: s.name,
    build_rootfs_image: s.name,
    default: s.isDefault,
    metadata: meta(s.metadata),
    links: {self: link(f, `/v3/stacks/${s.guid}`)},
  }
}

/** service_instance_presenter.rb (relationships, metadata and links last, as its correct_order does). */
export function presentServiceInstance(f: Foundation, s: ServiceInstanceRec): Record<string, unknown> {
  const managed = s.type === 'managed'
  const plan = `plan-${s.plan ?? 'default'}`
  return {
    guid: s.guid,
    ...times(s),
    name: s.name,
    tags: [...s.tags],
    // A user-provided instance's operation is described (service_instance_create_user_provided.rb); the seeded managed ones' broker gave no description.
    last_operation: {
      type: 'create',
      state: 'succeeded',
      description: managed ? null : 'Operation succeeded',
      updated_at: iso(s.updatedAt),
      created_at: iso(s.createdAt),
    },
    ...(managed
      ? {type: 'managed', maintenance_info: {}, upgrade_available: false, dashboard_url: null}
      : {type: 'user-provided', syslog_drain_url: s.syslogDrainUrl, route_service_url: s.routeServiceUrl}),
    relationships: {space: {data: {guid: s.spaceGuid}}, ...(managed ? {service_plan: {data: {guid: plan}}} : {})},
    metadata: meta(s.metadata),
    links: {
      self: link(f, `/v3/service_instances/${s.guid}`),
      space: link(f, `/v3/spaces/${s.spaceGuid}`),
      service_credential_bindings: link(f, `/v3/service_credential_bindings?service_instance_guids=${s.guid}`),
      service_route_bindings: link(f, `/v3/service_route_bindings?service_instance_guids=${s.guid}`),
      ...(managed
        ? {
            service_plan: link(f, `/v3/service_plans/${plan}`),
            parameters: link(f, `/v3/service_instances/${s.guid}/parameters`),
            shared_spaces: link(f, `/v3/service_instances/${s.guid}/relationships/shared_spaces`),
          }
        : {credentials: link(f, `/v3/service_instances/${s.guid}/credentials`)}),
    },
  }
}

/**
 * service_credential_binding_presenter.rb: the parameters link unless the instance is
 * user-provided; the app relationship and link for app bindings.
 */
export function presentBinding(f: Foundation, b: BindingRec): Presented<ServiceCredentialBinding> {
  const lo = b.lastOperation
  const userProvided = f.store.serviceInstances.get(b.serviceInstanceGuid)?.type === 'user-provided'
  const self = `/v3/service_credential_bindings/${b.guid}`
  return {
    guid: b.guid,
    ...times(b),
    name: b.name,
    type: b.type,
    last_operation: {type: lo.type, state: lo.state, description: lo.description, updated_at: iso(lo.updatedAt), created_at: iso(lo.createdAt)},
    metadata: meta(b.metadata),
    relationships: {
      service_instance: {data: {guid: b.serviceInstanceGuid}},
      ...(b.appGuid ? {app: {data: {guid: b.appGuid}}} : {}),
    },
    links: {
      self: link(f, self),
      details: link(f, `${self}/details`),
      service_instance: link(f, `/v3/service_instances/${b.serviceInstanceGuid}`),
      ...(userProvided ? {} : {parameters: link(f, `${self}/parameters`)}),
      ...(b.appGuid ? {app: link(f, `/v3/apps/${b.appGuid}`)} : {}),
    },
  } as Presented<ServiceCredentialBinding>
}

/** job_presenter.rb: the target is linked while it exists; errors are dropped once COMPLETE. */
export function presentJob(f: Foundation, j: JobRec): Presented<Job> {
  // The target is linked while it still exists: during the job, and afterwards unless it was deleted.
  const linkTarget = j.resource && (j.state === 'PROCESSING' || !j.operation.endsWith('.delete'))
  return {
    guid: j.guid,
    ...times(j),
    operation: j.operation,
    state: j.state,
    errors: j.state === 'COMPLETE' ? [] : j.errors.map((e) => ({detail: e.detail, title: e.title, code: e.code})),
    warnings: j.warnings.map((w) => ({detail: w.detail})),
    links: {
      self: link(f, `/v3/jobs/${j.guid}`),
      ...(j.resource && linkTarget ? {[j.resource.name]: link(f, j.resource.path)} : {}),
    },
  } as Presented<Job>
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
