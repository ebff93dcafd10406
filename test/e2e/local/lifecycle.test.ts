/**
 * The app lifecycle through cfzd's own client: push (app, package upload, staging, droplet,
 * start, route), copies, staging failures and crashes on demand, env, features, quotas,
 * manifests, bindings, revisions and buildpack releases.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {zipSync} from 'fflate'
import {load} from 'js-yaml'
import {CapiError} from '../../../src/capi/errors.js'
import {startTestFoundation, type TestFoundation, until, viaRouter} from './helpers.js'

let t: TestFoundation
let space: string
let n = 0

beforeAll(async () => {
  t = await startTestFoundation()
  await t.lf.seed({
    orgs: [
      {
        name: 'life-org',
        quota: {name: 'life-org-quota', total_memory_in_mb: 4096},
        spaces: [
          {
            name: 'life',
            quota: {name: 'life-quota', total_memory_in_mb: 2048, total_instances: 12},
            service_instances: [
              {name: 'ups', credentials: {password: 'p'}},
              {name: 'db', type: 'managed', offering: 'mysql', plan: 'small'},
            ],
          },
        ],
      },
    ],
  })
  space = (await t.capi.spaces.list({names: ['life']}))[0].guid
})
afterAll(() => t.stop())

const zip = (files: Record<string, string>) => Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new TextEncoder().encode(v)]))))

async function createApp(extra: Record<string, unknown> = {}) {
  return t.capi.apps.create({name: `life-${++n}`, relationships: {space: {data: {guid: space}}}, ...extra})
}

async function stage(appGuid: string, files: Record<string, string> = {'package.json': '{}'}) {
  const pkg = await t.capi.packages.create({type: 'bits', relationships: {app: {data: {guid: appGuid}}}})
  await t.capi.packages.upload(pkg.guid, zip(files), [])
  await until(async () => (await t.capi.packages.get(pkg.guid)).state === 'READY')
  const build = await t.capi.builds.create({package: {guid: pkg.guid}})
  await t.lf.settle()
  return {pkg, build: await t.capi.builds.get(build.guid)}
}

describe('push flow', () => {
  it('creates, uploads a zip, stages with a detected buildpack, starts, routes', async () => {
    const app = await createApp()
    expect(app.state).toBe('STOPPED')
    const {pkg, build} = await stage(app.guid, {Gemfile: 'source "x"', 'config.ru': 'run X'})
    expect(build.state).toBe('STAGED')
    const droplet = await t.capi.droplets.get(build.droplet!.guid)
    expect(droplet.state).toBe('STAGED')
    expect(droplet.buildpacks).toEqual([{name: 'ruby_buildpack', buildpack_name: 'ruby', version: '1.10.20', detect_output: 'ruby 1.10.20'}])
    expect(droplet.stack).toBe('cflinuxfs4')
    expect(droplet.process_types).toEqual({web: 'bundle exec rackup config.ru -p $PORT'})
    expect((await t.capi.droplets.stagedForPackage(pkg.guid))?.guid).toBe(droplet.guid)

    await expect(t.capi.apps.start(app.guid)).rejects.toThrow('Assign a droplet before starting this app.')
    await t.capi.apps.setCurrentDroplet(app.guid, droplet.guid)
    await t.capi.apps.start(app.guid)
    await t.lf.settle()
    const web = await t.capi.processes.getForApp(app.guid, 'web')
    expect(web.guid).toBe(app.guid)
    expect(web.command).toBe('bundle exec rackup config.ru -p $PORT')
    expect((await t.capi.processes.stats(web.guid)).map((s) => [s.state, s.routable])).toEqual([['RUNNING', true]])

    const domain = await t.capi.domains.defaultForOrganization((await t.capi.organizations.findByName('life-org'))!.guid)
    expect(domain.name).toBe('apps.localhost')
    const route = await t.capi.routes.create({host: app.name, relationships: {space: {data: {guid: space}}, domain: {data: {guid: domain.guid}}}})
    await t.capi.routes.insertDestinations(route.guid, [{app: {guid: app.guid}}])
    const r = await viaRouter(t.lf, `${app.name}.apps.localhost`)
    expect(r.status).toBe(200)
    expect(r.json.droplet.guid).toBe(droplet.guid)
    expect((await t.capi.routes.forApp(app.guid)).map((x) => x.url)).toEqual([`${app.name}.apps.localhost`])
    const dup = await t.capi.routes
      .create({host: app.name, relationships: {space: {data: {guid: space}}, domain: {data: {guid: domain.guid}}}})
      .catch((e: CapiError) => e)
    expect((dup as CapiError).detail).toBe(`Route already exists with host '${app.name}' for domain 'apps.localhost'.`)
  })

  it("uses the lifecycle's buildpacks, else detection, else the first enabled buildpack", async () => {
    const named = await createApp({lifecycle: {type: 'buildpack', data: {buildpacks: ['go_buildpack']}}})
    expect((await t.capi.droplets.get((await stage(named.guid)).build.droplet!.guid)).buildpacks?.[0].name).toBe('go_buildpack')
    const plain = await createApp()
    expect((await t.capi.droplets.get((await stage(plain.guid, {'README.md': '#'})).build.droplet!.guid)).buildpacks?.[0].name).toBe('staticfile_buildpack')
    const bad = await createApp({lifecycle: {type: 'buildpack', data: {buildpacks: ['nope_buildpack']}}}).catch((e: CapiError) => e)
    expect((bad as CapiError).detail).toBe('Buildpack "nope_buildpack" for stack "cflinuxfs4" must be an existing admin buildpack or a valid git URI')
  })

  it('matches resources already uploaded, and refuses staging an unready package or two builds at once', async () => {
    const app = await createApp()
    await stage(app.guid, {'package.json': '{"name":"resource-match"}'})
    const sha1 = (await import('node:crypto')).createHash('sha1').update('{"name":"resource-match"}').digest('hex')
    const matched = await t.capi.packages.matchResources([
      {checksum: {value: sha1}, size_in_bytes: 25, path: 'package.json'},
      {checksum: {value: 'f'.repeat(40)}, size_in_bytes: 3, path: 'other'},
    ])
    expect(matched.map((m) => m.path)).toEqual(['package.json'])
    const pkg = await t.capi.packages.create({type: 'bits', relationships: {app: {data: {guid: app.guid}}}})
    await expect(t.capi.builds.create({package: {guid: pkg.guid}})).rejects.toThrow('Cannot stage package whose state is not ready.')
    const ready = (await t.capi.packages.newestForApp(app.guid, ['READY']))!
    await t.lf.setFaults({stagingMs: 300})
    try {
      await t.capi.builds.create({package: {guid: ready.guid}})
      const second = (await t.capi.builds.create({package: {guid: ready.guid}}).catch((e: CapiError) => e)) as CapiError
      expect(second.title).toBe('CF-StagingInProgress')
    } finally {
      await t.lf.setFaults({stagingMs: 20})
      await t.lf.settle()
    }
  })

  it('copies packages and droplets via source_guid: COPYING, then READY / STAGED', async () => {
    const a = await createApp()
    const {pkg, build} = await stage(a.guid)
    const b = await createApp()
    const copy = await t.capi.packages.copy(pkg.guid, b.guid)
    expect(copy.state).toBe('COPYING')
    const dcopy = await t.capi.droplets.copy(build.droplet!.guid, b.guid)
    expect(dcopy.state).toBe('COPYING')
    await t.lf.settle()
    expect((await t.capi.packages.get(copy.guid)).state).toBe('READY')
    const copied = await t.capi.droplets.get(dcopy.guid)
    expect(copied.state).toBe('STAGED')
    // droplet_copy.rb copies the buildpack names only: versions and detect output stay null.
    const source = (await t.capi.droplets.get(build.droplet!.guid)).buildpacks!
    expect(copied.buildpacks).toEqual(source.map((bp) => ({name: bp.name, detect_output: null, buildpack_name: null, version: null})))
    expect(copied.relationships?.app.data?.guid).toBe(b.guid)
  })
})

describe('failures on demand', () => {
  it('fails staging when CFZD_LOCAL_STAGING_FAIL is set, with a realistic error', async () => {
    const app = await createApp({environment_variables: {CFZD_LOCAL_STAGING_FAIL: 'true'}})
    const {build} = await stage(app.guid)
    expect(build.state).toBe('FAILED')
    expect(build.error).toBe('StagingError - Staging error: staging failed')
    await t.capi.env.update(app.guid, {CFZD_LOCAL_STAGING_FAIL: 'BuildpackCompileFailed - App staging failed in the buildpack compile phase'})
    expect((await stage(app.guid)).build.error).toBe('BuildpackCompileFailed - App staging failed in the buildpack compile phase')
  })

  it('crashes instances started with CFZD_LOCAL_CRASH, keeps never-ready ones unroutable', async () => {
    await t.lf.seed({
      orgs: [
        {
          name: 'life-org',
          spaces: [
            {
              name: 'life',
              apps: [
                {name: 'crashy', env: {CFZD_LOCAL_CRASH: 'true'}},
                {name: 'sleepy', env: {CFZD_LOCAL_NOT_READY: 'true'}},
              ],
            },
          ],
        },
      ],
    })
    const crashy = (await t.capi.apps.findByName(space, 'crashy'))!
    const stats = await t.capi.processes.stats((await t.capi.processes.getForApp(crashy.guid, 'web')).guid)
    expect(stats[0].state).toBe('CRASHED')
    expect(stats[0].details).toContain('CFZD_LOCAL_CRASH')
    const sleepy = (await t.capi.apps.findByName(space, 'sleepy'))!
    const s2 = await t.capi.processes.stats((await t.capi.processes.getForApp(sleepy.guid, 'web')).guid)
    expect([s2[0].state, s2[0].routable]).toEqual(['RUNNING', false])
    expect((await viaRouter(t.lf, 'sleepy.apps.localhost')).status).toBe(404)
  })

  it('pads stats with DOWN entries and restarts a terminated instance', async () => {
    const app = await createApp()
    await t.capi.apps.setCurrentDroplet(app.guid, (await stage(app.guid)).build.droplet!.guid)
    const web = await t.capi.processes.getForApp(app.guid, 'web')
    await t.capi.processes.scale(web.guid, {instances: 2, memory_in_mb: 64})
    const down = await t.capi.processes.stats(web.guid)
    expect(down).toEqual([
      {type: 'web', index: 0, state: 'DOWN', routable: null, uptime: 0, isolation_segment: null, details: null},
      {type: 'web', index: 1, state: 'DOWN', routable: null, uptime: 0, isolation_segment: null, details: null},
    ])
    await t.capi.apps.start(app.guid)
    await t.lf.settle()
    const before = (await t.capi.processes.stats(web.guid))[1].instance_guid
    await t.capi.processes.terminateInstance(web.guid, 1)
    await t.lf.settle()
    const after = await t.capi.processes.stats(web.guid)
    expect(after[1].instance_guid).not.toBe(before)
    expect(after.map((s) => s.state)).toEqual(['RUNNING', 'RUNNING'])
  })
})

describe('app settings', () => {
  it('merges env vars (null removes) and refuses VCAP_ and PORT', async () => {
    const app = await createApp({environment_variables: {A: '1', B: '2'}})
    expect(await t.capi.env.update(app.guid, {B: null, C: '3'})).toEqual({A: '1', C: '3'})
    await expect(t.capi.env.update(app.guid, {VCAP_X: '1'})).rejects.toThrow('Var cannot start with VCAP_')
    await expect(t.capi.env.update(app.guid, {PORT: '1'})).rejects.toThrow('Var cannot set PORT')
  })

  it('toggles features; ssh_enabled explains why', async () => {
    const app = await createApp()
    expect((await t.capi.features.list(app.guid)).map((f) => [f.name, f.enabled])).toEqual([
      ['ssh', true],
      ['revisions', true],
      ['service-binding-k8s', false],
      ['file-based-vcap-services', false],
    ])
    await t.capi.features.update(app.guid, 'ssh', false)
    expect(await t.capi.apps.sshEnabled(app.guid)).toEqual({enabled: false, reason: 'ssh is disabled for app'})
    await t.capi.features.update(app.guid, 'service-binding-k8s', true)
    await expect(t.capi.features.update(app.guid, 'file-based-vcap-services', true)).rejects.toThrow('cannot be enabled at the same time')
  })

  it('renames, refuses duplicate names (case-insensitive) as app_update.rb does: 422 CF-UnprocessableEntity', async () => {
    const a = await createApp()
    const b = await createApp()
    const err = (await t.capi.apps.update(b.guid, {name: a.name.toUpperCase()}).catch((e) => e)) as CapiError
    expect(err.status).toBe(422)
    expect(err.code).toBe(10008)
    expect(err.title).toBe('CF-UnprocessableEntity')
    expect(err.detail).toBe(`App with the name '${a.name.toUpperCase()}' already exists.`)
    expect((await t.capi.apps.update(b.guid, {name: `${b.name}-renamed`})).name).toBe(`${b.name}-renamed`)
  })

  it('enforces space and org quotas on scale and start', async () => {
    const app = await createApp()
    await t.capi.apps.setCurrentDroplet(app.guid, (await stage(app.guid)).build.droplet!.guid)
    const web = await t.capi.processes.getForApp(app.guid, 'web')
    await t.capi.processes.scale(web.guid, {instances: 3, memory_in_mb: 1024})
    await expect(t.capi.apps.start(app.guid)).rejects.toThrow('memory space_quota_exceeded')
    await t.capi.processes.scale(web.guid, {instances: 1, memory_in_mb: 256})
    await t.capi.apps.start(app.guid)
    await expect(t.capi.processes.scale(web.guid, {instances: 13, memory_in_mb: 1})).rejects.toThrow('app_instance_limit space_app_instance_limit_exceeded')
    await t.capi.apps.stop(app.guid)
  })
})

describe('bindings', () => {
  it('binds user-provided instances at once and managed ones through a job, with parameters', async () => {
    const app = await createApp()
    const [ups, db] = await Promise.all(['ups', 'db'].map(async (name) => (await t.api(`/v3/service_instances?names=${name}`)).body.resources[0].guid))
    const direct = await t.capi.bindings.create({type: 'app', relationships: {app: {data: {guid: app.guid}}, service_instance: {data: {guid: ups}}}})
    expect(direct.binding?.last_operation?.state).toBe('succeeded')
    const managed = await t.capi.bindings.create({
      type: 'app',
      name: 'primary-db',
      relationships: {app: {data: {guid: app.guid}}, service_instance: {data: {guid: db}}},
      parameters: {pool: 5},
    })
    expect(managed.job).toBeDefined()
    await t.capi.jobs.wait(managed.job!)
    const bindings = await t.capi.bindings.forApp(app.guid)
    expect(bindings.map((b) => [b.name, b.last_operation?.state])).toEqual([
      [null, 'succeeded'],
      ['primary-db', 'succeeded'],
    ])
    expect((await t.capi.bindings.details(bindings[0].guid)).credentials).toEqual({password: 'p'})
    expect((await t.api(`/v3/service_credential_bindings/${bindings[1].guid}/parameters`)).body).toEqual({pool: 5})
    await expect(t.capi.bindings.create({type: 'app', relationships: {app: {data: {guid: app.guid}}, service_instance: {data: {guid: ups}}}})).rejects.toThrow(
      'The app is already bound to the service instance',
    )
    const env = await t.capi.apps.env(app.guid)
    expect(Object.keys(env.system_env_json.VCAP_SERVICES as object).sort()).toEqual(['mysql', 'user-provided'])
  })
})

describe('manifests', () => {
  it('applies a manifest through a job (new app, env, processes, routes, services) and generates one back', async () => {
    const yaml = [
      'applications:',
      '- name: from-manifest',
      '  buildpacks: [nodejs_buildpack]',
      '  env: {GREETING: hello}',
      '  features: {ssh: false}',
      '  routes:',
      '  - route: from-manifest.apps.localhost',
      '  - route: from-manifest.apps.localhost/admin',
      '  services:',
      '  - ups',
      '  processes:',
      '  - type: web',
      '    instances: 2',
      '    memory: 128M',
      '    health-check-type: http',
      '    health-check-http-endpoint: /health',
      '  - type: worker',
      '    instances: 1',
      '    command: node worker.js',
      '',
    ].join('\n')
    const job = await t.capi.manifests.apply(space, yaml)
    expect((await t.capi.jobs.wait(job)).state).toBe('COMPLETE')
    const app = (await t.capi.apps.findByName(space, 'from-manifest'))!
    expect(app.lifecycle.data.buildpacks).toEqual(['nodejs_buildpack'])
    expect(await t.capi.env.get(app.guid)).toEqual({GREETING: 'hello'})
    const generated = load(await t.capi.manifests.forApp(app.guid)) as {applications: Record<string, any>[]}
    const m = generated.applications[0]
    expect(m.name).toBe('from-manifest')
    expect(m.features.ssh).toBe(false)
    expect(m.routes.map((r: {route: string}) => r.route)).toEqual(['from-manifest.apps.localhost', 'from-manifest.apps.localhost/admin'])
    expect(m.services).toEqual(['ups'])
    expect(m.processes.map((p: any) => [p.type, p.instances, p.memory])).toEqual([
      ['web', 2, '128M'],
      ['worker', 1, '1024M'],
    ])
    expect(m.processes[0]['health-check-http-endpoint']).toBe('/health')
    expect(m.processes[1].command).toBe('node worker.js')
  })

  it('refuses bad manifests synchronously and fails the job when scaling during a deployment', async () => {
    const bad = await t.api(`/v3/spaces/${space}/actions/apply_manifest`, {
      method: 'POST',
      raw: 'applications:\n- name: x\n  memory: 12 parsecs\n',
      headers: {'content-type': 'application/x-yaml'},
    })
    expect(bad.status).toBe(422)
    expect(bad.body.errors[0].detail).toContain("For application 'x'")
    const notYaml = await t.api(`/v3/spaces/${space}/actions/apply_manifest`, {
      method: 'POST',
      raw: 'applications: []',
      headers: {'content-type': 'application/json'},
    })
    expect(notYaml.status).toBe(400)
    await t.lf.seed({orgs: [{name: 'life-org', spaces: [{name: 'life', apps: [{name: 'deploying', instances: 2, memory: '64M'}]}]}]})
    const app = (await t.capi.apps.findByName(space, 'deploying'))!
    const d = await t.capi.deployments.create({relationships: {app: {data: {guid: app.guid}}}})
    const job = await t.capi.manifests.apply(space, 'applications:\n- name: deploying\n  instances: 4\n')
    await expect(t.capi.jobs.wait(job)).rejects.toThrow("For application 'deploying': Cannot scale this process while a deployment is in flight.")
    await t.capi.deployments.cancel(d.guid)
    t.lf.tick()
  })
})

describe('revisions and buildpack releases', () => {
  it('creates revisions on new droplets and env, and rolls back to one', async () => {
    const app = await createApp()
    const first = (await stage(app.guid)).build.droplet!.guid
    await t.capi.apps.setCurrentDroplet(app.guid, first)
    await t.capi.processes.scale(app.guid, {memory_in_mb: 64})
    await t.capi.apps.start(app.guid)
    const second = (await stage(app.guid)).build.droplet!.guid
    await t.capi.env.update(app.guid, {X: '1'})
    const d = await t.capi.deployments.create({relationships: {app: {data: {guid: app.guid}}}, droplet: {guid: second}})
    const revs = await t.capi.revisions.forApp(app.guid)
    expect(revs.map((r) => [r.version, r.description])).toEqual([
      [1, 'Initial revision.'],
      [2, 'New droplet deployed. New environment variables deployed.'],
    ])
    expect(d.revision).toEqual({guid: revs[1].guid, version: 2})
    await t.lf.settle()
    for (let i = 0; i < 4; i++) {
      t.lf.tick()
      await t.lf.settle()
    }
    expect((await t.capi.deployments.get(d.guid)).status.reason).toBe('DEPLOYED')
    const rollback = await t.capi.deployments.create({relationships: {app: {data: {guid: app.guid}}}, revision: {guid: revs[0].guid}})
    expect(rollback.droplet?.guid).toBe(first)
    expect(await t.capi.env.get(app.guid)).toEqual({})
    // revision_resolver.rb: what differs from the latest revision, then the rollback.
    expect((await t.capi.revisions.forApp(app.guid)).pop()?.description).toBe(
      'New droplet deployed. New environment variables deployed. Rolled back to revision 1.',
    )
    await t.capi.deployments.cancel(rollback.guid)
    t.lf.tick()
  })

  it('releases a buildpack version: version and updated_at move, new droplets record it', async () => {
    const before = (await t.capi.buildpacks.byName('python_buildpack'))[0]
    const res = await t.api('/_local/buildpacks/python_buildpack/release', {method: 'POST', body: {}})
    expect(res.status).toBe(200)
    expect(res.body.resources[0].version).toBe('1.8.31')
    const after = (await t.capi.buildpacks.byName('python_buildpack'))[0]
    expect(Date.parse(after.updated_at!)).toBeGreaterThan(Date.parse(before.updated_at!))
    const app = await createApp({lifecycle: {type: 'buildpack', data: {buildpacks: ['python_buildpack']}}})
    const droplet = await t.capi.droplets.get((await stage(app.guid)).build.droplet!.guid)
    expect(droplet.buildpacks?.[0].version).toBe('1.8.31')
    expect(t.lf.releaseBuildpack('python_buildpack', '2.0.0')[0].version).toBe('2.0.0')
    expect((await t.api('/_local/buildpacks/nope/release', {method: 'POST', body: {}})).status).toBe(404)
  })
})
