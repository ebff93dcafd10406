/**
 * Parallel cfzd runs sharing one CF_HOME, as CI jobs on one runner do: 8 processes loop `cfzd apps`
 * for 60 s against the local foundation, whose access tokens live 20 s (so each is refreshed
 * when under 10 s are left) and whose refresh tokens rotate and are good once. Without the
 * config lock and the re-read before a refresh, one run spends the refresh token the others
 * hold and they fail with "log in again"; two writers can also race on config.json.
 *
 * A watcher reads and parses config.json on every change of its folder for the whole time.
 */
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import {ExitCode} from '../../../src/errors.js'
import {type CliResult, type E2E, startE2E} from '../../helpers/e2e.js'

const PROCESSES = 8
const RUN_FOR_MS = 60_000
/** A bound on each loop, whatever the clock says. */
const MAX_RUNS_PER_PROCESS = 400

let e: E2E
beforeAll(async () => {
  e = await startE2E({tokenLifetimeSec: 20})
}, 60_000)
afterAll(() => e?.stop())

/** Reads and parses config.json each time its folder changes; keeps what could not be parsed. */
function watchConfig(file: string) {
  const seen = {reads: 0, bad: [] as string[], refreshTokens: new Set<string>()}
  const check = () => {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (error) {
      seen.bad.push(`unreadable: ${(error as Error).message}`) // it is renamed into place, never missing
      return
    }
    seen.reads++
    try {
      seen.refreshTokens.add(JSON.parse(text).RefreshToken)
    } catch (error) {
      seen.bad.push(`${(error as Error).message}: ${text.slice(0, 120)}`)
    }
  }
  const watcher = fs.watch(path.dirname(file), check)
  check()
  return {seen, stop: () => watcher.close()}
}

const authFailure = (r: CliResult) => r.code === ExitCode.AUTH || /log in again|not logged in|session has expired|invalid_token/i.test(r.stderr)

describe(`${PROCESSES} cfzd processes sharing one CF_HOME while tokens rotate`, () => {
  it('never fail for auth, and config.json is valid JSON after every write', async () => {
    const file = path.join(e.home, '.cf', 'config.json')
    const watch = watchConfig(file)
    const since = Date.now()
    const deadline = since + RUN_FOR_MS
    const results: CliResult[] = []

    const loop = async () => {
      for (let i = 0; i < MAX_RUNS_PER_PROCESS && Date.now() < deadline; i++) {
        results.push(await e.cli(['apps'], {timeoutMs: 60_000}))
      }
    }
    try {
      await Promise.all(Array.from({length: PROCESSES}, loop))
    } finally {
      watch.stop()
    }

    const uaa = e.foundation.requestLog.filter((x) => x.at >= since && x.kind === 'uaa' && x.method === 'POST' && x.path.includes('/oauth/token'))
    const failed = results.filter((r) => r.code !== 0)
    const report = {
      runs: results.length,
      failed: failed.length,
      authFailures: results.filter(authFailure).length,
      tokenRequests: uaa.length,
      refusedTokenRequests: uaa.filter((x) => x.status !== 200).length,
      configReads: watch.seen.reads,
      badReads: watch.seen.bad.length,
      refreshTokensSeen: watch.seen.refreshTokens.size,
    }
    process.stderr.write(`parallel refresh: ${JSON.stringify(report)}\n`)

    expect(failed.slice(0, 3).map((r) => `exit ${r.code}\n${r.stderr}`)).toEqual([])
    expect(report.authFailures).toBe(0)
    expect(report.refusedTokenRequests).toBe(0) // no run spent a refresh token another had spent
    expect(watch.seen.bad).toEqual([])
    // The test did exercise what it is about: tokens were refreshed (and rotated) several times
    // over the minute, and every run ended with a file it could parse.
    expect(report.tokenRequests).toBeGreaterThanOrEqual(3)
    expect(report.refreshTokensSeen).toBeGreaterThanOrEqual(4)
    expect(report.runs).toBeGreaterThanOrEqual(PROCESSES * 3)
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({
      Target: e.foundation.apiUrl,
      OrganizationFields: {Name: 'local'},
      SpaceFields: {Name: 'dev'},
    })
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f !== 'config.json')).toEqual([])
  }, 180_000)
})
