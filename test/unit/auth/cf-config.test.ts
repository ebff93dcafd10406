import {describe, expect, it} from '@jest/globals'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {ConfigError, cfHome, configPath, readConfig, serializeConfig, updateConfig} from '../../../src/auth/cf-config.js'
import {ExitCode} from '../../../src/errors.js'
import {readJson, tempHome, writeRaw} from './fixtures.js'

const EXAMPLE = fs.readFileSync(new URL('./cf_config.example.json', import.meta.url), 'utf8')
const mode = (p: string) => fs.statSync(p).mode & 0o777

describe('config location', () => {
  it('is $CF_HOME/.cf/config.json, CF_HOME naming the folder that contains .cf', () => {
    expect(cfHome({CF_HOME: '/x/y'})).toBe('/x/y')
    expect(configPath({CF_HOME: '/x/y'})).toBe(path.join('/x/y', '.cf', 'config.json'))
  })

  it('falls back to the home directory', () => {
    expect(cfHome({})).toBe(os.homedir())
    expect(configPath({CF_HOME: ''})).toBe(path.join(os.homedir(), '.cf', 'config.json'))
  })
})

describe('readConfig', () => {
  it('returns undefined when there is no file, or it is empty', async () => {
    const {env, file} = tempHome()
    expect(await readConfig(env)).toBeUndefined()
    writeRaw(file, '')
    expect(await readConfig(env)).toBeUndefined()
  })

  it('reads the cf CLI example file', async () => {
    const {env, file} = tempHome()
    writeRaw(file, EXAMPLE)
    const c = await readConfig(env)
    expect(c?.Target).toBe('https://api.sys.example.org')
    expect(c?.OrganizationFields).toEqual({GUID: '0b5f3633-0000-4000-8000-000000000001', Name: 'my-org'})
    expect(c?.SpaceFields.Name).toBe('dev')
    expect(c?.SSLDisabled).toBe(false)
  })

  it('ignores a file with another ConfigVersion, as the cf CLI does', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify({...JSON.parse(EXAMPLE), ConfigVersion: 3}))
    expect(await readConfig(env)).toBeUndefined()
    writeRaw(file, JSON.stringify({Target: 'https://api.x'}))
    expect(await readConfig(env)).toBeUndefined()
  })

  it('matches keys case-insensitively (old files say Guid) and reads empty clients as the defaults', async () => {
    const {env, file} = tempHome()
    writeRaw(
      file,
      JSON.stringify({configversion: 4, target: 'https://api.x', OrganizationFields: {Guid: 'o1', name: 'org'}, UAAOAuthClient: '', SSHOAuthClient: ''}),
    )
    const c = await readConfig(env)
    expect(c?.Target).toBe('https://api.x')
    expect(c?.OrganizationFields).toEqual({GUID: 'o1', Name: 'org'})
    expect(c?.UAAOAuthClient).toBe('cf')
    expect(c?.SSHOAuthClient).toBe('ssh-proxy')
    expect(c).not.toHaveProperty('target')
  })

  it.each([
    ['bad JSON', '{"ConfigVersion": 4,', /not valid JSON/],
    ['a list', '[]', /should hold a JSON object/],
    ['a wrong scalar type', JSON.stringify({ConfigVersion: 4, Target: 42}), /"Target" should be a string, not number 42/],
    ['a wrong nested type', JSON.stringify({ConfigVersion: 4, SpaceFields: {AllowSSH: 'yes'}}), /"SpaceFields.AllowSSH" should be true or false/],
    ['a wrong list type', JSON.stringify({ConfigVersion: 4, PluginRepos: {}}), /"PluginRepos" should be a list/],
  ])('refuses %s with a ConfigError naming the file', async (_name, text, problem) => {
    const {env, file} = tempHome()
    writeRaw(file, text)
    const error = (await readConfig(env).catch((e: unknown) => e)) as ConfigError
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.exitCode).toBe(ExitCode.USAGE)
    expect(error.message).toContain(file)
    expect(error.message).toMatch(problem)
    expect(error.message).toContain('Fix or move it; cfzd will not overwrite it.')
  })
})

describe('updateConfig', () => {
  it('writes the example file back byte for byte (key order, 2-space indent)', async () => {
    const {env, file} = tempHome()
    writeRaw(file, EXAMPLE)
    await updateConfig(() => undefined, env)
    expect(fs.readFileSync(file, 'utf8')).toBe(EXAMPLE.trimEnd())
  })

  it('creates a brand new file with the cf CLI defaults, folder 0700 and file 0600', async () => {
    const {env, file, dir} = tempHome()
    await updateConfig((c) => {
      c.Target = 'https://api.example.test'
    }, env)
    const written = readJson(file)
    expect(Object.keys(written)).toEqual(Object.keys(JSON.parse(EXAMPLE)))
    expect(written).toMatchObject({
      ConfigVersion: 4,
      Target: 'https://api.example.test',
      PluginRepos: [{Name: 'CF-Community', URL: 'https://plugins.cloudfoundry.org'}],
      SSHOAuthClient: 'ssh-proxy',
      UAAOAuthClient: 'cf',
      UAAOAuthClientSecret: '',
      OrganizationFields: {GUID: '', Name: ''},
      SpaceFields: {GUID: '', Name: '', AllowSSH: false},
      CFOnK8s: {Enabled: false, AuthInfo: ''},
    })
    expect(mode(dir)).toBe(0o700)
    expect(mode(file)).toBe(0o600)
  })

  it('keeps unknown keys at every level and writes case variants under their canonical names', async () => {
    const {env, file} = tempHome()
    const original = {
      ...JSON.parse(EXAMPLE),
      accesstoken: 'bearer old',
      FutureTopLevel: {nested: [1, 2, {deep: true}]},
      OrganizationFields: {Guid: 'o1', Name: 'org', QuotaDefinition: {name: 'default', memory_limit: 10240}},
      SpaceFields: {GUID: 's1', name: 'dev', AllowSSH: true, IsolationSegment: 'iso'},
      PluginRepos: [{Name: 'CF-Community', URL: 'https://plugins.cloudfoundry.org', Mirror: true}],
    }
    delete original.AccessToken
    writeRaw(file, JSON.stringify(original))

    await updateConfig((c) => {
      c.Target = 'https://api.other.test'
    }, env)
    const written = readJson(file)
    expect(written.Target).toBe('https://api.other.test')
    expect(written.AccessToken).toBe('bearer old')
    expect(written).not.toHaveProperty('accesstoken')
    expect(written.FutureTopLevel).toEqual({nested: [1, 2, {deep: true}]})
    expect(written.OrganizationFields).toEqual({GUID: 'o1', Name: 'org', QuotaDefinition: {name: 'default', memory_limit: 10240}})
    expect(written.SpaceFields).toEqual({GUID: 's1', Name: 'dev', AllowSSH: true, IsolationSegment: 'iso'})
    expect(written.PluginRepos).toEqual([{Name: 'CF-Community', URL: 'https://plugins.cloudfoundry.org', Mirror: true}])
    // known keys first in the cf CLI's order, unknown ones after
    const keys = Object.keys(written)
    expect(keys.slice(0, 26)).toEqual(Object.keys(JSON.parse(EXAMPLE)))
    expect(keys.slice(26)).toEqual(['FutureTopLevel'])

    // and a second round trip changes nothing
    const before = fs.readFileSync(file, 'utf8')
    await updateConfig(() => undefined, env)
    expect(fs.readFileSync(file, 'utf8')).toBe(before)
  })

  it('keeps an unknown key spelt __proto__ as plain data', async () => {
    const {env, file} = tempHome()
    writeRaw(file, '{"ConfigVersion": 4, "Target": "https://api.x", "__proto__": {"polluted": true}}')
    const c = await readConfig(env)
    expect((c as Record<string, unknown>).polluted).toBeUndefined()
    await updateConfig(() => undefined, env)
    expect(fs.readFileSync(file, 'utf8')).toContain('"__proto__": {\n    "polluted": true\n  }')
  })

  it('writes atomically through .cf/temp-config* and leaves no temp file', async () => {
    const {env, file, dir} = tempHome()
    writeRaw(file, EXAMPLE)
    fs.chmodSync(file, 0o644)
    const inode = fs.statSync(file).ino
    await updateConfig((c) => {
      c.Trace = 'true'
    }, env)
    expect(fs.readdirSync(dir)).toEqual(['config.json'])
    expect(fs.statSync(file).ino).not.toBe(inode) // replaced by rename, not rewritten in place
    expect(mode(file)).toBe(0o600)
    expect(readJson(file).Trace).toBe('true')
  })

  it('never overwrites a malformed file', async () => {
    const {env, file} = tempHome()
    const broken = '{"ConfigVersion": 4, "Target": "https://api.x",,}'
    writeRaw(file, broken)
    let called = false
    await expect(
      updateConfig(() => {
        called = true
      }, env),
    ).rejects.toBeInstanceOf(ConfigError)
    expect(called).toBe(false)
    expect(fs.readFileSync(file, 'utf8')).toBe(broken)
    expect(fs.readdirSync(path.dirname(file))).toEqual(['config.json'])
  })

  it('replaces a file of another ConfigVersion with a fresh one, as the cf CLI does', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify({ConfigVersion: 3, Target: 'https://api.old', AccessToken: 'bearer old'}))
    await updateConfig((c) => {
      c.Target = 'https://api.new'
    }, env)
    expect(readJson(file)).toMatchObject({ConfigVersion: 4, Target: 'https://api.new', AccessToken: ''})
  })

  it('skips the write when the mutator returns false', async () => {
    const {env, file} = tempHome()
    writeRaw(file, EXAMPLE)
    const before = fs.statSync(file).ino
    const result = await updateConfig(() => false, env)
    expect(result.Target).toBe('https://api.sys.example.org')
    expect(fs.statSync(file).ino).toBe(before)
  })

  it('refuses to write a wrong type a mutator put in', async () => {
    const {env, file} = tempHome()
    writeRaw(file, EXAMPLE)
    await expect(
      updateConfig((c) => {
        ;(c as Record<string, unknown>).SSLDisabled = 'yes'
      }, env),
    ).rejects.toThrow(/SSLDisabled/)
    expect(fs.readFileSync(file, 'utf8')).toBe(EXAMPLE)
  })

  it('writes through a symlinked config.json to its target', async () => {
    const {env, file, home} = tempHome()
    const real = path.join(home, 'dotfiles', 'cf-config.json')
    writeRaw(real, EXAMPLE)
    fs.mkdirSync(path.dirname(file), {recursive: true})
    fs.symlinkSync(real, file)
    await updateConfig((c) => {
      c.Locale = 'fr-FR'
    }, env)
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(true)
    expect(readJson(real).Locale).toBe('fr-FR')
  })

  it('serialises with ConfigVersion 4 whatever the object says', () => {
    const text = serializeConfig({...JSON.parse(EXAMPLE), ConfigVersion: 1})
    expect(JSON.parse(text).ConfigVersion).toBe(4)
  })
})
