/** Shared fixtures for the auth tests: JWTs, a fake foundation's root, temp CF_HOMEs. */
import {afterEach} from '@jest/globals'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {http, HttpResponse} from 'msw'
import {API} from '../../helpers/msw.js'

export const LOGIN = 'https://login.example.test'
export const UAA = 'https://uaa.example.test'
export const T0 = Date.parse('2026-01-01T00:00:00Z')

/** An unsigned JWT with these claims (UAA would sign it; cfzd never verifies). */
export function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${b64({alg: 'RS256', kid: 'key-1', typ: 'JWT'})}.${b64(claims)}.c2lnbmF0dXJl`
}

/** A user token for `name`, valid from `iat` for `ttl` seconds (times in ms). */
export function userToken(name = 'alice', opts: {iat?: number; ttl?: number; jti?: string; revocable?: boolean} = {}): string {
  const iat = Math.floor((opts.iat ?? T0) / 1000)
  return jwt({
    jti: opts.jti ?? `jti-${name}-${iat}`,
    user_name: name,
    user_id: `uid-${name}`,
    client_id: 'cf',
    cid: 'cf',
    grant_type: 'password',
    iat,
    exp: iat + (opts.ttl ?? 600),
    ...(opts.revocable === undefined ? {} : {revocable: opts.revocable}),
  })
}

export function clientToken(clientId: string, opts: {iat?: number; ttl?: number} = {}): string {
  const iat = Math.floor((opts.iat ?? T0) / 1000)
  return jwt({jti: `jti-${clientId}-${iat}`, client_id: clientId, cid: clientId, grant_type: 'client_credentials', iat, exp: iat + (opts.ttl ?? 600)})
}

export function tokenResponse(access: string, refresh?: string, extra: Record<string, unknown> = {}) {
  return {
    access_token: access,
    token_type: 'bearer',
    ...(refresh ? {refresh_token: refresh} : {}),
    expires_in: 599,
    scope: 'cloud_controller.read cloud_controller.write',
    jti: 'x',
    ...extra,
  }
}

/** The CC root of the fake foundation, shaped like examples/root.json. */
export function rootBody(api = API) {
  return {
    links: {
      self: {href: api},
      cloud_controller_v2: {href: `${api}/v2`, meta: {version: '2.155.0'}},
      cloud_controller_v3: {href: `${api}/v3`, meta: {version: '3.190.0'}},
      network_policy_v1: {href: `${api}/networking/v1/external`},
      login: {href: LOGIN},
      uaa: {href: UAA},
      credhub: null,
      routing: {href: `${api}/routing`},
      logging: {href: 'wss://doppler.example.test:443'},
      log_cache: {href: 'https://log-cache.example.test'},
      app_ssh: {href: 'ssh.example.test:2222', meta: {host_key_fingerprint: 'abc', oauth_client: 'ssh-proxy'}},
    },
  }
}

export const rootHandler = (api = API) => http.get(`${api}/`, () => HttpResponse.json(rootBody(api)))

/** A fresh CF_HOME for one test, removed afterwards. */
const homes: string[] = []
afterEach(() => {
  for (const h of homes.splice(0)) fs.rmSync(h, {recursive: true, force: true})
})

export function tempHome(): {home: string; env: Record<string, string>; file: string; dir: string} {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-auth-'))
  homes.push(home)
  return {home, env: {CF_HOME: home}, dir: path.join(home, '.cf'), file: path.join(home, '.cf', 'config.json')}
}

export function writeRaw(file: string, text: string) {
  fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o700})
  fs.writeFileSync(file, text, {mode: 0o600})
}

export function readJson(file: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(file, 'utf8'))
}

/** Parse a form body. */
export async function form(request: Request): Promise<Record<string, string>> {
  return Object.fromEntries(new URLSearchParams(await request.text()))
}
