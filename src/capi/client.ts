/**
 * The typed CAPI v3 client: one property per resource, all sharing one transport.
 *
 *   const capi = new CapiClient({apiUrl, tokens})
 *   for await (const app of capi.apps.list({space_guids: [s]})) ...
 */
import {CapiHttp, type HttpOptions} from './http.js'
import {LogCache} from './log-cache.js'
import {Apps} from './resources/apps.js'
import {Builds} from './resources/builds.js'
import {Buildpacks} from './resources/buildpacks.js'
import {Deployments} from './resources/deployments.js'
import {Domains} from './resources/domains.js'
import {Droplets} from './resources/droplets.js'
import {AppEnvironmentVariables} from './resources/environment-variables.js'
import {AppFeatures} from './resources/features.js'
import {Jobs} from './resources/jobs.js'
import {Manifests} from './resources/manifests.js'
import {Organizations} from './resources/organizations.js'
import {Packages} from './resources/packages.js'
import {Processes} from './resources/processes.js'
import {OrganizationQuotas, SpaceQuotas} from './resources/quotas.js'
import {Revisions} from './resources/revisions.js'
import {RootResource} from './resources/root.js'
import {Routes} from './resources/routes.js'
import {ServiceCredentialBindings} from './resources/service-credential-bindings.js'
import {Sidecars} from './resources/sidecars.js'
import {Spaces} from './resources/spaces.js'
import {Stacks} from './resources/stacks.js'

export class CapiClient {
  readonly http: CapiHttp
  readonly root: RootResource
  readonly apps: Apps
  readonly env: AppEnvironmentVariables
  readonly features: AppFeatures
  readonly processes: Processes
  readonly packages: Packages
  readonly builds: Builds
  readonly droplets: Droplets
  readonly deployments: Deployments
  readonly revisions: Revisions
  readonly routes: Routes
  readonly domains: Domains
  readonly organizations: Organizations
  readonly spaces: Spaces
  readonly bindings: ServiceCredentialBindings
  readonly sidecars: Sidecars
  readonly buildpacks: Buildpacks
  readonly stacks: Stacks
  readonly jobs: Jobs
  readonly manifests: Manifests
  readonly spaceQuotas: SpaceQuotas
  readonly organizationQuotas: OrganizationQuotas
  /** log-cache's read API, at the root's log_cache link. */
  readonly logCache: LogCache

  constructor(opts: HttpOptions | CapiHttp) {
    const http = opts instanceof CapiHttp ? opts : new CapiHttp(opts)
    this.http = http
    this.root = new RootResource(http)
    this.apps = new Apps(http)
    this.env = new AppEnvironmentVariables(http)
    this.features = new AppFeatures(http)
    this.processes = new Processes(http)
    this.packages = new Packages(http)
    this.builds = new Builds(http)
    this.droplets = new Droplets(http)
    this.deployments = new Deployments(http)
    this.revisions = new Revisions(http)
    this.routes = new Routes(http)
    this.domains = new Domains(http)
    this.organizations = new Organizations(http)
    this.spaces = new Spaces(http)
    this.bindings = new ServiceCredentialBindings(http)
    this.sidecars = new Sidecars(http)
    this.buildpacks = new Buildpacks(http)
    this.stacks = new Stacks(http)
    this.jobs = new Jobs(http)
    this.manifests = new Manifests(http)
    this.spaceQuotas = new SpaceQuotas(http)
    this.organizationQuotas = new OrganizationQuotas(http)
    this.logCache = new LogCache(this)
  }

  get clock() {
    return this.http.clock
  }
}
