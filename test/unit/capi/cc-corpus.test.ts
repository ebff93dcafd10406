/**
 * Contract corpus: response bodies transcribed from Cloud Controller's presenters and request specs
 * (test/fixtures/cc/*.json, each naming the presenter/spec it comes from), parsed with cfzd's own
 * schemas. Every fixture names its schema in the registry below; every registry entry is exercised.
 */
import {describe, expect, it} from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {z} from 'zod'
import * as capi from '../../../src/capi/index.js'
import {APP_DROPS, DROPLET_DROPS, LeanApp, LeanDroplet, LeanProcess, PROCESS_DROPS} from '../../../src/restage-all/lean.js'

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/cc')

interface Fixture {
  source: string[]
  endpoint: string
  schema: string
  note: string
  body: unknown
}

/**
 * A lean list page as restage-all reads it: the body goes through the same key-dropping reviver
 * (JSON.parse with the drop set) before the item schema sees it.
 */
function leanPage<T extends z.ZodTypeAny>(item: T, drops: Set<string>) {
  return z.preprocess((raw) => JSON.parse(JSON.stringify(raw), (key, value) => (drops.has(key) ? undefined : value)), capi.Page(item))
}

/** Schema name (as fixtures spell it) → the cfzd schema that parses that body. */
const registry: Record<string, z.ZodTypeAny> = {
  App: capi.App,
  'Page<App>': capi.Page(capi.App),
  CurrentDropletRelationship: capi.CurrentDropletRelationship,
  AppEnv: capi.AppEnv,
  EnvironmentVariables: capi.EnvironmentVariables,
  SshEnabled: capi.SshEnabled,
  AppPermissions: capi.AppPermissions,
  Feature: capi.Feature,
  FeatureList: capi.FeatureList,
  Process: capi.Process,
  'Page<Process>': capi.Page(capi.Process),
  ProcessStats: capi.ProcessStats,
  Deployment: capi.Deployment,
  'Page<Deployment>': capi.Page(capi.Deployment),
  Build: capi.Build,
  'Page<Build>': capi.Page(capi.Build),
  Droplet: capi.Droplet,
  'Page<Droplet>': capi.Page(capi.Droplet),
  Package: capi.Package,
  'Page<Package>': capi.Page(capi.Package),
  Route: capi.Route,
  'Page<Route>': capi.Page(capi.Route),
  Destinations: capi.Destinations,
  Destination: capi.Destination,
  RouteReservation: capi.RouteReservation,
  Domain: capi.Domain,
  'Page<Domain>': capi.Page(capi.Domain),
  Space: capi.Space,
  'Page<Space>': capi.Page(capi.Space),
  SpaceUsageSummary: capi.SpaceUsageSummary,
  Organization: capi.Organization,
  'Page<Organization>': capi.Page(capi.Organization),
  OrganizationUsageSummary: capi.OrganizationUsageSummary,
  OrganizationQuota: capi.OrganizationQuota,
  SpaceQuota: capi.SpaceQuota,
  ServiceCredentialBinding: capi.ServiceCredentialBinding,
  'Page<ServiceCredentialBinding>': capi.Page(capi.ServiceCredentialBinding),
  BindingDetails: capi.BindingDetails,
  ServiceInstance: capi.ServiceInstance,
  'Page<ServiceInstance>': capi.Page(capi.ServiceInstance),
  Revision: capi.Revision,
  'Page<Revision>': capi.Page(capi.Revision),
  Sidecar: capi.Sidecar,
  'Page<Sidecar>': capi.Page(capi.Sidecar),
  Stack: capi.Stack,
  'Page<Stack>': capi.Page(capi.Stack),
  Buildpack: capi.Buildpack,
  'Page<Buildpack>': capi.Page(capi.Buildpack),
  Job: capi.Job,
  Root: capi.Root,
  Info: capi.Info,
  ErrorEnvelope: capi.ErrorEnvelope,
  ManifestDiff: capi.ManifestDiff,
  ResourceMatches: capi.ResourceMatchesAnswer,
  'Page<LeanApp>': leanPage(LeanApp, APP_DROPS),
  'Page<LeanDroplet>': leanPage(LeanDroplet, DROPLET_DROPS),
  'Page<LeanProcess>': leanPage(LeanProcess, PROCESS_DROPS),
}

const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
const fixtures: [string, Fixture][] = files.map((f) => [f, JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as Fixture])

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')
}

describe('Cloud Controller contract corpus', () => {
  it('has fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(0)
  })

  describe.each(fixtures)('%s', (file, fx) => {
    it('has the fixture shape and names its source(s)', () => {
      expect(Object.keys(fx).sort()).toEqual(['body', 'endpoint', 'note', 'schema', 'source'])
      expect(Array.isArray(fx.source)).toBe(true)
      expect(fx.source.length).toBeGreaterThan(0)
      for (const s of fx.source) {
        expect(typeof s).toBe('string')
        expect(s).toMatch(/^(app|lib|db|spec)\//)
      }
      expect(fx.endpoint).toMatch(/^(GET|POST|PATCH|PUT|DELETE) \//)
      expect(fx.note.length).toBeGreaterThan(0)
    })

    it(`names a registered schema`, () => {
      expect(Object.keys(registry)).toContain(fx.schema)
    })

    it('parses with its schema', () => {
      const schema = registry[fx.schema]
      if (!schema) throw new Error(`${file}: no schema named ${fx.schema} in the registry`)
      const parsed = schema.safeParse(fx.body)
      if (!parsed.success) throw new Error(`${file} (${fx.schema}, ${fx.endpoint}) does not parse:\n${issues(parsed.error)}`)
    })
  })

  it('exercises every registry entry with at least one fixture', () => {
    const used = new Set(fixtures.map(([, fx]) => fx.schema))
    expect(Object.keys(registry).filter((name) => !used.has(name))).toEqual([])
  })
})
