/**
 * Rollback deploys a revision (POST /v3/deployments with revision.guid), checked first; scale sends
 * -m/-k/-l as deployment options, or gives them to a blue-green copy, and falls back to blue-green
 * when Cloud Controller predates the options.
 */
import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiUnprocessable} from '../../../src/capi/errors.js'
import {UsageError} from '../../../src/errors.js'
import {blueGreenPlan} from '../../../src/strategies/blue-green.js'
import {deploymentBody, deploymentPlan} from '../../../src/strategies/deployment.js'
import {deployOptions} from '../../../src/deploy-options.js'
import {refusedOptions} from '../../../src/strategies/scale.js'
import {resized} from '../../../src/strategies/snapshot.js'
import {restartSource, rollbackSource} from '../../../src/strategies/sources.js'
import type {Process} from '../../../src/capi/resources/processes.js'
import {checkState, example, runStep, serveCheckWorld} from '../../helpers/check-msw.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const page = (resources: unknown[]) => ({
  pagination: {total_results: resources.length, total_pages: 1, first: null, last: null, next: null, previous: null},
  resources,
})
const revision = (version: number, droplet: string | null, deployable: boolean) => ({
  ...example('revision'),
  guid: `rev-${version}`,
  version,
  droplet: {guid: droplet},
  deployable,
  relationships: {app: {data: {guid: 'a1'}}},
})

function serveRevisions(revisions: ReturnType<typeof revision>[]) {
  server.use(
    http.get(`${API}/v3/apps/a1/revisions`, ({request}) => {
      const versions = new URL(request.url).searchParams.get('versions')?.split(',')
      return HttpResponse.json(page(revisions.filter((r) => !versions || versions.includes(String(r.version)))))
    }),
  )
}

describe('rollback', () => {
  it('checks the revision and deploys it by revision guid, not by droplet', async () => {
    serveCheckWorld(server)
    serveRevisions([revision(1, 'd0', true), revision(2, 'd1', true)])
    const s = checkState({}, {kind: 'rollback'})
    await runStep(deploymentPlan(rollbackSource(1)), 'check', s)
    expect(s.revisionGuid).toBe('rev-1')
    expect(s.dropletGuid).toBe('d0')
    expect(s.previousDropletGuid).toBe('d1')
    expect(deploymentBody(s)).toEqual({relationships: {app: {data: {guid: 'a1'}}}, strategy: 'rolling', revision: {guid: 'rev-1'}})
  })

  it('refuses a revision whose droplet has expired, naming the versions still deployable, before any write', async () => {
    const requests = serveCheckWorld(server)
    serveRevisions([revision(1, null, false), revision(2, 'd1', true), revision(3, 'd2', true)])
    const s = checkState({}, {kind: 'rollback'})
    await expect(runStep(deploymentPlan(rollbackSource(1)), 'check', s)).rejects.toThrow(/Revision 1 of app 'web' cannot be deployed: its droplet has expired/)
    const err = await runStep(deploymentPlan(rollbackSource(1)), 'check', s).catch((e) => e)
    expect(err.suggestions).toEqual(['Versions still deployable: 2, 3.'])
    expect(requests.all.filter((r) => !r.startsWith('GET'))).toEqual([])
  })

  it('refuses a version the app does not have, listing the ones it has', async () => {
    serveCheckWorld(server)
    serveRevisions([revision(1, 'd0', true), revision(2, 'd1', true)])
    await expect(runStep(deploymentPlan(rollbackSource(7)), 'check', checkState())).rejects.toThrow(
      "Revision 7 not found for app 'web'. Its revisions are 1, 2.",
    )
  })
})

describe('scale', () => {
  it('-i/-m/-k/-l become the deployment options Cloud Controller reads', () => {
    const opts = deployOptions({instances: 4, memory: '1G', disk: '2G', 'log-rate-limit': '16K'}, {})
    expect(opts.scale).toEqual({instances: 4, memoryInMb: 1024, diskInMb: 2048, logRateLimit: 16384})
    const s = checkState(opts)
    expect(deploymentBody(s).options).toEqual({web_instances: 4, memory_in_mb: 1024, disk_in_mb: 2048, log_rate_limit_in_bytes_per_second: 16384})
  })

  it('a size without a unit is a usage error', () => {
    expect(() => deployOptions({memory: '512'}, {})).toThrow(UsageError)
    expect(() => deployOptions({memory: '512'}, {})).toThrow(/--memory needs a unit/)
  })

  it('the quota check counts the new size', async () => {
    serveCheckWorld(server)
    // 2 × 256 MB web today; 10 GB space quota with 1 GB used: 2 × 4G plus one extra 4G instance does not fit.
    const s = checkState({scale: {memoryInMb: 4096}})
    await expect(runStep(deploymentPlan(restartSource), 'check', s)).rejects.toThrow(/Not enough quota/)
    const ok = checkState({scale: {memoryInMb: 512}})
    await runStep(deploymentPlan(restartSource), 'check', ok)
  })

  it('blue-green gives the new size to the web process only, and sizes its quota check with it', async () => {
    const web = {type: 'web', instances: 2, memory_in_mb: 256, disk_in_mb: 1024, log_rate_limit_in_bytes_per_second: -1} as Process
    const worker = {type: 'worker', instances: 1, memory_in_mb: 128, disk_in_mb: 512} as Process
    expect(resized([web, worker], {memoryInMb: 1024, instances: 3})).toEqual([{...web, memory_in_mb: 1024, instances: 3}, worker])
    serveCheckWorld(server)
    const s = checkState({strategy: 'blue-green', scale: {memoryInMb: 8192}})
    await expect(runStep(blueGreenPlan(restartSource), 'check', s)).rejects.toThrow(/2 instance\(s\), 16384 MB/)
  })

  it("recognises an older Cloud Controller's refusal of size options, through the error's causes", () => {
    const refusal = new CapiUnprocessable(422, [{code: 10008, title: 'CF-UnprocessableEntity', detail: 'Options has unsupported key(s): memory_in_mb'}])
    const wrapped = Object.assign(new Error('Nothing was deployed'), {cause: refusal})
    expect(refusedOptions(wrapped)).toBe('Options has unsupported key(s): memory_in_mb')
    const other = new CapiUnprocessable(422, [{code: 10008, title: 'CF-UnprocessableEntity', detail: 'memory quota exceeded'}])
    expect(refusedOptions(other)).toBeUndefined()
  })
})
