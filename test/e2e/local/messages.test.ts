/**
 * The local foundation answers like Cloud Controller: the nulls its presenters emit
 * (app_presenter.rb, deployment_presenter.rb, process_model.rb) and the request messages of
 * app/messages/*.rb — unknown fields, wrong types, their exact texts joined with ", " in one 422
 * CF-UnprocessableEntity (10008) — plus the answer to a rename onto a taken name (app_update.rb)
 * and what each endpoint accepts as environment variables.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {zipSync} from 'fflate'
import {startTestFoundation, type TestFoundation} from './helpers.js'

let t: TestFoundation
let space: string
let n = 0

beforeAll(async () => {
  t = await startTestFoundation()
  await t.lf.seed({
    orgs: [
      {
        name: 'msg-org',
        spaces: [
          {
            name: 'msg',
            service_instances: [
              {name: 'ups', credentials: {p: 'q'}},
              {name: 'db', type: 'managed', offering: 'mysql', plan: 'small'},
            ],
            apps: [{name: 'staged', instances: 1, memory: '64M'}],
          },
        ],
      },
    ],
  })
  const s = (await t.api('/v3/spaces?names=msg')).body.resources[0]
  space = s.guid
})
afterAll(() => t.stop())

type Res = Awaited<ReturnType<TestFoundation['api']>>
const call = (method: string, path: string, body?: unknown) => t.api(path, {method, body})

/** 422 CF-UnprocessableEntity (10008) with exactly this detail. */
function expect422(res: Res, detail: string): void {
  expect({status: res.status, errors: res.body?.errors}).toEqual({status: 422, errors: [{detail, title: 'CF-UnprocessableEntity', code: 10008}]})
}

const rel = (name: string, guid: string) => ({[name]: {data: {guid}}})
async function newApp(extra: Record<string, unknown> = {}) {
  const res = await call('POST', '/v3/apps', {name: `msg-${++n}`, relationships: rel('space', space), ...extra})
  expect(res.status).toBe(201)
  return res.body
}
const staged = async () => (await t.api('/v3/apps?names=staged')).body.resources[0]

async function uploadedPackage(appGuid: string) {
  const pkg = (await call('POST', '/v3/packages', {type: 'bits', relationships: rel('app', appGuid)})).body
  const form = new FormData()
  form.append('bits', new Blob([Buffer.from(zipSync({'package.json': new TextEncoder().encode('{}')}))], {type: 'application/zip'}), 'app.zip')
  await fetch(`${t.lf.apiUrl}/v3/packages/${pkg.guid}/upload`, {method: 'POST', headers: {authorization: await t.tokens.authorization()}, body: form})
  await t.lf.settle()
  return pkg
}

describe('presenter nulls', () => {
  it('an app without a droplet has current_droplet {data: {guid: null}} (app_presenter.rb), in the create, show and list', async () => {
    const app = await newApp()
    expect(app.relationships.current_droplet).toEqual({data: {guid: null}})
    expect((await call('GET', `/v3/apps/${app.guid}`)).body.relationships.current_droplet).toEqual({data: {guid: null}})
    const listed = (await call('GET', `/v3/apps?guids=${app.guid}`)).body.resources[0]
    expect(listed.relationships.current_droplet).toEqual({data: {guid: null}})
    // The relationship endpoint does not answer data null either: 404 "Droplet not found".
    const res = await call('GET', `/v3/apps/${app.guid}/relationships/current_droplet`)
    expect(res.status).toBe(404)
    expect(res.body).toEqual({errors: [{detail: 'Droplet not found', title: 'CF-ResourceNotFound', code: 10010}]})
  })

  it('the first deployment of an app that had no droplet has previous_droplet {guid: null} (deployment_presenter.rb)', async () => {
    const app = await newApp()
    const pkg = await uploadedPackage(app.guid)
    const build = (await call('POST', '/v3/builds', {package: {guid: pkg.guid}})).body
    await t.lf.settle()
    const droplet = (await call('GET', `/v3/builds/${build.guid}`)).body.droplet.guid
    const res = await call('POST', '/v3/deployments', {droplet: {guid: droplet}, relationships: rel('app', app.guid)})
    expect(res.status).toBe(201)
    expect(res.body.previous_droplet).toEqual({guid: null})
    expect(res.body.droplet).toEqual({guid: droplet})
    expect((await call('GET', `/v3/deployments/${res.body.guid}`)).body.previous_droplet).toEqual({guid: null})
  })

  it('the process of an app that never staged shows command "" (specified_or_detected_command), not null', async () => {
    const app = await newApp()
    expect((await call('GET', `/v3/apps/${app.guid}/processes/web`)).body.command).toBe('')
  })

  it('an app created without environment variables shows environment_variables null in /env, var {} in /environment_variables', async () => {
    const app = await newApp()
    expect((await call('GET', `/v3/apps/${app.guid}/env`)).body.environment_variables).toBeNull()
    expect((await call('GET', `/v3/apps/${app.guid}/environment_variables`)).body.var).toEqual({})
  })
})

describe('unknown fields: 422 "Unknown field(s): ..." (NoAdditionalKeysValidator)', () => {
  it('apps: create (before the space is looked up) and update (before the app is)', async () => {
    expect422(
      await call('POST', '/v3/apps', {name: 'x', relationships: rel('space', 'no-such-space'), instances: 2, buildpack: 'ruby'}),
      "Unknown field(s): 'instances', 'buildpack'",
    )
    expect422(await call('PATCH', '/v3/apps/no-such-app', {name: 'x', foo: 1}), "Unknown field(s): 'foo'")
    const app = await newApp()
    expect422(await call('PATCH', `/v3/apps/${app.guid}`, {memory: '1G'}), "Unknown field(s): 'memory'")
    expect422(
      await call('POST', '/v3/apps', {name: 'x', relationships: {space: {data: {guid: space}}, org: {data: {guid: 'o'}}}}),
      "Relationships Unknown field(s): 'org'",
    )
    // PATCH current_droplet checks no message (apps_controller.rb#assign_current_droplet): other keys are ignored, data null is refused.
    const withDroplet = await staged()
    const droplet = withDroplet.relationships.current_droplet.data.guid
    const res = await call('PATCH', `/v3/apps/${withDroplet.guid}/relationships/current_droplet`, {data: {guid: droplet}, note: 'ignored'})
    expect(res.status).toBe(200)
    expect(res.body.data).toEqual({guid: droplet})
    expect422(
      await call('PATCH', `/v3/apps/${withDroplet.guid}/relationships/current_droplet`, {data: null}),
      'Current droplet cannot be removed. Replace it with a preferred droplet.',
    )
  })

  it('deployments, including their options and canary steps', async () => {
    const app = (await staged()).guid
    expect422(
      await call('POST', '/v3/deployments', {relationships: rel('app', app), foo: 1, strategy: 'blue-green'}),
      "Unknown field(s): 'foo', Strategy 'blue-green' is not a supported deployment strategy",
    )
    expect422(
      await call('POST', '/v3/deployments', {relationships: rel('app', app), options: {bogus: 1, other: 2}}),
      'Options has unsupported key(s): bogus, other',
    )
    expect422(
      await call('POST', '/v3/deployments', {
        strategy: 'canary',
        relationships: rel('app', app),
        options: {canary: {steps: [{instance_weight: 10, pause: true}]}},
      }),
      'Options canary steps has unsupported key(s): pause',
    )
  })

  it('builds, packages and droplets (a package copy reads only the app, as packages_controller.rb does)', async () => {
    const app = await newApp()
    const pkg = await uploadedPackage(app.guid)
    expect422(await call('POST', '/v3/builds', {package: {guid: pkg.guid}, stack: 'cflinuxfs4'}), "Unknown field(s): 'stack'")
    expect422(await call('POST', '/v3/packages', {type: 'bits', relationships: rel('app', app.guid), name: 'x'}), "Unknown field(s): 'name'")
    const other = await newApp()
    expect((await call('POST', `/v3/packages?source_guid=${pkg.guid}`, {relationships: rel('app', other.guid), anything: 'goes'})).status).toBe(201)
    expect422(await call('POST', '/v3/droplets', {relationships: rel('app', app.guid), stack: 'x'}), "Unknown field(s): 'stack'")
    const droplet = (await call('GET', `/v3/apps/${(await staged()).guid}/droplets/current`)).body.guid
    expect422(await call('POST', `/v3/droplets?source_guid=${droplet}`, {relationships: rel('app', app.guid), foo: 1}), "Unknown field(s): 'foo'")
  })

  it('routes and destinations', async () => {
    const app = (await staged()).guid
    const domain = (await call('GET', '/v3/domains?names=apps.localhost')).body.resources[0].guid
    expect422(
      await call('POST', '/v3/routes', {host: 'h', relationships: {...rel('space', space), ...rel('domain', domain)}, weight: 1}),
      "Unknown field(s): 'weight'",
    )
    const route = (await call('POST', '/v3/routes', {host: `h${++n}`, relationships: {...rel('space', space), ...rel('domain', domain)}})).body
    expect422(await call('POST', `/v3/routes/${route.guid}/destinations`, {destinations: [{app: {guid: app}}], replace: true}), "Unknown field(s): 'replace'")
    expect422(
      await call('PATCH', `/v3/routes/${route.guid}/destinations`, {destinations: [{app: {guid: app}, colour: 'red'}]}),
      'Destinations[0]: must have only "app" and optionally "weight", "port" or "protocol".',
    )
    const dest = (await call('POST', `/v3/routes/${route.guid}/destinations`, {destinations: [{app: {guid: app}}]})).body.destinations[0]
    expect422(await call('PATCH', `/v3/routes/${route.guid}/destinations/${dest.guid}`, {weight: 5}), "Unknown field(s): 'weight'")
  })

  it('service credential bindings, environment variables, processes, scale, sidecars and features', async () => {
    const app = await newApp()
    const ups = (await call('GET', '/v3/service_instances?names=ups')).body.resources[0].guid
    expect422(
      await call('POST', '/v3/service_credential_bindings', {type: 'app', relationships: {...rel('app', app.guid), ...rel('service_instance', ups)}, foo: 1}),
      "Unknown field(s): 'foo'",
    )
    expect422(await call('PATCH', `/v3/apps/${app.guid}/environment_variables`, {var: {A: 'b'}, foo: 1}), "Unknown field(s): 'foo'")
    const web = (await call('GET', `/v3/apps/${app.guid}/processes/web`)).body.guid
    expect422(await call('PATCH', `/v3/processes/${web}`, {command: 'x', instances: 2}), "Unknown field(s): 'instances'")
    expect422(await call('POST', `/v3/processes/${web}/actions/scale`, {replicas: 2}), "Unknown field(s): 'replicas'")
    expect422(await call('POST', `/v3/apps/${app.guid}/sidecars`, {name: 's', command: 'c', process_types: ['web'], image: 'x'}), "Unknown field(s): 'image'")
    expect422(await call('PATCH', `/v3/apps/${app.guid}/features/ssh`, {enabled: true, reason: 'x'}), "Unknown field(s): 'reason'")
    expect422(await call('PATCH', `/v3/spaces/${space}/features/ssh`, {enabled: true, reason: 'x'}), "Unknown field(s): 'reason'")
  })

  it('apply_manifest ignores unknown keys (app_manifest_message.rb has no NoAdditionalKeysValidator) but checks the values', async () => {
    const yaml = (text: string) =>
      t.api(`/v3/spaces/${space}/actions/apply_manifest`, {method: 'POST', raw: text, headers: {'content-type': 'application/x-yaml'}})
    expect((await yaml('applications:\n- name: staged\n  colour: red\n')).status).toBe(202)
    await t.lf.settle()
    const bad = await yaml('applications:\n- name: staged\n  instances: many\n  memory: 64\n- disk_quota: 1G\n')
    expect(bad.status).toBe(422)
    expect(bad.body.errors).toEqual([
      {
        detail: 'For application \'staged\': Process "web": Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB',
        title: 'CF-UnprocessableEntity',
        code: 10008,
      },
      {detail: 'For application \'staged\': Process "web": Instances is not a number', title: 'CF-UnprocessableEntity', code: 10008},
      {detail: 'For application at index 1: Name must not be empty', title: 'CF-UnprocessableEntity', code: 10008},
      {detail: 'For application at index 1: Name must be a string', title: 'CF-UnprocessableEntity', code: 10008},
    ])
  })
})

describe('wrong types: 422 with the messages and their order', () => {
  it('apps', async () => {
    expect422(await call('POST', '/v3/apps', {name: 5, relationships: rel('space', space), foo: 'bar'}), "Unknown field(s): 'foo', Name must be a string")
    expect422(await call('POST', '/v3/apps', {}), "Relationships 'relationships' is not an object, Name must be a string")
    expect422(
      await call('POST', '/v3/apps', {name: 'x', relationships: {space: 'guid'}}),
      'Relationships Space must be structured like this: "space: {"data": {"guid": "valid-guid"}}"',
    )
    expect422(
      await call('POST', '/v3/apps', {name: 'x', relationships: rel('space', space), environment_variables: ['A=b']}),
      'Environment variables must be an object',
    )
    expect422(
      await call('POST', '/v3/apps', {name: 'x', relationships: rel('space', space), lifecycle: {type: 'buildpack', data: {buildpacks: 'ruby'}}}),
      'Lifecycle Buildpacks must be an array',
    )
    expect422(
      await call('POST', '/v3/apps', {name: 'x', relationships: rel('space', space), lifecycle: {type: 'kubernetes', data: {}}}),
      'Lifecycle type is not included in the list: buildpack, docker, cnb',
    )
    expect422(
      await call('POST', '/v3/apps', {name: 'x', relationships: rel('space', space), metadata: {labels: {'-bad': 'v'}}}),
      "Metadata label key error: '-bad' starts or ends with invalid characters",
    )
    const app = await newApp()
    expect422(await call('PATCH', `/v3/apps/${app.guid}`, {name: 42}), 'Name must be a string')
    expect422(await call('PATCH', `/v3/apps/${app.guid}`, {lifecycle: {type: 'docker', data: {}}}), 'Lifecycle type cannot be changed from buildpack to docker')
  })

  it('deployments (options through ProcessScaleMessage, instances reported as web_instances)', async () => {
    const app = (await staged()).guid
    const deploy = (body: Record<string, unknown>) => call('POST', '/v3/deployments', {relationships: rel('app', app), ...body})
    expect422(await deploy({options: {max_in_flight: 'two'}}), 'Max in flight must be an integer greater than 0')
    expect422(await deploy({options: {web_instances: 'x'}}), 'Web instances is not a number')
    expect422(
      await deploy({options: {web_instances: -1, memory_in_mb: 0}}),
      'Web instances must be greater than or equal to 0, Memory in mb must be greater than 0',
    )
    expect422(await deploy({options: 5}), 'Options must be an object')
    expect422(
      await deploy({strategy: 'blue-green', options: {canary: {steps: [{instance_weight: 10}]}}}),
      "Strategy 'blue-green' is not a supported deployment strategy, Options canary are only valid for Canary deployments",
    )
  })

  it('builds, packages, droplets', async () => {
    const app = await newApp()
    expect422(await call('POST', '/v3/builds', {package: {guid: 5}}), 'Package guid must be a string, Package guid must be between 1 and 200 characters')
    expect422(
      await call('POST', '/v3/builds', {}),
      "Package guid can't be blank, Package guid must be a string, Package guid must be between 1 and 200 characters",
    )
    expect422(await call('POST', '/v3/builds', {package: {guid: 'p'}, staging_memory_in_mb: 'lots'}), 'Staging memory in mb is not a number')
    expect422(await call('POST', '/v3/packages', {type: 'zip', relationships: rel('app', app.guid)}), "Type must be one of 'bits, docker'")
    expect422(
      await call('POST', '/v3/packages', {type: 'docker', relationships: rel('app', app.guid), data: {}}),
      'Data Image must be a string, Data Image required',
    )
    expect422(await call('POST', '/v3/droplets', {relationships: rel('app', app.guid), process_types: {web: 1}}), 'Process types value must be a string')
    const droplet = (await call('GET', `/v3/apps/${(await staged()).guid}/droplets/current`)).body.guid
    expect422(
      await call('POST', `/v3/droplets?source_guid=${droplet}`, {relationships: {app: {data: {guid: 7}}}}),
      'App guid must be a string, App guid must be between 1 and 200 characters',
    )
  })

  it('routes and destinations', async () => {
    const app = (await staged()).guid
    const domain = (await call('GET', '/v3/domains?names=apps.localhost')).body.resources[0].guid
    const rels = {...rel('space', space), ...rel('domain', domain)}
    expect422(await call('POST', '/v3/routes', {host: 5, relationships: rels}), 'Host must be a string')
    expect422(await call('POST', '/v3/routes', {host: 'h', path: 'abc', port: 'x', relationships: rels}), 'Path must begin with /, Port is not a number')
    expect422(
      await call('POST', '/v3/routes', {host: 'h', relationships: rels, options: {loadbalancing: 'random'}}),
      "Options Loadbalancing must be one of 'round-robin, least-connection' if present",
    )
    const route = (await call('POST', '/v3/routes', {host: `r${++n}`, relationships: rels})).body
    expect422(
      await call('POST', `/v3/routes/${route.guid}/destinations`, {destinations: [{app: {guid: app}, weight: 50}]}),
      'Destinations[0]: weighted destinations can only be used when replacing all destinations.',
    )
    expect422(
      await call('POST', `/v3/routes/${route.guid}/destinations`, {destinations: []}),
      'Destinations must be an array containing between 1 and 100 destination objects.',
    )
    expect422(
      await call('PATCH', `/v3/routes/${route.guid}/destinations`, {
        destinations: [
          {app: {guid: app}, weight: 50},
          {app: {guid: app}, weight: 40, port: 9000},
        ],
      }),
      'Destinations must have weights that sum to 100.',
    )
    const dest = (await call('POST', `/v3/routes/${route.guid}/destinations`, {destinations: [{app: {guid: app}}]})).body.destinations[0]
    expect422(
      await call('PATCH', `/v3/routes/${route.guid}/destinations/${dest.guid}`, {protocol: 'http3'}),
      "Destination protocol must be 'http1', 'http2' or 'tcp'.",
    )
  })

  it('service credential bindings', async () => {
    const app = await newApp()
    const db = (await call('GET', '/v3/service_instances?names=db')).body.resources[0].guid
    expect422(await call('POST', '/v3/service_credential_bindings', {type: 'link', relationships: rel('service_instance', db)}), "Type must be 'app' or 'key'")
    expect422(
      await call('POST', '/v3/service_credential_bindings', {type: 'app', relationships: rel('service_instance', db)}),
      'Relationships App can\'t be blank, Relationships App must be structured like this: "app: {"data": {"guid": "valid-guid"}}"',
    )
    expect422(
      await call('POST', '/v3/service_credential_bindings', {type: 'key', relationships: rel('service_instance', db)}),
      "Name must be a string, Name can't be blank",
    )
    expect422(
      await call('POST', '/v3/service_credential_bindings', {
        type: 'app',
        relationships: {...rel('app', app.guid), ...rel('service_instance', db)},
        parameters: 'x',
      }),
      'Parameters must be an object',
    )
  })

  it('processes, scale (numeric strings are numbers, as in Rails), sidecars and features', async () => {
    const app = await newApp()
    const web = (await call('GET', `/v3/apps/${app.guid}/processes/web`)).body.guid
    expect422(await call('PATCH', `/v3/processes/${web}`, {command: 5, foo: 1}), "Unknown field(s): 'foo', Command must be a string")
    expect422(await call('PATCH', `/v3/processes/${web}`, {health_check: {type: 'tcp'}}), 'Health check type must be "port", "process", or "http"')
    expect422(
      await call('PATCH', `/v3/processes/${web}`, {health_check: {type: 'http', data: {timeout: 0, endpoint: 'health'}}}),
      'Health check timeout must be greater than or equal to 1, Health check endpoint must be a valid URI path',
    )
    expect422(await call('POST', `/v3/processes/${web}/actions/scale`, {instances: -1}), 'Instances must be greater than or equal to 0')
    expect422(
      await call('POST', `/v3/processes/${web}/actions/scale`, {instances: 'two', memory_in_mb: 1.5}),
      'Instances is not a number, Memory in mb must be an integer',
    )
    const scaled = await call('POST', `/v3/processes/${web}/actions/scale`, {instances: '2'})
    expect(scaled.status).toBe(202)
    expect(scaled.body.instances).toBe(2)
    expect422(
      await call('POST', `/v3/apps/${app.guid}/sidecars`, {}),
      "Name can't be blank, Name must be a string, Command can't be blank, Command must be a string, Process types must be an array, Process types must have at least 1 process_type",
    )
    expect422(
      await call('POST', `/v3/apps/${app.guid}/sidecars`, {name: 's', command: 'c', process_types: []}),
      'Process types must have at least 1 process_type',
    )
    expect422(await call('PATCH', `/v3/apps/${app.guid}/features/ssh`, {enabled: 'yes'}), 'Enabled must be a boolean')
    expect422(await call('PATCH', `/v3/spaces/${space}/features/ssh`, {}), 'Enabled must be a boolean')
  })
})

describe('environment variables', () => {
  it('POST /v3/apps keeps any JSON values (app_create_message.rb only asks for an object)', async () => {
    const vars = {S: 'x', N: 50, B: true, O: {ttl: 300}, A: [1, 2], Z: null}
    const app = await newApp({environment_variables: vars})
    expect((await call('GET', `/v3/apps/${app.guid}/environment_variables`)).body.var).toEqual(vars)
    expect((await call('GET', `/v3/apps/${app.guid}/env`)).body.environment_variables).toEqual(vars)
    // Reserved names are refused by the app model (app_model.rb), still as a 422.
    const reserved = await call('POST', '/v3/apps', {name: `msg-${++n}`, relationships: rel('space', space), environment_variables: {VCAP_X: 'y'}})
    expect(reserved.status).toBe(422)
    expect(reserved.body.errors[0]).toMatchObject({title: 'CF-UnprocessableEntity', code: 10008})
    expect(reserved.body.errors[0].detail).toContain('cannot start with VCAP_')
  })

  it('PATCH environment_variables takes strings or null only (update_environment_variables_message.rb)', async () => {
    const app = await newApp({environment_variables: {KEEP: 1, DROP: 'x'}})
    expect422(
      await call('PATCH', `/v3/apps/${app.guid}/environment_variables`, {var: {A: 1}}),
      "Non-string value in environment variable for key 'A', value '1'",
    )
    expect422(
      await call('PATCH', `/v3/apps/${app.guid}/environment_variables`, {var: {C: {d: true}}}),
      "Non-string value in environment variable for key 'C', value '{\"d\":true}'",
    )
    expect422(
      await call('PATCH', `/v3/apps/${app.guid}/environment_variables`, {var: {VCAP_X: 'y', PORT: '1'}}),
      'Var cannot start with VCAP_, Var cannot set PORT',
    )
    expect422(await call('PATCH', `/v3/apps/${app.guid}/environment_variables`, {}), 'Var must be an object')
    const res = await call('PATCH', `/v3/apps/${app.guid}/environment_variables`, {var: {A: 'b', DROP: null}})
    expect(res.status).toBe(200)
    expect(res.body.var).toEqual({KEEP: 1, A: 'b'})
  })
})

describe('names', () => {
  it('renaming onto a taken name is 422 CF-UnprocessableEntity 10008 (app_update.rb turns the model error into InvalidApp)', async () => {
    const a = await newApp()
    const b = await newApp()
    const res = await call('PATCH', `/v3/apps/${b.guid}`, {name: a.name.toUpperCase()})
    expect422(res, `App with the name '${a.name.toUpperCase()}' already exists.`)
    // A create with a taken name is 422 CF-UniquenessError 10016 instead (app_create.rb).
    const created = await call('POST', '/v3/apps', {name: a.name, relationships: rel('space', space)})
    expect(created.status).toBe(422)
    expect(created.body.errors).toEqual([{detail: `App with the name '${a.name}' already exists.`, title: 'CF-UniquenessError', code: 10016}])
  })
})
