/** --state: the state survives a restart (atomic JSON), instances come back, tokens stay valid. */
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from '@jest/globals'
import {CapiClient} from '../../../src/capi/client.js'
import {startLocalFoundation} from '../../../src/local/index.js'
import {PasswordGrant, startTestFoundation, until, viaRouter} from './helpers.js'

describe('persistence', () => {
  it('round-trips the state through a restart, mid-deployment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfzd-local-state-'))
    const statePath = join(dir, 'state.json')
    const first = await startTestFoundation({statePath})
    const space = (await first.capi.spaces.list({names: ['dev']}))[0]
    const app = (await first.capi.apps.findByName(space.guid, 'sample'))!
    await first.capi.env.update(app.guid, {KEPT: 'yes'})
    const d = await first.capi.deployments.create({relationships: {app: {data: {guid: app.guid}}}})
    const oldToken = await first.tokens.authorization()
    await first.stop()

    const saved = JSON.parse(readFileSync(statePath, 'utf8'))
    expect(saved.format).toBe('cfzd-local-state')
    expect(readdirSync(dir)).toEqual(['state.json'])

    const second = await startLocalFoundation({port: 0, routerPort: 0, statePath, tickMs: 0, startupMs: 20, asyncMs: 10})
    try {
      expect(second.seeded).toBeUndefined()
      expect(second.admin).toEqual(first.lf.admin)
      const res = await fetch(`${second.apiUrl}/v3/apps/${app.guid}`, {headers: {authorization: oldToken}})
      expect(res.status).toBe(200)
      const capi = new CapiClient({apiUrl: second.apiUrl, tokens: new PasswordGrant(second)})
      expect(await capi.env.get(app.guid)).toEqual({KEPT: 'yes'})
      expect((await capi.deployments.get(d.guid)).status.value).toBe('ACTIVE')
      await second.settle()
      const webs = (await capi.processes.forApp(app.guid)).filter((p) => p.type === 'web')
      expect(webs.map((p) => p.instances)).toEqual([2, 1])
      expect((await viaRouter(second, 'sample.apps.localhost')).status).toBe(200)
      for (let i = 0; i < 4; i++) {
        second.tick()
        await second.settle()
      }
      expect((await capi.deployments.get(d.guid)).status.reason).toBe('DEPLOYED')
    } finally {
      await second.stop()
    }
    const again = JSON.parse(readFileSync(statePath, 'utf8'))
    expect(again.tables.deployments.find((x: {guid: string}) => x.guid === d.guid).state).toBe('DEPLOYED')
  })

  it('reads a YAML seed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfzd-local-seed-'))
    const seedPath = join(dir, 'seed.yml')
    writeFileSync(
      seedPath,
      [
        'buildpacks:',
        '- {name: nodejs_buildpack, version: 1.8.30}',
        '- {name: ruby_buildpack, version: 1.10.20}',
        'orgs:',
        '- name: acme',
        '  spaces:',
        '  - name: prod',
        '    apps:',
        '    - {name: shop, buildpack: ruby_buildpack, instances: 2, memory: 64M, env: {MODE: live}}',
        '    - {name: old, buildpack: nodejs_buildpack, stopped: true, droplet: {stale: true}}',
        '',
      ].join('\n'),
    )
    const t = await startTestFoundation({seed: seedPath})
    try {
      expect(t.lf.seeded?.apps).toBe(2)
      await until(async () => (await viaRouter(t.lf, 'shop.apps.localhost')).status === 200)
      const old = (await t.capi.apps.findByName((await t.capi.spaces.list({names: ['prod']}))[0].guid, 'old'))!
      expect(old.state).toBe('STOPPED')
      const droplet = (await t.capi.droplets.currentForApp(old.guid))!
      expect(droplet.buildpacks?.[0]).toMatchObject({name: 'nodejs_buildpack', version: '1.8.29'})
      const bp = (await t.capi.buildpacks.byName('nodejs_buildpack'))[0]
      expect(Date.parse(droplet.created_at)).toBeLessThan(Date.parse(bp.updated_at!))
    } finally {
      await t.stop()
    }
  })

  it('a seed droplet {age: 3d} is staged that long ago; an age that is no duration is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfzd-local-seed-'))
    const seedPath = join(dir, 'seed.yml')
    const seed = (age: string) =>
      writeFileSync(
        seedPath,
        [
          'orgs:',
          '- name: acme',
          '  spaces:',
          '  - name: prod',
          '    apps:',
          `    - {name: aged, buildpack: nodejs_buildpack, stopped: true, droplet: {age: ${age}}}`,
          '',
        ].join('\n'),
      )
    seed('3d')
    const t = await startTestFoundation({seed: seedPath})
    try {
      const app = (await t.capi.apps.findByName((await t.capi.spaces.list({names: ['prod']}))[0].guid, 'aged'))!
      const droplet = (await t.capi.droplets.currentForApp(app.guid))!
      const age = Date.now() - Date.parse(droplet.created_at)
      expect(age).toBeGreaterThanOrEqual(3 * 86_400_000 - 60_000)
      expect(age).toBeLessThan(3 * 86_400_000 + 60_000)
    } finally {
      await t.stop()
    }
    seed('soon')
    await expect(startTestFoundation({seed: seedPath})).rejects.toThrow(/Give an age such as 3d/)
  })
})
