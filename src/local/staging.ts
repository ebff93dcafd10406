/**
 * Staging and the blobstore side of packages and droplets:
 * - package upload (multipart `bits` zip read with fflate, plus `resources` matches):
 *   PROCESSING_UPLOAD → READY, or FAILED when the zip is unreadable;
 * - builds: STAGING → STAGED after the staging time, creating a droplet whose buildpacks[] come
 *   from the lifecycle's buildpacks, else the first buildpack that detects the package's files,
 *   else the first enabled buildpack by position; or FAILED when staging fails
 *   (CFZD_LOCAL_STAGING_FAIL on the app, or the stagingFail fault); its lines (and the app's
 *   CFZD_LOCAL_STAGING_OUTPUT, as the buildpack's output) go to log-cache as STG/0;
 * - copies via source_guid: COPYING → READY (packages) or STAGED (droplets) shortly after.
 */
import {createHash, randomBytes} from 'node:crypto'
import {unzipSync} from 'fflate'
import {parseDuration} from '../clock.js'
import {badRequest, stagingInProgress, unprocessable} from './api/errors.js'
import type {Foundation, MatchedResource, StagingPort} from './kernel.js'
import {stagingLog} from './log-cache.js'
import {
  type AppRec,
  instanceEnv,
  type BuildRec,
  type BuildpackRec,
  type DropletBuildpackRec,
  type DropletRec,
  emptyMetadata,
  type LifecycleRec,
  type PackageRec,
} from './state.js'

/** Files that make a buildpack detect the app, keyed by a word in the buildpack's name. */
const DETECT: [string, RegExp][] = [
  ['node', /(^|\/)package\.json$/],
  ['ruby', /(^|\/)Gemfile$/],
  ['python', /(^|\/)(requirements\.txt|setup\.py|Pipfile|pyproject\.toml)$/],
  ['go', /(^|\/)(go\.mod|Godeps\/Godeps\.json)$/],
  ['java', /(^|\/)(pom\.xml|build\.gradle)$|\.(jar|war)$/],
  ['php', /(^|\/)(composer\.json|index\.php)$/],
  ['dotnet', /\.(csproj|fsproj|sln)$/],
  ['staticfile', /(^|\/)(Staticfile|index\.html?)$/],
  ['binary', /(^|\/)Procfile$/],
]

/** The start command each family of buildpack detects. */
const START_COMMANDS: [string, string][] = [
  ['node', 'npm start'],
  ['ruby', 'bundle exec rackup config.ru -p $PORT'],
  ['python', 'python app.py'],
  ['go', './bin/app'],
  ['java', 'JAVA_OPTS="-Xss256K" java -jar app.jar'],
  ['php', '$HOME/.bp/bin/start'],
  ['dotnet', 'dotnet app.dll'],
  ['staticfile', '$HOME/boot.sh'],
]

const TRUE = /^(1|true|yes|on)$/i

export class Staging implements StagingPort {
  /** sha1:size of every file the foundation has seen in uploaded bits, for resource matching. */
  private readonly cache = new Set<string>()

  constructor(private readonly f: Foundation) {}

  /** POST /v3/resource_matches: the subset of files already cached (sha1 and size). */
  match(resources: MatchedResource[]): MatchedResource[] {
    return resources.filter((r) => this.cache.has(`${r.checksum.value}:${r.size_in_bytes}`))
  }

  /** POST /v3/packages/:guid/upload. */
  upload(pkg: PackageRec, zip: Buffer | undefined, resources: MatchedResource[]): void {
    if (pkg.type !== 'bits') throw unprocessable('Package type must be bits.')
    if (pkg.state !== 'AWAITING_UPLOAD' && pkg.state !== 'FAILED') throw unprocessable('Package has already been uploaded')
    pkg.state = 'PROCESSING_UPLOAD'
    pkg.updatedAt = this.f.now()
    this.f.later(Math.min(50, this.f.settings.asyncMs), () => {
      const files = new Set(resources.map((r) => r.path))
      let digest = createHash('sha256')
      let entries: Record<string, Uint8Array> = {}
      try {
        if (zip && zip.length > 0) {
          digest = digest.update(zip)
          entries = unzipSync(new Uint8Array(zip.buffer, zip.byteOffset, zip.byteLength))
          for (const [path, data] of Object.entries(entries)) {
            if (path.endsWith('/')) continue
            files.add(path)
            this.cache.add(`${createHash('sha1').update(data).digest('hex')}:${data.length}`)
          }
        }
      } catch (error) {
        pkg.state = 'FAILED'
        pkg.error = `Upload failed: the bits are not a valid zip file (${(error as Error).message})`
        pkg.updatedAt = this.f.now()
        return
      }
      pkg.files = [...files]
      this.f.runtime.runner?.savePackage(pkg.guid, entries, resources)
      pkg.checksum = digest.update(JSON.stringify(pkg.files)).digest('hex')
      pkg.state = 'READY'
      pkg.updatedAt = this.f.now()
    })
  }

  /** POST /v3/packages?source_guid=: a COPYING package that becomes READY. */
  copyPackage(source: PackageRec, app: AppRec): PackageRec {
    const pkg = this.f.store.packages.insert(
      // package_copy.rb: a bits copy has no checksum until PackageBitsCopier has copied the bits.
      this.f.store.stamp<PackageRec>(
        {...copyable(source), checksum: null, appGuid: app.guid, state: source.type === 'bits' ? 'COPYING' : 'READY', metadata: emptyMetadata()},
        this.f.now(),
      ),
    )
    // A docker package is copied at once (READY, no job).
    if (source.type !== 'bits') return pkg
    this.f.later(this.f.settings.asyncMs, () => {
      if (!this.f.store.packages.get(pkg.guid)) return
      pkg.state = source.state === 'READY' ? 'READY' : 'FAILED'
      if (pkg.state === 'READY') this.f.runtime.runner?.copyPackage(source.guid, pkg.guid)
      pkg.checksum = pkg.state === 'READY' ? source.checksum : null
      pkg.error = pkg.state === 'FAILED' ? 'The source package is not ready' : null
      pkg.updatedAt = this.f.now()
    })
    return pkg
  }

  /**
   * POST /v3/droplets?source_guid= (droplet_copy.rb): process types, execution metadata and the
   * docker image are copied at once, with the source's stack and buildpack names (their versions
   * and detect output are not copied); a buildpack droplet is COPYING, without a checksum or a
   * package, until its bits are copied; a docker droplet is STAGED at once.
   */
  copyDroplet(source: DropletRec, app: AppRec): DropletRec {
    const docker = source.lifecycleType === 'docker'
    const droplet = this.f.store.droplets.insert(
      this.f.store.stamp<DropletRec>(
        {
          appGuid: app.guid,
          packageGuid: null,
          state: docker ? source.state : 'COPYING',
          error: null,
          lifecycleType: source.lifecycleType,
          buildpacks: docker ? null : (source.buildpacks ?? []).map((b) => ({name: b.name, buildpack_name: null, version: null, detect_output: null})),
          stack: docker ? null : source.stack,
          image: source.image,
          processTypes: source.processTypes ? {...source.processTypes} : null,
          executionMetadata: source.executionMetadata,
          checksum: null,
          metadata: emptyMetadata(),
        },
        this.f.now(),
      ),
    )
    if (docker) return droplet
    this.f.runtime.runner?.copyDroplet(source.guid, droplet.guid)
    this.f.later(this.f.settings.asyncMs, () => {
      if (!this.f.store.droplets.get(droplet.guid)) return
      Object.assign(droplet, {state: 'STAGED', checksum: source.checksum, updatedAt: this.f.now()})
    })
    return droplet
  }

  /** POST /v3/builds: validate, then STAGING → STAGED | FAILED after the staging time. */
  createBuild(
    app: AppRec,
    pkg: PackageRec,
    lifecycle: LifecycleRec,
    limits: {memory?: number; disk?: number; logRate?: number},
    createdBy: {guid: string; name: string; email: string},
  ): BuildRec {
    // build_create.rb's InvalidPackage, which builds_controller.rb answers with 400 CF-BadRequest.
    if (pkg.state !== 'READY') throw badRequest('Cannot stage package whose state is not ready.')
    if (this.f.store.builds.by('app', app.guid).some((b) => b.state === 'STAGING')) throw stagingInProgress()
    const env = instanceEnv(app.env)
    const failure = stagingFailure(env.CFZD_LOCAL_STAGING_FAIL, this.f.faults.stagingFail)
    const stagingMs = durationOr(env.CFZD_LOCAL_STAGING_TIME, this.f.faults.stagingMs)
    const build = this.f.store.builds.insert(
      this.f.store.stamp<BuildRec>(
        {
          appGuid: app.guid,
          packageGuid: pkg.guid,
          state: 'STAGING',
          error: null,
          lifecycle: pkg.type === 'docker' ? {type: 'docker', buildpacks: [], stack: null} : lifecycle,
          dropletGuid: null,
          stagingMemoryInMb: limits.memory ?? 1024,
          stagingDiskInMb: limits.disk ?? 1024,
          stagingLogRateLimit: limits.logRate ?? -1,
          createdBy,
          metadata: emptyMetadata(),
        },
        this.f.now(),
      ),
    )
    this.f.audit('audit.app.build.create', {guid: app.guid, type: 'app', name: app.name}, app.spaceGuid, {build_guid: build.guid, package_guid: pkg.guid})
    stagingLog(this.f, app.guid, `Cell cfzd-local creating container for instance ${build.guid}`)
    stagingLog(this.f, app.guid, 'Downloading app package...')
    if (env.CFZD_LOCAL_STAGING_OUTPUT) stagingLog(this.f, app.guid, env.CFZD_LOCAL_STAGING_OUTPUT)
    this.f.later(stagingMs, () => this.finish(build, failure))
    return build
  }

  private finish(build: BuildRec, failure: string | null): void {
    const s = this.f.store
    const app = s.apps.get(build.appGuid)
    const pkg = s.packages.get(build.packageGuid)
    if (!s.builds.get(build.guid)) return
    if (this.f.faults.stagingHold) return void this.f.later(20, () => this.finish(build, failure))
    build.updatedAt = this.f.now()
    if (!app || !pkg) {
      build.state = 'FAILED'
      build.error = 'StagingError - Staging error: the app or package was deleted while staging'
      return
    }
    if (failure) {
      build.state = 'FAILED'
      build.error = failure
      stagingLog(this.f, app.guid, `Failed to compile droplet: ${failure}`, 'ERR')
      stagingLog(this.f, app.guid, 'Exit status 223')
      this.f.log(`staging of ${app.name} failed: ${failure}`)
      return
    }
    const droplet = s.droplets.insert(s.stamp<DropletRec>(this.dropletFor(app, pkg, build.lifecycle), this.f.now()))
    build.state = 'STAGED'
    build.dropletGuid = droplet.guid
    for (const bp of droplet.buildpacks ?? []) stagingLog(this.f, app.guid, `-----> ${bp.buildpack_name ?? bp.name} ${bp.version ?? ''}`.trimEnd())
    stagingLog(this.f, app.guid, 'Uploading droplet...')
    stagingLog(this.f, app.guid, 'Exit status 0')
    this.f.log(`staged ${app.name}: droplet ${droplet.guid} (${droplet.buildpacks?.map((b) => `${b.name} ${b.version}`).join(', ') ?? droplet.image})`)
  }

  /** The droplet a successful staging produces (also used to seed apps). */
  dropletFor(
    app: AppRec,
    pkg: PackageRec,
    lifecycle: LifecycleRec,
    versionOf: (bp: BuildpackRec) => string = (bp) => bp.version,
  ): Omit<DropletRec, 'guid' | 'createdAt' | 'updatedAt' | 'seq'> {
    if (pkg.type === 'docker' || lifecycle.type === 'docker') {
      return {
        appGuid: app.guid,
        packageGuid: pkg.guid,
        state: 'STAGED',
        error: null,
        lifecycleType: 'docker',
        buildpacks: null,
        stack: null,
        image: pkg.image,
        processTypes: {web: ''},
        executionMetadata: JSON.stringify({cmd: [], ports: [{Port: 8080, Protocol: 'tcp'}]}),
        checksum: null,
        metadata: emptyMetadata(),
      }
    }
    const buildpacks = this.resolveBuildpacks(lifecycle, pkg, versionOf)
    const family = familyOf(buildpacks[buildpacks.length - 1]?.name ?? '')
    return {
      appGuid: app.guid,
      packageGuid: pkg.guid,
      state: 'STAGED',
      error: null,
      lifecycleType: 'buildpack',
      buildpacks,
      stack: lifecycle.stack,
      image: null,
      processTypes: {web: START_COMMANDS.find(([k]) => k === family)?.[1] ?? './start.sh'},
      executionMetadata: '',
      checksum: randomBytes(32).toString('hex'),
      metadata: emptyMetadata(),
    }
  }

  /** buildpacks[] for a droplet: named ones, else detected from the files, else the first enabled. */
  resolveBuildpacks(lifecycle: LifecycleRec, pkg: PackageRec, versionOf: (bp: BuildpackRec) => string = (bp) => bp.version): DropletBuildpackRec[] {
    const all = this.f.store.buildpacks
      .all()
      .filter((b) => b.stack === null || lifecycle.stack === null || b.stack === lifecycle.stack)
      .sort((a, b) => a.position - b.position)
    const describe = (bp: BuildpackRec): DropletBuildpackRec => {
      const version = versionOf(bp)
      const short = bp.name.replace(/[-_]buildpack$/, '')
      return {name: bp.name, buildpack_name: short, version, detect_output: `${short} ${version}`}
    }
    if (lifecycle.buildpacks.length > 0) {
      return lifecycle.buildpacks.map((name) => {
        const bp = all.find((b) => b.name === name) ?? this.f.store.buildpacks.all().find((b) => b.name === name)
        return bp ? describe(bp) : {name, buildpack_name: null, version: null, detect_output: null}
      })
    }
    const enabled = all.filter((b) => b.enabled)
    const detected = enabled.find((bp) => {
      const rule = DETECT.find(([k]) => familyOf(bp.name) === k)
      return rule && pkg.files.some((file) => rule[1].test(file))
    })
    const chosen = detected ?? enabled[0]
    return chosen ? [describe(chosen)] : []
  }
}

function familyOf(buildpackName: string): string {
  const n = buildpackName.toLowerCase()
  return DETECT.find(([k]) => n.includes(k))?.[0] ?? n
}

function copyable(p: PackageRec) {
  return {type: p.type, checksum: p.checksum, error: null, image: p.image, username: p.username, password: p.password, files: [...p.files]}
}

/**
 * The build error for CFZD_LOCAL_STAGING_FAIL: "true" gives a generic StagingError; a value in
 * Cloud Controller's "<ErrorName> - <description>" form is used as is.
 */
export function stagingFailure(value: string | undefined, fault: boolean): string | null {
  if (value && / - /.test(value)) return value
  if ((value && TRUE.test(value)) || fault) return 'StagingError - Staging error: staging failed'
  return null
}

function durationOr(value: string | undefined, fallback: number): number {
  if (!value) return fallback
  try {
    return parseDuration(value)
  } catch {
    return fallback
  }
}
