import {describe, expect, it} from '@jest/globals'
import {captureOutput} from '@oclif/test'
import LocalDemo from '../../../src/commands/local/demo.js'

describe('cfzd local demo', () => {
  it('restarts the demo app under live traffic without a failed request, then stops', async () => {
    const {result, error} = await captureOutput(() =>
      LocalDemo.run(['--tick', '100ms', '--startup-time', '50ms', '--instances', '3', '--json'], new URL('../../../', import.meta.url).pathname),
    )
    expect(error).toBeUndefined()
    const out = result as {result: {outcome: string}; traffic: {sent: number; failed: number; processes: string[]}}
    expect(out.result.outcome).toBe('deployed')
    expect(out.traffic.sent).toBeGreaterThan(50)
    expect(out.traffic.failed).toBe(0)
    expect(out.traffic.processes).toHaveLength(2)
  })
})
