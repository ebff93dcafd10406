/**
 * Scale: 10,000 fully staged, running apps seed and list with per_page=5000. How fast is measured by
 * `npm run bench`, not here: on a busy machine a time limit would fail for the machine's sake.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import type {App} from '../../../src/capi/resources/apps.js'
import type {Droplet} from '../../../src/capi/resources/droplets.js'
import {startTestFoundation, type TestFoundation, until} from './helpers.js'

let t: TestFoundation
let startMs = 0

beforeAll(async () => {
  const started = Date.now()
  t = await startTestFoundation({
    seed: {
      orgs: [],
      generate: {
        count: 10_000,
        orgs: 4,
        spaces_per_org: 5,
        prefix: 'bulk',
        mix: [{buildpack: 'nodejs_buildpack', fraction: 0.1, stale_fraction: 1}],
        stopped_fraction: 0.01,
        docker_fraction: 0.01,
      },
    },
  })
  startMs = Date.now() - started
}, 60_000)
afterAll(() => t.stop(), 60_000)

describe('10,000 apps', () => {
  it('seed, each with a package, a STAGED current droplet and running instances', () => {
    expect(t.lf.seeded?.apps).toBe(10_000)
    process.stderr.write(`local foundation with 10,000 apps started in ${startMs} ms (seed ${t.lf.seeded?.ms} ms)\n`)
    const s = t.lf.internals.store
    expect(s.apps.size).toBe(10_000)
    expect(s.packages.size).toBe(10_000)
    expect(s.orgs.size).toBe(4)
    expect(s.spaces.size).toBe(20)
    const started = s.apps.all().filter((a) => a.state === 'STARTED')
    expect(t.lf.internals.runtime.instanceCount).toBe(started.length)
    for (const a of s.apps.all().slice(0, 200)) expect(s.droplets.get(a.currentDropletGuid)?.state).toBe('STAGED')
  })

  it("list in two pages of 5000 each, and the generator's buildpack mix shows in the droplets", async () => {
    const t0 = Date.now()
    const apps: App[] = []
    for await (const page of t.capi.apps.listPages({per_page: 5000} as never)) apps.push(...page.resources)
    const droplets: Droplet[] = []
    for await (const page of t.capi.droplets.listPages({states: ['STAGED']})) droplets.push(...page.resources)
    const listMs = Date.now() - t0
    const served = await until(() => {
      const rows = t.lf.requestLog.filter((e) => e.at >= t0 && /^\/v3\/(apps|droplets)\?/.test(e.path))
      return rows.length >= 4 && rows
    })
    process.stderr.write(
      `listed 10,000 apps and 10,000 droplets in ${served.length} requests: ${listMs} ms with cfzd's client, server times ${served.map((e) => e.durationMs).join(', ')} ms\n`,
    )
    expect(apps).toHaveLength(10_000)
    expect(droplets).toHaveLength(10_000)
    expect(served).toHaveLength(4)
    const current = new Set(apps.map((a) => a.relationships.current_droplet?.data?.guid))
    const node = droplets.filter((d) => current.has(d.guid) && d.buildpacks?.some((b) => b.name === 'nodejs_buildpack'))
    expect(node).toHaveLength(1000)
    const bp = (await t.capi.buildpacks.byName('nodejs_buildpack'))[0]
    expect(node.every((d) => Date.parse(d.created_at) < Date.parse(bp.updated_at!))).toBe(true)
    expect(droplets.filter((d) => d.lifecycle.type === 'docker')).toHaveLength(100)
  })
})
