/**
 * Blue-green restart carries the app's source package to the new app (the old app, which holds it,
 * is deleted at the end), so the app can still be restaged. An app without one still restarts,
 * and says what it could not carry.
 */
import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {describeSteps} from '../../../src/strategies/actualize.js'
import {blueGreenPlan} from '../../../src/strategies/blue-green.js'
import {deploymentPlan} from '../../../src/strategies/deployment.js'
import {restartSource} from '../../../src/strategies/sources.js'
import type {OpState} from '../../../src/strategies/state.js'
import {capiError, checkState, pkg, runStep, serveCheckWorld} from '../../helpers/check-msw.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const NEW_APP = {guid: 'n1', name: 'web'} as OpState['app']

/** bg-restart as far as the new app's droplet: check, then the source's steps on the new app. */
async function bgRestartCopies(s: OpState) {
  const plan = blueGreenPlan(restartSource)
  await runStep(plan, 'check', s)
  s.newApp = NEW_APP
  const told = await runStep(plan, 'copy-package', s)
  await runStep(plan, 'copy-droplet', s)
  return told
}

describe('bg-restart carries the package', () => {
  it('copies the newest READY package to the new app, as well as the droplet', async () => {
    const requests = serveCheckWorld(server)
    const s = checkState({strategy: 'blue-green'})
    await bgRestartCopies(s)
    expect(requests.all).toContain('GET /v3/packages?app_guids=a1&states=READY&order_by=-created_at&per_page=1&page=1')
    expect(requests.packageCopies).toEqual([{source: 'p1', app: 'n1'}])
    expect(requests.all).toContain('POST /v3/droplets?source_guid=d1')
    expect(s.packageGuid).toBe('copy-1')
    expect(s.dropletGuid).toBe('d2')
    expect(s.warnings).toEqual([])
  })

  it('is in the plan, before the droplet copy', () => {
    const s = checkState({strategy: 'blue-green'})
    s.snapshot = {app: {state: 'STARTED'}, bindings: [], sidecars: []} as unknown as OpState['snapshot']
    const steps = describeSteps(blueGreenPlan(restartSource), s)
    expect(steps.indexOf('Copy package')).toBeGreaterThan(-1)
    expect(steps.indexOf('Copy package')).toBeLessThan(steps.indexOf('Copy droplet'))
  })

  it('a re-run adopts the copy already on the new app instead of making a second', async () => {
    const requests = serveCheckWorld(server)
    const s = checkState({strategy: 'blue-green'})
    await bgRestartCopies(s)
    // the step runs again (an interrupted run's retry) with the stable app's package as its source
    s.packageGuid = 'p1'
    const again = await runStep(blueGreenPlan(restartSource), 'copy-package', s)
    expect(requests.packageCopies).toHaveLength(1)
    expect(again.output.join('\n')).toMatch(/copy-1 was already copied/)
    expect(s.packageGuid).toBe('copy-1')
  })

  it('an ambiguous copy (502 after the POST was sent) is found, not repeated', async () => {
    const requests = serveCheckWorld(server)
    let posts = 0
    server.use(
      http.post(`${API}/v3/packages`, () => {
        posts++
        // the copy is made, but the answer is lost
        return new HttpResponse('bad gateway', {status: 502})
      }),
      http.get(`${API}/v3/packages`, ({request}) => {
        const q = new URL(request.url).searchParams
        if (q.get('app_guids') === 'a1') return HttpResponse.json({pagination: {total_results: 1, total_pages: 1, next: null}, resources: [pkg('p1', 'a1')]})
        const made = posts > 0 ? [pkg('copy-x', 'n1', 'READY')] : []
        return HttpResponse.json({pagination: {total_results: made.length, total_pages: 1, next: null}, resources: made})
      }),
      http.get(`${API}/v3/packages/copy-x`, () => HttpResponse.json(pkg('copy-x', 'n1'))),
    )
    const s = checkState({strategy: 'blue-green'})
    await bgRestartCopies(s)
    expect(posts).toBe(1)
    expect(s.packageGuid).toBe('copy-x')
    expect(requests.packageCopies).toEqual([])
  })

  it('an app with no READY package still bg-restarts, and warns that the new app has no package', async () => {
    const requests = serveCheckWorld(server)
    server.use(http.get(`${API}/v3/packages`, () => HttpResponse.json({pagination: {total_results: 0, total_pages: 1, next: null}, resources: []})))
    const s = checkState({strategy: 'blue-green'})
    const told = await bgRestartCopies(s)
    expect(told.skipped).toMatch(/no package to carry/)
    expect(requests.packageCopies).toEqual([])
    expect(s.dropletGuid).toBe('d2')
    expect(s.warnings).toHaveLength(1)
    expect(s.warnings[0]).toMatch(
      /App 'web' has no package ready to stage.*The new 'web' will have the droplet but no package: push it \(cfzd push web\) before restaging it/,
    )
  })

  it.each([
    {status: 403 as const, why: /was refused for your role \(403 CF-NotAuthorized/},
    {status: 404 as const, why: /was not found \(404 CF-ResourceNotFound/},
  ])('a package lookup answered $status still bg-restarts, with a warning naming the read', async ({status, why}) => {
    const requests = serveCheckWorld(server)
    server.use(http.get(`${API}/v3/packages`, () => capiError(status)))
    const s = checkState({strategy: 'blue-green'})
    await bgRestartCopies(s)
    expect(requests.packageCopies).toEqual([])
    expect(s.dropletGuid).toBe('d2')
    expect(s.warnings).toHaveLength(1)
    expect(s.warnings[0]).toMatch(
      /^Could not look up the package of 'web' to carry to the new app: reading its packages \(GET \/v3\/packages\?app_guids=a1&states=READY\)/,
    )
    expect(s.warnings[0]).toMatch(why)
  })

  it('a copy Cloud Controller refuses (the package expired meanwhile) warns and goes on', async () => {
    const requests = serveCheckWorld(server)
    server.use(http.post(`${API}/v3/packages`, () => capiError(422, 'Source package is not available')))
    const s = checkState({strategy: 'blue-green'})
    const told = await bgRestartCopies(s)
    expect(told.skipped).toMatch(/not carried/)
    expect(s.dropletGuid).toBe('d2')
    expect(s.warnings).toEqual([
      expect.stringMatching(/^Could not copy package p1 to the new 'web': Source package is not available\. The new app has the droplet but no package/),
    ])
    expect(requests.packageCopies).toEqual([])
  })

  it('a rolling restart does not look for a package (it keeps the app and its packages)', async () => {
    const requests = serveCheckWorld(server)
    const s = checkState({strategy: 'rolling'})
    await runStep(deploymentPlan(restartSource), 'check', s)
    expect(requests.all.filter((r) => r.includes('/v3/packages'))).toEqual([])
    expect(s.packageGuid).toBeUndefined()
  })
})
