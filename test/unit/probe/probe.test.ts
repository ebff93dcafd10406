import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from '@jest/globals'
import {Probe} from '../../../src/probe/probe.js'

const servers: http.Server[] = []
afterEach(() => servers.splice(0).forEach((s) => s.close()))

/** A loopback server; `drop(n, reused)` decides whether the n-th request is cut off without an answer. */
async function serve(drop: (n: number, reusedConnection: boolean) => boolean): Promise<string> {
  let n = 0
  const seen = new WeakSet<object>()
  const server = http.createServer((req, res) => {
    const reused = seen.has(req.socket)
    seen.add(req.socket)
    if (drop(++n, reused)) return void req.socket.destroy()
    res.setHeader('x-cfzd-droplet-guid', 'd1')
    res.end('ok')
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

async function run(url: string, requests: number) {
  const p = new Probe({url, ratePerSec: 200, concurrency: 1, maxRequests: requests}).start()
  while (p.running) await new Promise((r) => setTimeout(r, 20))
  return p.stop()
}

describe('Probe', () => {
  it('a keep-alive connection reset before any answer is the race of reusing it: tried again once, not a failure', async () => {
    // every request that arrives on a reused connection is cut off: the probe retries on a fresh one
    const url = await serve((_n, reused) => reused)
    const r = await run(url, 10)
    expect(r).toMatchObject({sent: 10, ok: 10, failed: 0})
    expect(r.droplets).toEqual([expect.objectContaining({droplet: 'd1', count: 10})])
  })

  it('a reset on a fresh connection is a failure', async () => {
    const url = await serve((n) => n === 1)
    const r = await run(url, 5)
    expect(r.failed).toBe(1)
    expect(r.failures[0].error).toBe('ECONNRESET')
    expect(r.ok).toBe(4)
  })

  it('counts each second: answers, failures, latency and which droplet answered', async () => {
    const url = await serve((n) => n === 3)
    const r = await run(url, 8)
    expect(r.seconds.length).toBeGreaterThanOrEqual(1)
    const sum = (k: 'ok' | 'failed') => r.seconds.reduce((n, s) => n + s[k], 0)
    expect({ok: sum('ok'), failed: sum('failed')}).toEqual({ok: r.ok, failed: r.failed})
    expect(r.seconds.reduce((n, s) => n + (s.droplets.d1 ?? 0), 0)).toBe(r.ok)
    for (const s of r.seconds) if (s.ok) expect(s.p95Ms).toBeGreaterThanOrEqual(s.p50Ms)
  })
})
