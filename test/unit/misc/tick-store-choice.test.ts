import {describe, expect, it} from '@jest/globals'
import path from 'node:path'
import {tickStoreFor} from '../../../src/context.js'
import {FileTickStore} from '../../../src/strategies/tick-store.js'

describe('tickStoreFor (the CLI layer chooses where the updater tick is kept)', () => {
  it('keeps it beside the cf config, per CF_HOME', () => {
    const s = tickStoreFor({CF_HOME: '/tmp/cfhome-x'})
    expect(s).toBeInstanceOf(FileTickStore)
    expect((s as FileTickStore).file).toBe(path.join('/tmp/cfhome-x', '.cf', 'cfzd-ticks.json'))
  })
  it('keeps none with CFZD_TICK_STORE=0, or under Jest', () => {
    expect(tickStoreFor({CF_HOME: '/tmp/x', CFZD_TICK_STORE: '0'})).toBeNull()
    expect(tickStoreFor({CF_HOME: '/tmp/x', JEST_WORKER_ID: '1'})).toBeNull()
  })
})
