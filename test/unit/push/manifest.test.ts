import fs from 'node:fs'
import {describe, expect, it} from '@jest/globals'
import {parseManifest, suggest} from '../../../src/push/manifest.js'
import {Problems, PushInputError} from '../../../src/push/problems.js'
import {parseLocatedYaml} from '../../../src/push/yaml.js'
import type {Vars} from '../../../src/push/vars.js'

const EXAMPLE = new URL('../../fixtures/capi-examples/manifest.yml', import.meta.url).pathname

function parse(text: string, vars: Vars = {}) {
  const problems = new Problems()
  const m = parseManifest(text, {absPath: '/app/manifest.yml', file: 'manifest.yml', vars, problems})
  return {m, problems: problems.list.map((p) => `${p.file}:${p.line ?? '?'}: ${p.message}`)}
}

describe('located YAML', () => {
  it('gives the line of every node by path (key lines for mapping entries)', () => {
    const y = parseLocatedYaml('applications:\n- name: a\n  env:\n    X: 1\n  processes:\n  - type: web\n    memory: 1G\n', 'm.yml')
    expect(y.lineOf(['applications', 0, 'name'])).toBe(2)
    expect(y.lineOf(['applications', 0, 'env', 'X'])).toBe(4)
    expect(y.lineOf(['applications', 0, 'processes', 0, 'memory'])).toBe(7)
    // A path that does not exist falls back to its nearest located ancestor.
    expect(y.lineOf(['applications', 0, 'processes', 0, 'nope'])).toBe(6)
  })

  it('reports a syntax error with file, line and column', () => {
    expect(() => parseLocatedYaml('a: 1\nb: [1,\n', 'm.yml')).toThrow(expect.objectContaining({problem: expect.objectContaining({file: 'm.yml', line: 3})}))
  })
})

describe('parseManifest', () => {
  it("accepts the CAPI docs' example manifest (every documented key)", () => {
    const {m, problems} = parse(fs.readFileSync(EXAMPLE, 'utf8'))
    expect(problems).toEqual([])
    expect(m!.apps.map((a) => a.name)).toEqual(['app1', 'app2'])
    expect(m!.apps[0].processes?.[0]).toMatchObject({type: 'web', 'health-check-type': 'http', memory: '500M', instances: 3})
    expect(m!.apps[0].services).toHaveLength(3)
  })

  it('accepts the app-level web settings, routes, services and metadata', () => {
    const {m, problems} = parse(`---
version: 1
applications:
- name: web
  path: ./dist
  buildpacks: [nodejs_buildpack]
  stack: cflinuxfs4
  instances: 2
  memory: 1G
  disk_quota: 512M
  command: node server.js
  health-check-type: http
  health-check-http-endpoint: /health
  timeout: 60
  routes:
  - route: web.example.com
  - route: example.com/api
    protocol: http2
  no-route: false
  random-route: false
  services: [db, {name: cache, binding_name: c, parameters: {a: 1}}]
  env: {PORT_OFFSET: 1, DEBUG: true, NAME: x}
  metadata: {labels: {team: a}, annotations: {owner: b}}
`)
    expect(problems).toEqual([])
    expect(m!.apps[0]).toMatchObject({name: 'web', path: './dist', instances: 2, timeout: 60})
  })

  it.each([
    {
      name: 'unknown app field, with a suggestion',
      text: 'applications:\n- name: a\n  disk-quota: 1G\n',
      want: ["manifest.yml:3: unknown field 'disk-quota' (app 'a') (did you mean 'disk_quota'?)"],
    },
    {
      name: 'unknown process field',
      text: 'applications:\n- name: a\n  processes:\n  - type: web\n    memroy: 1G\n',
      want: ["manifest.yml:5: unknown field 'memroy' (app 'a') (did you mean 'memory'?)"],
    },
    {name: 'wrong type', text: 'applications:\n- name: a\n  instances: three\n', want: ["manifest.yml:3: 'instances' must be a whole number (app 'a')"]},
    {name: 'negative instances', text: 'applications:\n- name: a\n  instances: -1\n', want: ["manifest.yml:3: 'instances' must be 0 or more (app 'a')"]},
    {
      name: 'size without unit',
      text: 'applications:\n- name: a\n  memory: 1024\n',
      want: ["manifest.yml:3: 'memory' memory needs a unit: write 1024M or 1024G (got 1024) (app 'a')"],
    },
    {
      name: 'bad size',
      text: 'applications:\n- name: a\n  processes:\n  - type: worker\n    disk_quota: lots\n',
      want: ["manifest.yml:5: 'processes'[0] (worker) 'disk_quota' disk_quota must be a size with a unit such as 256M or 1G (got \"lots\") (app 'a')"],
    },
    {
      name: 'bad health check type',
      text: 'applications:\n- name: a\n  health-check-type: tcp\n',
      want: ["manifest.yml:3: 'health-check-type' must be port, process or http (app 'a')"],
    },
    {name: 'missing name', text: 'applications:\n- memory: 1G\n', want: ["manifest.yml:2: 'name' is required (applications[0])"]},
    {
      name: 'missing process type',
      text: 'applications:\n- name: a\n  processes:\n  - instances: 1\n',
      want: ["manifest.yml:4: 'processes'[0] 'type' is required (app 'a')"],
    },
    {name: 'duplicate app', text: 'applications:\n- name: a\n- name: A\n', want: ["manifest.yml:3: app 'A' is listed twice (also applications[0])"]},
    {
      name: 'duplicate process',
      text: 'applications:\n- name: a\n  processes:\n  - type: web\n  - type: web\n',
      want: ["manifest.yml:5: process type 'web' is listed twice (app 'a')"],
    },
    {
      name: 'docker with path',
      text: 'applications:\n- name: a\n  path: .\n  docker: {image: nginx}\n',
      want: ["manifest.yml:4: 'docker' and 'path' can't be used together (app 'a'): a docker app has no bits to upload"],
    },
    {
      name: 'no-route with routes',
      text: 'applications:\n- name: a\n  no-route: true\n  routes: [{route: a.example.com}]\n',
      want: ["manifest.yml:3: 'no-route' can't be used with 'routes' (app 'a')"],
    },
    {name: 'no applications', text: 'version: 1\n', want: ["manifest.yml:1: 'applications' is required"]},
    {
      name: 'applications not a list',
      text: 'applications: web\n',
      want: ["manifest.yml:1: 'applications' must be a list of apps, each starting with '- name: ...'"],
    },
    {name: 'bad version', text: 'version: 2\napplications:\n- name: a\n', want: ["manifest.yml:1: 'version' must be 1 (the only manifest version)"]},
    {
      name: 'unknown top-level key',
      text: 'aplications:\n- name: a\napplications:\n- name: b\n',
      want: [
        "manifest.yml:1: unknown top-level field 'aplications' (did you mean 'applications'?) (only 'version', 'applications' and fields holding a YAML &anchor are allowed)",
      ],
    },
    {name: 'empty file', text: '', want: ['manifest.yml:?: the manifest is empty: it needs an applications list']},
    {name: 'bad YAML', text: 'applications:\n- name: a\n  env: {A: [1\n', want: [expect.stringMatching(/^manifest\.yml:4: invalid YAML: /)]},
  ])('$name', ({text, want}) => {
    const {m, problems} = parse(text)
    expect(m).toBeUndefined()
    expect(problems).toEqual(want)
  })

  it('reports every problem of every app at once', () => {
    const {problems} = parse('applications:\n- name: a\n  colour: red\n- name: b\n  instances: x\n  env: {X: ((missing))}\n')
    expect(problems).toEqual([
      'manifest.yml:6: unresolved variable ((missing)): pass --var missing=VALUE or a --vars-file that defines it',
      "manifest.yml:3: unknown field 'colour' (app 'a')",
      "manifest.yml:5: 'instances' must be a whole number (app 'b')",
    ])
  })

  it('substitutes ((vars)) before validating: typed values, embedded strings, nested lookups', () => {
    const {m, problems} = parse('applications:\n- name: ((name))-api\n  instances: ((count))\n  env:\n    URL: https://((db.host)):5432/x\n', {
      name: 'shop',
      count: 3,
      db: {host: 'db.internal'},
    })
    expect(problems).toEqual([])
    expect(m!.apps[0]).toMatchObject({name: 'shop-api', instances: 3, env: {URL: 'https://db.internal:5432/x'}})
  })

  it('a typed var of the wrong type is reported where it is used', () => {
    const {problems} = parse('applications:\n- name: a\n  instances: ((count))\n', {count: 'many'})
    expect(problems).toEqual(["manifest.yml:3: 'instances' must be a whole number (app 'a')"])
  })

  it('allows top-level keys that hold an anchor, and merge keys', () => {
    const {m, problems} = parse(
      'defaults: &defaults\n  memory: 256M\n  buildpacks: [go_buildpack]\napplications:\n- name: a\n  <<: *defaults\n- name: b\n  <<: *defaults\n  memory: 1G\n',
    )
    expect(problems).toEqual([])
    expect(m!.apps.map((a) => [a.name, a.memory, a.buildpacks])).toEqual([
      ['a', '256M', ['go_buildpack']],
      ['b', '1G', ['go_buildpack']],
    ])
  })

  it('problems become one PushInputError (exit 2) listing each with file:line, saying nothing changed', () => {
    const problems = new Problems()
    parseManifest('applications:\n- name: a\n  colour: red\n  size: 2\n', {absPath: '/m.yml', file: 'm.yml', vars: {}, problems})
    try {
      problems.throwIfAny()
      throw new Error('no error')
    } catch (error) {
      expect(error).toBeInstanceOf(PushInputError)
      expect((error as PushInputError).exitCode).toBe(2)
      expect((error as Error).message).toBe(
        "2 problems:\n  m.yml:3: unknown field 'colour' (app 'a')\n  m.yml:4: unknown field 'size' (app 'a')\nNothing was changed.",
      )
    }
  })
})

describe('suggest', () => {
  it.each([
    ['disk-quota', " (did you mean 'disk_quota'?)"],
    ['Instances', " (did you mean 'instances'?)"],
    ['buildpak', " (did you mean 'buildpack'?)"],
    ['colour', ''],
  ])('%s', (key, want) => {
    expect(suggest(key, ['disk_quota', 'instances', 'buildpack', 'buildpacks', 'memory'])).toBe(want)
  })
})
