/** A tiny path router: `r.get('/v3/apps/:guid', handler)`. Segments starting with ':' capture. */
import type {IncomingMessage} from 'node:http'
import type {Foundation} from '../kernel.js'
import type {TokenClaims} from '../uaa.js'
import type {Query} from './query.js'

export interface Ctx {
  f: Foundation
  req: IncomingMessage
  method: string
  path: string
  params: Record<string, string>
  query: Query
  user: TokenClaims
  /** The raw body (already read). */
  body: Buffer
}

export interface Reply {
  status: number
  /** JSON body, unless `text` is given. */
  body?: unknown
  text?: string
  contentType?: string
  headers?: Record<string, string>
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>

interface Entry {
  method: string
  segments: string[]
  handler: Handler
}

export class Routes {
  private readonly entries: Entry[] = []

  add(method: string, pattern: string, handler: Handler): this {
    this.entries.push({method, segments: pattern.split('/').filter(Boolean), handler})
    return this
  }

  get(p: string, h: Handler) {
    return this.add('GET', p, h)
  }
  post(p: string, h: Handler) {
    return this.add('POST', p, h)
  }
  patch(p: string, h: Handler) {
    return this.add('PATCH', p, h)
  }
  put(p: string, h: Handler) {
    return this.add('PUT', p, h)
  }
  delete(p: string, h: Handler) {
    return this.add('DELETE', p, h)
  }

  match(method: string, path: string): {handler: Handler; params: Record<string, string>} | undefined {
    const parts = path.split('/').filter(Boolean)
    for (const e of this.entries) {
      if (e.method !== method || e.segments.length !== parts.length) continue
      const params: Record<string, string> = {}
      let ok = true
      for (let i = 0; i < parts.length; i++) {
        const seg = e.segments[i]
        if (seg.startsWith(':')) params[seg.slice(1)] = safeDecode(parts[i])
        else if (seg !== parts[i]) {
          ok = false
          break
        }
      }
      if (ok) return {handler: e.handler, params}
    }
    return undefined
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({status, body, headers})
export const noContent = (): Reply => ({status: 204})
