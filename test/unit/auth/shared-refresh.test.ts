/**
 * Refreshes shared through the config file: sessions loaded from one CF_HOME stand for parallel
 * cfzd runs. The fake UAA rotates refresh tokens as UAA can: each is good once, and spending it
 * again is refused with 401 invalid_token, the "log in again" these tests guard against.
 */
import {afterEach, describe, expect, it} from '@jest/globals'
import {type ChildProcess, spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {http, HttpResponse} from 'msw'
import {configLockPath} from '../../../src/auth/cf-config.js'
import {loadSession} from '../../../src/auth/session.js'
import {FakeClock} from '../../../src/clock.js'
import {NotLoggedInError} from '../../../src/errors.js'
import {API, useMsw} from '../../helpers/msw.js'
import {LOGIN, T0, UAA, form, readJson, tokenResponse, userToken, writeRaw, tempHome} from './fixtures.js'

const server = useMsw()
const TTL = 20 // seconds, as in the parallel e2e test: refresh when under 10 s are left

/** A UAA whose refresh tokens rotate and can be spent only once. Tokens are issued at clock time. */
function rotatingUaa(clock: FakeClock) {
  const calls: string[] = []
  const spent = new Set<string>()
  let n = 0
  server.use(
    http.post(`${LOGIN}/oauth/token`, async ({request}) => {
      const body = await form(request)
      if (body.grant_type !== 'refresh_token') return HttpResponse.json({error: 'unsupported_grant_type'}, {status: 400})
      calls.push(body.refresh_token)
      if (spent.has(body.refresh_token) || !body.refresh_token.startsWith('refresh-')) {
        return HttpResponse.json({error: 'invalid_token', error_description: 'The token expired, was revoked, or the token ID is incorrect.'}, {status: 401})
      }
      spent.add(body.refresh_token)
      n++
      return HttpResponse.json(tokenResponse(userToken('alice', {iat: clock.now(), ttl: TTL, jti: `a${n}`}), `refresh-${n}`))
    }),
  )
  return calls
}

function loggedIn(extra: Record<string, unknown> = {}) {
  return {
    ConfigVersion: 4,
    Target: API,
    AuthorizationEndpoint: LOGIN,
    UaaEndpoint: UAA,
    AccessToken: `bearer ${userToken('alice', {iat: T0, ttl: TTL, jti: 'a0'})}`,
    RefreshToken: 'refresh-0',
    UAAGrantType: '',
    UAAOAuthClient: 'cf',
    UAAOAuthClientSecret: '',
    OrganizationFields: {GUID: 'org-1', Name: 'my-org'},
    SomethingNew: {keep: 'me'},
    ...extra,
  }
}

describe('refreshing a config session that other processes share', () => {
  it("takes another process's rotated token instead of spending its own, already spent, refresh token", async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedIn()))
    const clock = new FakeClock(T0 + 12_000) // 8 s left: due
    const uaa = rotatingUaa(clock)
    const a = await loadSession({env, clock})
    const b = await loadSession({env, clock})

    const headerA = await a.tokens.authorization()
    expect(uaa).toEqual(['refresh-0'])
    expect(readJson(file)).toMatchObject({AccessToken: headerA, RefreshToken: 'refresh-1', SomethingNew: {keep: 'me'}})

    // b still holds refresh-0, which UAA would now refuse: it reads the file first and uses a's token.
    const headerB = await b.tokens.authorization()
    expect(headerB).toBe(headerA)
    expect(b.tokens.tokens.refreshToken).toBe('refresh-1')
    expect(uaa).toEqual(['refresh-0'])
  })

  it('refreshes with the stored refresh token when the token another process stored is itself due', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedIn()))
    const clock = new FakeClock(T0 + 12_000)
    const uaa = rotatingUaa(clock)
    const a = await loadSession({env, clock})
    const b = await loadSession({env, clock})
    await a.tokens.authorization() // refresh-0 -> refresh-1, valid until +20 s

    clock.advance(15_000) // a's token has 5 s left: due for b too
    const headerB = await b.tokens.authorization()
    expect(uaa).toEqual(['refresh-0', 'refresh-1']) // not refresh-0 again
    expect(readJson(file)).toMatchObject({AccessToken: headerB, RefreshToken: 'refresh-2'})

    // and a, now behind b, catches up the same way
    expect(await a.tokens.authorization()).toBe(headerB)
    expect(uaa).toHaveLength(2)
  })

  it('lets one of many sessions refreshing at once call UAA; the others take its token', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedIn()))
    const clock = new FakeClock(T0 + 12_000)
    const uaa = rotatingUaa(clock)
    const sessions = await Promise.all(Array.from({length: 6}, () => loadSession({env, clock})))
    const headers = await Promise.all(sessions.map((s) => s.tokens.authorization()))
    expect(uaa).toEqual(['refresh-0'])
    expect(new Set(headers).size).toBe(1)
    expect(readJson(file).RefreshToken).toBe('refresh-1')
    expect(fs.existsSync(await configLockPath(env))).toBe(false)
  })

  it('also on a 401 from the Cloud Controller: the replay uses the token another process stored', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedIn()))
    const clock = new FakeClock(T0 + 1_000) // fresh by its expiry, but revoked
    const uaa = rotatingUaa(clock)
    const a = await loadSession({env, clock})
    const b = await loadSession({env, clock})
    const original = await b.tokens.authorization()
    const fromA = await a.tokens.refresh(original)
    expect(await b.tokens.refresh(original)).toBe(fromA)
    expect(uaa).toEqual(['refresh-0'])
  })

  it('refreshes its own token and leaves the file alone when the file is now for someone else', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedIn()))
    const clock = new FakeClock(T0 + 12_000)
    const uaa = rotatingUaa(clock)
    const a = await loadSession({env, clock})
    const bob = loggedIn({AccessToken: `bearer ${userToken('bob', {iat: T0 + 12_000, ttl: 600})}`, RefreshToken: 'bobs-refresh'})
    writeRaw(file, JSON.stringify(bob))
    const header = await a.tokens.authorization()
    expect(header).not.toBe(bob.AccessToken)
    expect(uaa).toEqual(['refresh-0'])
    expect(readJson(file)).toMatchObject({AccessToken: bob.AccessToken, RefreshToken: 'bobs-refresh'})
  })

  it('falls back to its own refresh token when UAA refuses the stored one', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedIn()))
    const clock = new FakeClock(T0 + 12_000)
    const uaa = rotatingUaa(clock)
    const a = await loadSession({env, clock})
    writeRaw(file, JSON.stringify(loggedIn({AccessToken: '', RefreshToken: 'garbled'})))
    await a.tokens.authorization()
    expect(uaa).toEqual(['garbled', 'refresh-0'])
    // the file held neither pair we refreshed from, so it was not ours to replace
    expect(readJson(file).RefreshToken).toBe('garbled')
  })

  it('still refreshes when the file became malformed, and does not overwrite it', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedIn()))
    const clock = new FakeClock(T0 + 12_000)
    const uaa = rotatingUaa(clock)
    const warnings: string[] = []
    const a = await loadSession({env, clock, onWarning: (w) => warnings.push(w)})
    writeRaw(file, '{"ConfigVersion": 4, "Target":')
    await a.tokens.authorization()
    expect(uaa).toEqual(['refresh-0'])
    expect(fs.readFileSync(file, 'utf8')).toBe('{"ConfigVersion": 4, "Target":')
    expect(warnings).toEqual([expect.stringMatching(/Could not save the refreshed token: Cannot use the cf CLI config file .* not valid JSON/)])
  })

  it('says "log in again" when the stored token and its own are both refused', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedIn({RefreshToken: 'revoked'})))
    const clock = new FakeClock(T0 + 12_000)
    rotatingUaa(clock)
    const a = await loadSession({env, clock})
    await expect(a.tokens.authorization()).rejects.toBeInstanceOf(NotLoggedInError)
  })
})

describe('when the lock cannot be had', () => {
  const children: ChildProcess[] = []
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
  })

  it('refreshes without it after the wait limit, with a warning, rather than failing the command', async () => {
    const {env, file} = tempHome()
    writeRaw(file, JSON.stringify(loggedIn()))
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
    const holder = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/unit/auth/lock-worker.ts'), 'hold'], {
      cwd: root,
      env: {PATH: process.env.PATH ?? '', HOME: env.CF_HOME, ...env},
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    children.push(holder)
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (d: Buffer) => String(d).includes('locked') && resolve())
      holder.on('exit', (code) => reject(new Error(`holder exited (${code})`)))
    })

    const clock = new FakeClock(T0 + 12_000) // the wait limit passes in virtual time
    const uaa = rotatingUaa(clock)
    const warnings: string[] = []
    const a = await loadSession({env, clock, onWarning: (w) => warnings.push(w)})
    await a.tokens.authorization()
    expect(uaa).toEqual(['refresh-0'])
    expect(warnings).toEqual([expect.stringMatching(/Could not lock the cf CLI config .*another process has held it.*without coordinating/)])
    expect(readJson(file).RefreshToken).toBe('refresh-0')
  })
})
