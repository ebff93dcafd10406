/**
 * Helpers for the local foundation's end-to-end tests: start it in-process on free ports with
 * short delays and no automatic updater tick, a tiny password-grant TokenProvider for cfzd's own
 * CapiClient, raw API calls with fetch, and requests through the router with a Host header
 * (Node cannot resolve *.localhost, curl can).
 */
import http from 'node:http'
import {CapiClient} from '../../../src/capi/client.js'
import type {TokenProvider} from '../../../src/capi/http.js'
import {type LocalFoundation, type LocalFoundationOptions, startLocalFoundation} from '../../../src/local/index.js'

export class PasswordGrant implements TokenProvider {
  private access?: string
  private refreshToken?: string
  constructor(private readonly lf: LocalFoundation) {}

  async authorization(): Promise<string> {
    if (!this.access)
      await this.grant(`grant_type=password&username=${encodeURIComponent(this.lf.admin.username)}&password=${encodeURIComponent(this.lf.admin.password)}`)
    return this.access!
  }

  async refresh(failed: string): Promise<string> {
    if (this.access !== failed) return this.access!
    if (this.refreshToken) await this.grant(`grant_type=refresh_token&refresh_token=${encodeURIComponent(this.refreshToken)}`)
    else this.access = undefined
    return this.authorization()
  }

  private async grant(body: string): Promise<void> {
    const res = await fetch(`${this.lf.uaaUrl}/oauth/token`, {
      method: 'POST',
      headers: {authorization: 'Basic Y2Y6', 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json'},
      body,
    })
    const json = (await res.json()) as {access_token: string; refresh_token?: string}
    if (!res.ok) throw new Error(`token grant failed: ${res.status} ${JSON.stringify(json)}`)
    this.access = `bearer ${json.access_token}`
    this.refreshToken = json.refresh_token
  }
}

export interface TestFoundation {
  lf: LocalFoundation
  capi: CapiClient
  tokens: PasswordGrant
  /** fetch against the API with the admin token; JSON bodies are serialised. */
  api(
    path: string,
    init?: {method?: string; body?: unknown; headers?: Record<string, string>; raw?: string | Uint8Array},
  ): Promise<{status: number; headers: Headers; body: any; text: string}>
  stop(): Promise<void>
}

export async function startTestFoundation(opts: LocalFoundationOptions = {}): Promise<TestFoundation> {
  const lf = await startLocalFoundation({
    port: 0,
    routerPort: 0,
    tickMs: 0,
    startupMs: 20,
    stagingMs: 20,
    asyncMs: 10,
    drainTimeoutMs: 3000,
    randomSeed: 7,
    ...opts,
  })
  const tokens = new PasswordGrant(lf)
  const capi = new CapiClient({apiUrl: lf.apiUrl, tokens, retry: {limit: 0, rateLimitRetries: 0}})
  const api: TestFoundation['api'] = async (path, init = {}) => {
    const headers: Record<string, string> = {authorization: await tokens.authorization(), ...init.headers}
    let body: string | Uint8Array | undefined = init.raw
    if (init.body !== undefined) {
      body = JSON.stringify(init.body)
      headers['content-type'] ??= 'application/json'
    }
    const res = await fetch(path.startsWith('http') ? path : `${lf.apiUrl}${path}`, {method: init.method ?? 'GET', headers, body})
    const text = await res.text()
    let parsed: unknown
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      parsed = undefined
    }
    return {status: res.status, headers: res.headers, body: parsed, text}
  }
  return {lf, capi, tokens, api, stop: () => lf.stop()}
}

export interface RouterResponse {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  json?: any
}

/** A request through the router for `host` (e.g. sample.apps.localhost). */
export function viaRouter(lf: LocalFoundation, host: string, path = '/', agent: http.Agent | false = false): Promise<RouterResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get({host: '127.0.0.1', port: lf.routerPort, path, headers: {host}, agent}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({status: res.statusCode ?? 0, headers: res.headers, text, json})
      })
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

/** Poll until `fn` returns a truthy value (bounded). */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 10): Promise<Exclude<T, false | undefined | null | 0 | ''>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v as Exclude<T, false | undefined | null | 0 | ''>
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
