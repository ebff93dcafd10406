/**
 * GET / (runtime/root_controller.rb), GET /v3 (v3/root_controller.rb), GET /v3/info (with the
 * router URL in `custom`, info_presenter.rb) and GET /v3/info/usage_summary.
 */
import type {Foundation} from '../../kernel.js'
import {json, type Routes} from '../routes.js'

export const CC_VERSION = '3.228.0'

export function register(r: Routes, f: Foundation): void {
  const api = () => f.settings.apiUrl
  r.get('/', () =>
    json(200, {
      links: {
        self: {href: api()},
        cloud_controller_v2: {href: `${api()}/v2`, meta: {version: '2.264.0'}},
        cloud_controller_v3: {href: `${api()}/v3`, meta: {version: CC_VERSION}},
        network_policy_v0: {href: `${api()}/networking/v0/external`},
        network_policy_v1: {href: `${api()}/networking/v1/external`},
        login: {href: f.settings.uaaUrl},
        uaa: {href: f.settings.uaaUrl},
        credhub: null,
        routing: {href: `${api()}/routing`},
        logging: {href: `ws://127.0.0.1:${new URL(api()).port}/logging`},
        log_cache: {href: `${api()}/log-cache`},
        log_stream: {href: `${api()}/log-stream`},
        app_ssh: {href: '127.0.0.1:2222', meta: {host_key_fingerprint: 'cfzd-local-has-no-ssh', oauth_client: 'ssh-proxy'}},
      },
    }),
  )
  r.get('/v3', () => {
    const names = [
      'app_usage_events',
      'apps',
      'audit_events',
      'buildpacks',
      'builds',
      'deployments',
      'domains',
      'droplets',
      'environment_variable_groups',
      'feature_flags',
      'info',
      'isolation_segments',
      'organizations',
      'organization_quotas',
      'packages',
      'processes',
      'resource_matches',
      'roles',
      'routes',
      'security_groups',
      'service_brokers',
      'service_instances',
      'service_credential_bindings',
      'service_offerings',
      'service_plans',
      'service_route_bindings',
      'service_usage_events',
      'spaces',
      'space_quotas',
      'stacks',
      'tasks',
      'users',
    ]
    const links: Record<string, unknown> = {self: {href: `${api()}/v3`}}
    for (const n of names) links[n] = {href: `${api()}/v3/${n}`}
    return json(200, {links})
  })
  r.get('/v3/info', () =>
    json(200, {
      build: 'cfzd-local',
      cli_version: {minimum: '', recommended: ''},
      custom: {cfzd_local: {router_url: f.settings.routerUrl, shared_domain: f.settings.sharedDomain}},
      description: 'cfzd local foundation: an embedded Cloud Controller, UAA and router on loopback',
      name: 'cfzd-local',
      version: 0,
      osbapi_version: '2.15',
      rate_limits: {
        enabled: f.faults.rateLimit !== null,
        general_limit: f.faults.rateLimit?.limit ?? 2000,
        reset_interval_in_minutes: f.faults.rateLimit ? f.faults.rateLimit.windowSec / 60 : 30,
      },
      links: {self: {href: `${api()}/v3/info`}, support: {href: ''}},
    }),
  )
  r.get('/v3/info/usage_summary', () => {
    let instances = 0
    let memory = 0
    for (const p of f.store.processes.all()) {
      const app = f.store.apps.get(p.appGuid)
      if (app?.state === 'STARTED' && p.state === 'STARTED') {
        instances += p.instances
        memory += p.instances * p.memoryInMb
      }
    }
    return json(200, {
      usage_summary: {
        started_instances: instances,
        memory_in_mb: memory,
        routes: f.store.routes.size,
        service_instances: f.store.serviceInstances.size,
        reserved_ports: 0,
        domains: f.store.domains.size,
        per_app_tasks: 0,
        service_keys: f.store.bindings.all().filter((b) => b.type === 'key').length,
      },
      links: {self: {href: `${api()}/v3/info/usage_summary`}},
    })
  })
}
