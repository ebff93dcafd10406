/**
 * A bench "site": one local foundation (in this process, on loopback) and a private CF_HOME
 * logged in to it, as in test/helpers/e2e.ts. Each measured operation gets its own site, so the
 * foundation's request log holds that operation's requests only, and sites started a little
 * apart have their updater ticks at different phases.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {startLocalFoundation, type LocalFoundation, type LocalFoundationOptions, type RequestLogEntry, type SeedSpec} from '../../src/local/index.js'
import {cfzd, describeFailure, ROOT, run, type Run, type RunOptions} from './proc.js'

export interface Site {
  foundation: LocalFoundation
  home: string
  env: NodeJS.ProcessEnv
  cli(args: string[], opts?: RunOptions): Promise<Run>
  /** The access token cfzd login stored ("bearer ..."), for the baseline poller. */
  token(): string
  /** API requests (not UAA or admin) logged in [from, to]. */
  requests(from?: number, to?: number): RequestLogEntry[]
  stop(): Promise<void>
}

export interface SiteOptions extends LocalFoundationOptions {
  seed: SeedSpec
  org: string
  space: string
}

/** The environment cfzd runs with: private home, plain output, no update check. */
export function cliEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    CF_HOME: home,
    NO_COLOR: '1',
    CI: 'true',
    OCLIF_SKIP_NEW_VERSION_CHECK: 'true',
  }
}

export async function startSite(opts: SiteOptions): Promise<Site> {
  const {org, space, ...lfo} = opts
  const foundation = await startLocalFoundation({port: 0, routerPort: 0, randomSeed: 1, ...lfo})
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-bench-home-'))
  const env = cliEnv(home)
  const cli = (args: string[], o: RunOptions = {}) => cfzd(args, {...o, env: {...env, ...o.env}})
  try {
    const login = await cli(['login', '-a', foundation.apiUrl, '-u', foundation.admin.username, '-p', foundation.admin.password, '-o', org, '-s', space])
    if (login.code !== 0) throw describeFailure('cfzd login', login)
  } catch (error) {
    await foundation.stop()
    throw error
  }
  return {
    foundation,
    home,
    env,
    cli,
    token() {
      const config = JSON.parse(fs.readFileSync(path.join(home, '.cf', 'config.json'), 'utf8')) as {AccessToken: string}
      return config.AccessToken
    },
    requests(from = -Infinity, to = Infinity) {
      return foundation.requestLog.filter((r) => r.kind === 'api' && r.at >= from && r.at <= to)
    },
    async stop() {
      await foundation.stop()
      fs.rmSync(home, {recursive: true, force: true})
    },
  }
}

/** One org and space with the given apps (nodejs, fully staged, running). */
export function seedApps(org: string, space: string, apps: {name: string; instances: number}[]): SeedSpec {
  return {
    orgs: [
      {name: org, spaces: [{name: space, apps: apps.map((a) => ({name: a.name, instances: a.instances, memory: '64M', buildpacks: ['nodejs_buildpack']}))}]},
    ],
  }
}

/**
 * The cf CLI's rolling restart (or, with `restage`, restage) as its documented call sequence
 * (bench/cf-poller.mjs: one poll every 3 s), against the site's app.
 */
export async function runCfPoller(site: Site, app: string, o: {restage?: boolean; maxInFlight?: number} = {maxInFlight: 1}): Promise<Run> {
  const config = JSON.parse(fs.readFileSync(path.join(site.home, '.cf', 'config.json'), 'utf8')) as {SpaceFields: {GUID: string}}
  const r = await run(process.execPath, [path.join(ROOT, 'bench', 'cf-poller.mjs')], {
    env: {
      PATH: process.env.PATH,
      CF_API: site.foundation.apiUrl,
      CF_TOKEN: site.token(),
      CF_SPACE_GUID: config.SpaceFields.GUID,
      APP: app,
      ...(o.maxInFlight === undefined ? {} : {MAX_IN_FLIGHT: String(o.maxInFlight)}),
      ...(o.restage ? {RESTAGE: '1'} : {}),
    },
  })
  if (r.code !== 0) throw describeFailure('cf-poller', r)
  return r
}
