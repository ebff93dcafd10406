/**
 * Fault injection, API-wide: the Cloud Controller and UAA misbehave while every strategy runs
 * (rolling, canary and blue-green side by side, each on its own app, each a restage: staging and
 * deploying). None of these may cost a request on the app's route, and every run should finish.
 *
 *   1 the token expires mid-operation · 2 a 429 storm · 3 5% of API requests fail (5xx or reset)
 *   · 10 the API is unreachable for a while mid-operation
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {startE2E, type E2E} from '../../helpers/e2e.js'
import {
  STRATEGIES,
  appOf,
  appsFor,
  cfzd,
  expectIntact,
  expectRun,
  matrix,
  outcome,
  printOutcomes,
  record,
  seedApp,
  when,
  type Checker,
  type Strategy,
} from './matrix.js'

let e: E2E
let c: Checker
const homes: string[] = []

beforeAll(async () => {
  e = await startE2E({
    randomSeed: 7,
    seed: {orgs: [{name: 'local', spaces: [{name: 'dev', apps: ['tok', 'rl', 'err', 'down'].flatMap(appsFor).map((n) => seedApp(n))}]}]},
  })
  c = {e, space: (await e.capi.spaces.list({names: ['dev']}))[0].guid}
}, 60_000)

afterAll(async () => {
  printOutcomes('fault matrix (API-wide):')
  await e?.stop()
  for (const h of homes) fs.rmSync(h, {recursive: true, force: true})
})

/** A CF_HOME of its own, freshly logged in (tokens issued now, with the foundation's current lifetime). */
async function freshLogin(): Promise<NodeJS.ProcessEnv> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-e2e-home-'))
  homes.push(home)
  const env = {HOME: home, CF_HOME: home}
  const {apiUrl, admin} = e.foundation
  const r = await e.cli(['login', '-a', apiUrl, '-u', admin.username, '-p', admin.password, '-o', 'local', '-s', 'dev'], {env})
  if (r.code !== 0) throw new Error(r.stderr)
  return env
}

/** The access token a CLI run is using now (the config is saved on every refresh). */
function accessToken(env: NodeJS.ProcessEnv): string {
  return JSON.parse(fs.readFileSync(path.join(env.CF_HOME!, '.cf', 'config.json'), 'utf8')).AccessToken.replace(/^bearer /i, '')
}

const apiLog = (since: number) => e.foundation.requestLog.filter((x) => x.at >= since)

describe('1. the token expires mid-operation', () => {
  it('refreshes ahead of expiry and after a 401, and finishes with zero failed requests', async () => {
    // Tokens that live 62 s: cfzd refreshes them once less than 60 s remain, i.e. every 2 s.
    await e.foundation.setFaults({tokenLifetimeSec: 62})
    const since = Date.now()
    try {
      await matrix(async (s) => {
        const env = await freshLogin()
        // and one revoked under its feet while it stages: the next request gets a 401
        const name = appOf('tok', s)
        const store = e.foundation.internals.store
        const staging = () => store.builds.all().some((b) => b.state === 'STAGING' && Boolean(store.apps.get(b.appGuid)?.name.startsWith(name)))
        let running = true
        const revoked = (async () => {
          while (running && !staging()) await new Promise((r) => setTimeout(r, 10))
          if (!running) return false
          const jti = JSON.parse(Buffer.from(accessToken(env).split('.')[1], 'base64url').toString()).jti
          await e.capi.http.request({method: 'DELETE', path: `/uaa/oauth/token/revoke/${jti}`, responseType: 'text'})
          return true
        })()
        const o = record('1 token expires', s, outcome(await e.cli(cfzd('restage', s, name), {env})))
        running = false
        expect(await revoked).toBe(true)
        expectRun(o, 0)
        await expectIntact(c, appOf('tok', s))
      })
    } finally {
      await e.foundation.setFaults({tokenLifetimeSec: 7199})
    }
    const log = apiLog(since)
    expect(log.filter((x) => x.kind === 'uaa').length).toBeGreaterThan(6)
    expect(log.filter((x) => x.kind === 'api' && x.status === 401).length).toBeGreaterThan(0)
  })
})

describe('2. a 429 storm', () => {
  it('waits out the rate limit (Retry-After) and finishes with zero failed requests', async () => {
    const since = Date.now()
    await e.foundation.setFaults({rateLimit: {limit: 6, windowSec: 1}})
    try {
      await matrix(async (s) => {
        const o = record('2 429 storm', s, outcome(await e.cli(cfzd('restage', s, appOf('rl', s)))))
        expectRun(o, 0)
      })
    } finally {
      await e.foundation.setFaults({rateLimit: null})
    }
    expect(apiLog(since).filter((x) => x.status === 429).length).toBeGreaterThan(10)
    for (const s of STRATEGIES) await expectIntact(c, appOf('rl', s))
  })
})

describe('3. 5% of API requests fail with a 5xx or a connection reset', () => {
  it('retries what is safe to retry, re-reads what may have happened, and finishes with zero failed requests', async () => {
    const since = Date.now()
    await e.foundation.setFaults({errorRate: 0.05, errorKinds: ['500', '502', '503', 'reset']})
    try {
      await matrix(async (s) => {
        const o = record('3 5% 5xx/resets', s, outcome(await e.cli(cfzd('restage', s, appOf('err', s)))))
        expectRun(o, 0)
      })
    } finally {
      await e.foundation.setFaults({errorRate: 0})
    }
    expect(apiLog(since).filter((x) => x.injected).length).toBeGreaterThan(5)
    for (const s of STRATEGIES) await expectIntact(c, appOf('err', s))
  })
})

describe('10. the API is unreachable for a while mid-operation', () => {
  // One at a time (the outage is foundation-wide), each cut at a step that writes.
  const cut: Record<Strategy, RegExp> = {
    rolling: /^POST \/v3\/builds/,
    canary: /^POST \/v3\/deployments$/,
    'blue-green': /^POST \/v3\/routes\/[^/]+\/destinations$/,
  }
  it.each(STRATEGIES)('%s: rides out 4 s of connection refused, zero failed requests', async (s) => {
    const down = when(e, {request: cut[s]}, () => e.foundation.setFaults({apiDown: true, apiDownMs: 4000}))
    const o = record('10 API down 4s', s, outcome(await e.cli(cfzd('restage', s, appOf('down', s)))))
    down.cancel()
    expect(await down.done).toBe(true)
    for (let i = 0; i < 50 && e.foundation.faults.apiDown; i++) await new Promise((r) => setTimeout(r, 100))
    expectRun(o, 0)
    expect(o.stderr).toMatch(/The Cloud Controller is not answering \(ECONNREFUSED\): retrying for up to 60s/)
    await expectIntact(c, appOf('down', s))
  })
})
