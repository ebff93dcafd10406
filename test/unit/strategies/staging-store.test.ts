/**
 * Builds are read on a schedule learned from earlier runs: the first read about when this app's
 * staging ended last time, then every tenth of that. The store beside the cf config keeps one
 * duration per API and app, and falls back to the quickest staging seen on that API.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {CapiHttp} from '../../../src/capi/http.js'
import {FakeClock} from '../../../src/clock.js'
import {FileStagingStore, buildSchedule, stagingFileIn, stagingToKeep} from '../../../src/strategies/staging-store.js'
import {waitForBuild} from '../../../src/strategies/wait.js'
import {example} from '../../helpers/check-msw.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, {recursive: true, force: true})
})

function tmpStore(now?: () => number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-staging-'))
  dirs.push(dir)
  return new FileStagingStore(stagingFileIn(dir), now)
}

describe('FileStagingStore', () => {
  it('keeps a duration per API and app, and falls back to the quickest one seen on that API', () => {
    const store = tmpStore()
    expect(store.load(API, 's/web')).toBeUndefined()
    store.save(API, 's/web', 61_000)
    store.save(API, 's/worker', 45_500)
    store.save(`${API}/`, 's/web', 59_000)
    expect(store.load(API, 's/web')).toBe(59_000)
    expect(store.load(API.toUpperCase(), 's/worker')).toBe(45_500)
    expect(store.load(API, 's/never-staged')).toBe(45_500)
    expect(store.load('https://api.other.test', 's/web')).toBeUndefined()
  })

  it('forgets entries older than 30 days', () => {
    let t = Date.parse('2026-01-01T00:00:00Z')
    const store = tmpStore(() => t)
    store.save(API, 's/web', 30_000)
    t += 31 * 86_400_000
    expect(store.load(API, 's/web')).toBeUndefined()
  })

  it('ignores an unreadable or malformed file, and replaces it on save', () => {
    const store = tmpStore()
    fs.writeFileSync(store.file, '{not json')
    expect(store.load(API, 's/web')).toBeUndefined()
    fs.writeFileSync(store.file, JSON.stringify({[API]: {'s/web': {ms: 'soon', at: 1}}}))
    expect(store.load(API, 's/web')).toBeUndefined()
    store.save(API, 's/web', 1234)
    expect(store.load(API, 's/web')).toBe(1234)
  })
})

describe('buildSchedule and stagingToKeep', () => {
  it('without a prior: every 3 s (the cf CLI’s interval)', () => {
    const wait = buildSchedule(undefined)
    expect([0, 1, 2, 3, 4].map(wait)).toEqual([3000, 3000, 3000, 3000, 3000])
  })

  it('with a prior: first at the prior (halfway too, over 6 s), then a tenth of it between 0.5 and 3 s', () => {
    expect([0, 1, 2, 3].map(buildSchedule(60_000))).toEqual([30_000, 30_000, 3000, 3000])
    expect([0, 1, 2].map(buildSchedule(3000))).toEqual([3000, 500, 500])
    expect([0, 1, 2].map(buildSchedule(6000))).toEqual([6000, 600, 600])
    expect([0, 1, 2].map(buildSchedule(12_000))).toEqual([6000, 6000, 1200])
  })

  it("keeps a little less when it was staged by the prior's time, else the time it was seen", () => {
    expect(stagingToKeep(3000, 3000, 1)).toBe(2850)
    expect(stagingToKeep(3500, 3000, 2)).toBe(3500)
    expect(stagingToKeep(3000, undefined, 2)).toBe(3000)
    expect(stagingToKeep(60_000, 60_000, 2)).toBe(57_000)
    expect(stagingToKeep(63_000, 60_000, 3)).toBe(63_000)
  })
})

describe('waitForBuild', () => {
  /** A build that is STAGED from `doneAt` on the fake clock; counts its reads. */
  function serveBuild(clock: FakeClock, doneAt: number) {
    const reads: number[] = []
    server.use(
      http.get(`${API}/v3/builds/b1`, () => {
        reads.push(clock.now())
        const staged = clock.now() >= doneAt
        return HttpResponse.json({
          ...example('build'),
          guid: 'b1',
          state: staged ? 'STAGED' : 'STAGING',
          droplet: staged ? {guid: 'd2'} : null,
          relationships: {app: {data: {guid: 'a1'}}},
        })
      }),
    )
    return reads
  }
  const capi = () => new CapiClient(new CapiHttp({apiUrl: API, clock: new FakeClock(), random: () => 0.5}))

  it('a staging as long as last time costs one read, and what it keeps makes the next run try a little earlier', async () => {
    const clock = new FakeClock()
    const t0 = clock.now()
    const reads = serveBuild(clock, t0 + 3000)
    const kept: number[] = []
    const b = await waitForBuild(capi(), 'b1', {clock, timeoutMs: 60_000, appName: 'web', staging: {priorMs: 3000, keep: (ms) => kept.push(ms)}})
    expect(b.state).toBe('STAGED')
    expect(reads.map((t) => t - t0)).toEqual([3000])
    expect(kept).toEqual([2850])
  })

  it('a staging longer than last time is read every tenth of the prior after it, and the time it was seen is kept', async () => {
    const clock = new FakeClock()
    const t0 = clock.now()
    const reads = serveBuild(clock, t0 + 4100)
    const kept: number[] = []
    await waitForBuild(capi(), 'b1', {clock, timeoutMs: 60_000, appName: 'web', staging: {priorMs: 3000, keep: (ms) => kept.push(ms)}})
    expect(reads.map((t) => t - t0)).toEqual([3000, 3500, 4000, 4500])
    expect(kept).toEqual([4500])
  })

  it('without a prior: no read straight after the POST, then every 3 s', async () => {
    const clock = new FakeClock()
    const t0 = clock.now()
    const reads = serveBuild(clock, t0 + 5000)
    await waitForBuild(capi(), 'b1', {clock, timeoutMs: 60_000, appName: 'web'})
    expect(reads.map((t) => t - t0)).toEqual([3000, 6000])
  })

  it('a long staging that fails early is reported halfway through its usual time', async () => {
    const clock = new FakeClock()
    const t0 = clock.now()
    const reads: number[] = []
    server.use(
      http.get(`${API}/v3/builds/b1`, () => {
        reads.push(clock.now() - t0)
        return HttpResponse.json({...example('build'), guid: 'b1', state: 'FAILED', error: 'NoAppDetectedError', relationships: {app: {data: {guid: 'a1'}}}})
      }),
    )
    await expect(waitForBuild(capi(), 'b1', {clock, timeoutMs: 600_000, appName: 'web', staging: {priorMs: 90_000}})).rejects.toThrow(
      /Staging failed for app web: NoAppDetectedError/,
    )
    expect(reads).toEqual([45_000])
  })

  it('the staging timeout still counts from the POST', async () => {
    const clock = new FakeClock()
    serveBuild(clock, Number.POSITIVE_INFINITY)
    const t0 = clock.now()
    await expect(waitForBuild(capi(), 'b1', {clock, timeoutMs: 10_000, appName: 'web', staging: {priorMs: 8000}})).rejects.toThrow(
      /Error staging application web: timed out after/,
    )
    expect(clock.now() - t0).toBeLessThanOrEqual(10_000)
  })
})
