/**
 * The router and X-CF-PROCESS-INSTANCE, as gorouter (Routing release 0.332+) handles it: the
 * request goes only to that process's instances (to one instance with `:index`); no such
 * endpoint on the route is 400 unknown_route, a malformed value 400
 * invalid_cf_process_instance_header. With the fault routerIgnoresProcessInstance the header is
 * ignored, as older routers do, and cfzd's pinning check says so.
 */
import http from 'node:http'
import {randomUUID} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {checkPinning} from '../../../src/probe/pin.js'
import {startTestFoundation, type TestFoundation} from './helpers.js'

let t: TestFoundation
let space: string
let web: string
let other: string

beforeAll(async () => {
  t = await startTestFoundation({startupMs: 20})
  await t.lf.seed({
    orgs: [
      {
        name: 'local',
        spaces: [
          {
            name: 'dev',
            apps: [
              {name: 'pin', instances: 3, memory: '64M'},
              {name: 'other', instances: 1, memory: '64M'},
            ],
          },
        ],
      },
    ],
  })
  space = (await t.capi.spaces.list({names: ['dev']}))[0].guid
  const guid = async (name: string) => (await t.capi.apps.findByName(space, name))!.guid
  web = (await t.capi.processes.getForApp(await guid('pin'), 'web')).guid
  other = (await t.capi.processes.getForApp(await guid('other'), 'web')).guid
  await t.lf.settle()
})
afterAll(() => t.stop())

function get(host: string, headers: Record<string, string> = {}): Promise<{status: number; headers: http.IncomingHttpHeaders; text: string}> {
  return new Promise((resolve, reject) => {
    http
      .get({host: '127.0.0.1', port: t.lf.routerPort, path: '/', headers: {host, ...headers}, agent: false}, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString()}))
      })
      .on('error', reject)
  })
}

const host = 'pin.apps.localhost'

describe('X-CF-PROCESS-INSTANCE', () => {
  it('without the header, requests go round-robin over every instance', async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 6; i++) seen.add(String((await get(host)).headers['x-cfzd-instance-index']))
    expect([...seen].sort()).toEqual(['0', '1', '2'])
  })

  it('<process guid>: only that process answers; <guid>:<index>: only that instance', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await get(host, {'X-CF-PROCESS-INSTANCE': web})
      expect(r.status).toBe(200)
      expect(r.headers['x-cfzd-process-guid']).toBe(web)
    }
    for (let i = 0; i < 4; i++) {
      const r = await get(host, {'x-cf-process-instance': `${web}:2`})
      expect(r.status).toBe(200)
      expect(r.headers['x-cfzd-instance-index']).toBe('2')
    }
  })

  it("no such process or index on the route: 400 unknown_route, with gorouter's message", async () => {
    const unknown = randomUUID()
    let r = await get(host, {'X-CF-PROCESS-INSTANCE': unknown})
    expect(r.status).toBe(400)
    expect(r.headers['x-cf-routererror']).toBe('unknown_route')
    expect(r.text).toBe(`400 Bad Request: Requested instance with process guid ('${unknown}') does not exist for route ('${host}')\n`)
    r = await get(host, {'X-CF-PROCESS-INSTANCE': `${web}:7`})
    expect(r.status).toBe(400)
    expect(r.text).toBe(`400 Bad Request: Requested instance ('7') with process guid ('${web}') does not exist for route ('${host}')\n`)
    // another app's process is not on this route
    r = await get(host, {'X-CF-PROCESS-INSTANCE': other})
    expect(r.status).toBe(400)
    expect(r.headers['x-cf-routererror']).toBe('unknown_route')
  })

  it('a malformed value: 400 invalid_cf_process_instance_header', async () => {
    for (const bad of ['nope', `${web}:x`, web.toUpperCase(), `${web}:1:2`]) {
      const r = await get(host, {'X-CF-PROCESS-INSTANCE': bad})
      expect(r.status).toBe(400)
      expect(r.headers['x-cf-routererror']).toBe('invalid_cf_process_instance_header')
      expect(r.text).toBe('400 Bad Request: Invalid X-CF-Process-Instance Header\n')
    }
  })

  it("cfzd's pinning check: pinned here; not pinned when the router ignores the header", async () => {
    const url = `http://${host}:${t.lf.routerPort}/`
    expect(await checkPinning(url, web)).toEqual({pinned: true})
    await t.lf.setFaults({routerIgnoresProcessInstance: true})
    try {
      const r = await get(host, {'X-CF-PROCESS-INSTANCE': randomUUID()})
      expect(r.status).toBe(200)
      const check = await checkPinning(url, web)
      expect(check.pinned).toBe(false)
      expect(check.why).toMatch(
        /^the router ignored X-CF-PROCESS-INSTANCE \(a request for a process that does not exist got HTTP 200 from the app, not 400 unknown_route; pinning needs Routing release 0\.332 or later\)$/,
      )
    } finally {
      await t.lf.setFaults({routerIgnoresProcessInstance: false})
    }
  })
})
