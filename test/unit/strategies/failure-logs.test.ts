import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {FakeClock} from '../../../src/clock.js'
import {CfzdError} from '../../../src/errors.js'
import {
  failureLogKind,
  formatLogLine,
  formatLogTime,
  pickLines,
  renderFailureLogs,
  withFailureLogs,
  type FailureLogs,
} from '../../../src/strategies/failure-logs.js'
import {WaitFailure, type InstanceSummary} from '../../../src/strategies/wait.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const LOG_CACHE = 'https://log-cache.example.test'
const APP = '0a1b2c3d-0000-4000-8000-000000000001'
const b64 = (s: string) => Buffer.from(s).toString('base64')
const capi = () => new CapiClient({apiUrl: API, clock: new FakeClock(), random: () => 0.5, retry: {limit: 1}})
const summary = (crashed: number): InstanceSummary => ({desired: 2, routable: 0, running: 0, starting: 2 - crashed, crashed, down: 0, states: [], reasons: []})
const env = (ts: number, sourceType: string, message: string, type?: 'ERR', instance = '0') => ({
  timestamp: String(BigInt(ts) * 1_000_000n),
  source_id: APP,
  instance_id: instance,
  tags: {source_type: sourceType},
  log: {payload: b64(message), ...(type ? {type} : {})},
})
const T = Date.parse('2026-12-05T21:00:00Z')

function serve(batchNewestFirst: unknown[] | 'down') {
  server.use(
    http.get(`${API}/`, () => HttpResponse.json({links: {log_cache: {href: LOG_CACHE}}})),
    http.get(`${LOG_CACHE}/api/v1/read/${APP}`, () =>
      batchNewestFirst === 'down' ? HttpResponse.error() : HttpResponse.json({envelopes: {batch: batchNewestFirst}}),
    ),
  )
}

describe('which failures call for logs', () => {
  it('staging failed → the staging log; crashed, or instances seen crashed → the app logs; otherwise none', () => {
    expect(failureLogKind(new WaitFailure('staging-failed', 'x', {appGuid: APP}))).toEqual({kind: 'staging', appGuid: APP})
    expect(failureLogKind(new WaitFailure('crashed', 'x', {appGuid: APP}))).toEqual({kind: 'app', appGuid: APP})
    expect(failureLogKind(new WaitFailure('timeout', 'x', {appGuid: APP, instances: summary(1)}))).toEqual({kind: 'app', appGuid: APP})
    expect(failureLogKind(new WaitFailure('canceled', 'x', {appGuid: APP, instances: summary(2)}))).toEqual({kind: 'app', appGuid: APP})
    expect(failureLogKind(new WaitFailure('timeout', 'x', {appGuid: APP, instances: summary(0)}))).toBeUndefined()
    expect(failureLogKind(new WaitFailure('crashed', 'x'))).toBeUndefined()
    expect(failureLogKind(new Error('other'))).toBeUndefined()
    // Found behind the error a strategy reports (its cause).
    expect(failureLogKind(new CfzdError('Failed', {cause: new WaitFailure('crashed', 'x', {appGuid: APP})}))).toEqual({kind: 'app', appGuid: APP})
  })

  it('the app guid of a deployment failure comes from the deployment', () => {
    const deployment = {relationships: {app: {data: {guid: APP}}}} as unknown as NonNullable<ConstructorParameters<typeof WaitFailure>[2]>['deployment']
    expect(new WaitFailure('crashed', 'x', {deployment}).appGuid).toBe(APP)
  })

  it('staging shows STG lines; the app shows everything but STG and RTR; the newest 30 at most', () => {
    const line = (sourceType: string, message = sourceType) => ({timestamp: '', sourceType, instanceId: '0', type: 'OUT' as const, message})
    const lines = [line('STG'), line('RTR'), line('APP/PROC/WEB'), line('CELL'), line('API')]
    expect(pickLines('staging', lines).map((l) => l.sourceType)).toEqual(['STG'])
    expect(pickLines('app', lines).map((l) => l.sourceType)).toEqual(['APP/PROC/WEB', 'CELL', 'API'])
    const many = Array.from({length: 40}, (_, i) => line('APP/PROC/WEB', String(i)))
    expect(pickLines('app', many).map((l) => l.message)).toEqual(Array.from({length: 30}, (_, i) => String(i + 10)))
  })
})

describe('rendering, as cf logs prints lines', () => {
  it('time in the cf CLI format with the local offset, [SOURCE/INSTANCE], OUT|ERR', () => {
    expect(formatLogTime('2026-12-05T21:00:01.234Z', 0)).toBe('2026-12-05T21:00:01.23+0000')
    expect(formatLogTime('2026-12-05T01:00:01.234Z', -7 * 60)).toBe('2026-12-04T18:00:01.23-0700')
    expect(formatLogTime('2026-12-05T21:00:01.999Z', 330)).toBe('2026-12-06T02:30:01.99+0530')
    expect(formatLogLine({timestamp: '2026-12-05T21:00:01.234Z', sourceType: 'APP/PROC/WEB', instanceId: '1', type: 'ERR', message: 'boom'}, 0)).toBe(
      '   2026-12-05T21:00:01.23+0000 [APP/PROC/WEB/1] ERR boom',
    )
  })

  it('a heading per kind, no lines, or why log-cache could not be read', () => {
    const l = {timestamp: '2026-12-05T21:00:00.000Z', sourceType: 'STG', instanceId: '0', type: 'OUT' as const, message: 'x'}
    const logs = (o: Partial<FailureLogs>): FailureLogs => ({kind: 'staging', appGuid: APP, lines: [l], ...o})
    expect(renderFailureLogs(logs({}), 'web', 0)).toEqual(['Last 1 line of the staging log of app web:', '   2026-12-05T21:00:00.00+0000 [STG/0] OUT x'])
    expect(renderFailureLogs(logs({kind: 'app', lines: [l, l]}), 'web', 0)[0]).toBe('Last 2 lines of the recent logs of app web (cf logs web --recent):')
    expect(renderFailureLogs(logs({lines: []}), 'web')).toEqual(['No staging log lines for app web in log-cache.'])
    expect(renderFailureLogs(logs({lines: [], error: 'socket hang up'}), 'web')).toEqual(['Could not read recent logs: socket hang up'])
  })
})

describe('withFailureLogs', () => {
  const original = () =>
    new CfzdError('Start unsuccessful: all new instances crashed\nCanceled deployment d1.', {
      exitCode: 1,
      suggestions: ['Check the app.'],
      details: {failure: 'crashed'},
      cause: new WaitFailure('crashed', 'Start unsuccessful: all new instances crashed', {appGuid: APP, instances: summary(2)}),
    })

  it('adds the recent lines after the original message, and to details.logs; keeps exit code and suggestions', async () => {
    serve([
      env(T + 2000, 'API', 'Process has crashed with type: "web"'),
      env(T + 1500, 'RTR', 'GET / 200'),
      env(T + 1000, 'APP/PROC/WEB', 'Error: cannot find module', 'ERR'),
    ])
    const e = (await withFailureLogs(capi(), original(), 'web')) as CfzdError
    expect(e).toBeInstanceOf(CfzdError)
    const [first, second, blank, heading, ...rest] = e.message.split('\n')
    expect([first, second, blank]).toEqual(['Start unsuccessful: all new instances crashed', 'Canceled deployment d1.', ''])
    expect(heading).toBe('Last 2 lines of the recent logs of app web (cf logs web --recent):')
    expect(rest.map((r) => r.replace(/^ {3}\S+ /, ''))).toEqual([
      '[APP/PROC/WEB/0] ERR Error: cannot find module',
      '[API/0] OUT Process has crashed with type: "web"',
    ])
    expect(e.exitCode).toBe(1)
    expect(e.suggestions).toEqual(['Check the app.'])
    expect(e.details).toMatchObject({
      failure: 'crashed',
      logs: {kind: 'app', appGuid: APP, lines: [{sourceType: 'APP/PROC/WEB', type: 'ERR', message: 'Error: cannot find module'}, {sourceType: 'API'}]},
    })
    expect(e.cause).toBeInstanceOf(WaitFailure)
  })

  it('log-cache down: the original error stays whole, with one line saying the logs could not be read', async () => {
    serve('down')
    const e = (await withFailureLogs(capi(), original(), 'web')) as CfzdError
    expect(e.message.startsWith(original().message + '\n\nCould not read recent logs: GET https://log-cache.example.test/api/v1/read/')).toBe(true)
    expect(e.exitCode).toBe(1)
    expect((e.details as {logs: FailureLogs}).logs).toMatchObject({kind: 'app', lines: [], error: expect.stringMatching(/failed/)})
  })

  it('leaves other errors, and interruptions, as they are (no log-cache request)', async () => {
    let reads = 0
    server.use(http.get(`${API}/`, () => (reads++, HttpResponse.json({links: {}}))))
    const other = new CfzdError('quota')
    expect(await withFailureLogs(capi(), other, 'web')).toBe(other)
    const aborted = new AbortController()
    aborted.abort()
    const crashed = original()
    expect(await withFailureLogs(capi(), crashed, 'web', aborted.signal)).toBe(crashed)
    expect(reads).toBe(0)
  })
})
