/**
 * Request bodies: JSON (the default), YAML (manifests) and multipart/form-data (package uploads).
 * What a body may contain is checked by the messages of ./messages.ts.
 */
import type {IncomingMessage} from 'node:http'
import {load} from 'js-yaml'
import {messageParseError} from './errors.js'

const MAX_BODY = 1024 * 1024 * 1024

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new Error('request body too large'))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * Parse a JSON object body; an empty body is {} (null_coalesce_body). 400 CF-MessageParseError
 * "invalid request body" when it is not JSON (application_controller.rb#handle_invalid_request_body).
 */
export function parseJson(raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8').trim()
  if (!text) return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw messageParseError('invalid request body')
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw messageParseError('the body must be a JSON object')
  return value as Record<string, unknown>
}

export function parseYaml(raw: Buffer): unknown {
  try {
    return load(raw.toString('utf8'))
  } catch (error) {
    throw messageParseError(`invalid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
}

export interface MultipartPart {
  name: string
  filename?: string
  contentType?: string
  data: Buffer
}

/** A minimal multipart/form-data parser (RFC 7578), enough for `bits` and `resources` fields. */
export function parseMultipart(raw: Buffer, contentType: string): MultipartPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  if (!m) throw messageParseError('multipart body without a boundary')
  const boundary = Buffer.from(`--${(m[1] ?? m[2]).trim()}`)
  const parts: MultipartPart[] = []
  let pos = raw.indexOf(boundary)
  while (pos >= 0) {
    let start = pos + boundary.length
    if (raw.subarray(start, start + 2).toString() === '--') break
    if (raw.subarray(start, start + 2).toString() === '\r\n') start += 2
    const next = raw.indexOf(boundary, start)
    if (next < 0) break
    const headerEnd = raw.indexOf('\r\n\r\n', start)
    if (headerEnd < 0 || headerEnd > next) break
    const headers = raw.subarray(start, headerEnd).toString('utf8')
    let end = next
    if (raw[end - 2] === 0x0d && raw[end - 1] === 0x0a) end -= 2
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? ''
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? ''
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1]
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]
    parts.push({name, filename, contentType: type, data: raw.subarray(headerEnd + 4, end)})
    pos = next
  }
  return parts
}
