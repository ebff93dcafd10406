/**
 * Live traffic through the local router for one app host: a few loops of keep-alive requests
 * with the Host header, recording each outcome and which droplet answered. Used by
 * `cfzd local demo` to show that a deployment dropped no request.
 */
import http from 'node:http'

export interface TrafficSample {
  at: number
  status: number
  droplet?: string
  /** The web process that answered: it changes as a deployment (or blue-green) moves on. */
  process?: string
  error?: string
}

export interface TrafficSummary {
  sent: number
  failed: number
  availability: number
  /** Droplets in the order they first answered (old → new). */
  droplets: string[]
  /** Processes in the order they first answered. */
  processes: string[]
}

export class Traffic {
  readonly samples: TrafficSample[] = []
  private running = true
  private readonly loops: Promise<void>[]
  private readonly agent: http.Agent

  constructor(routerUrl: string, host: string, concurrency = 4, pauseMs = 5) {
    const url = new URL(routerUrl)
    this.agent = new http.Agent({keepAlive: true, maxSockets: concurrency})
    const once = () =>
      new Promise<TrafficSample>((resolve) => {
        const req = http.get({host: url.hostname, port: url.port, path: '/', headers: {host}, agent: this.agent, timeout: 10_000}, (res) => {
          res.resume()
          res.on('end', () =>
            resolve({
              at: Date.now(),
              status: res.statusCode ?? 0,
              droplet: res.headers['x-cfzd-droplet-guid'] as string | undefined,
              process: res.headers['x-cfzd-process-guid'] as string | undefined,
            }),
          )
        })
        req.on('timeout', () => req.destroy(new Error('timeout')))
        req.on('error', (e) => resolve({at: Date.now(), status: 0, error: e.message}))
      })
    this.loops = Array.from({length: concurrency}, async () => {
      while (this.running) {
        this.samples.push(await once())
        await new Promise((r) => setTimeout(r, pauseMs))
      }
    })
  }

  async stop(): Promise<TrafficSummary> {
    this.running = false
    await Promise.all(this.loops)
    this.agent.destroy()
    return summarize(this.samples)
  }
}

export function summarize(samples: TrafficSample[]): TrafficSummary {
  const failed = samples.filter((s) => s.status < 200 || s.status >= 300).length
  const firstSeen = (key: 'droplet' | 'process') => {
    const out: string[] = []
    for (const s of samples) if (s[key] && !out.includes(s[key])) out.push(s[key])
    return out
  }
  return {
    sent: samples.length,
    failed,
    availability: samples.length ? (100 * (samples.length - failed)) / samples.length : 0,
    droplets: firstSeen('droplet'),
    processes: firstSeen('process'),
  }
}
