import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {CapiHttp} from '../../../src/capi/http.js'
import type {Deployment} from '../../../src/capi/resources/deployments.js'
import {FakeClock} from '../../../src/clock.js'
import {continueOnce} from '../../../src/strategies/deployment.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const example = JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/capi-examples/deployment.json'), 'utf8'))
const at = (reason: string, current: number) => ({...example, status: {...example.status, reason, canary: {steps: {current, total: 2}}}})
const capi = () => new CapiClient(new CapiHttp({apiUrl: API, clock: new FakeClock(), random: () => 0.5}))

/** POST continue answers with these statuses in turn; GET answers with these deployments in turn. */
function serve(posts: number[], gets: object[]) {
  const calls = {posts: 0, gets: 0}
  server.use(
    http.post(`${API}/v3/deployments/:guid/actions/continue`, () => new HttpResponse(null, {status: posts[calls.posts++] ?? 200})),
    http.get(`${API}/v3/deployments/:guid`, () => HttpResponse.json(gets[Math.min(calls.gets++, gets.length - 1)])),
  )
  return calls
}

describe('continueOnce: a paused canary continues exactly once', () => {
  const paused = at('PAUSED', 1) as Deployment
  it.each([
    {name: 'answered at once', posts: [200], gets: [], want: {posts: 1, gets: 0}},
    {name: 'a 502, still paused at the same step: continue again', posts: [502, 200], gets: [at('PAUSED', 1)], want: {posts: 2, gets: 1}},
    {name: 'a 502, but the deployment moved on: it went through, no second continue', posts: [502], gets: [at('DEPLOYING', 2)], want: {posts: 1, gets: 1}},
    {name: 'a 502, paused at the next step: it went through', posts: [502], gets: [at('PAUSED', 2)], want: {posts: 1, gets: 1}},
  ])('$name', async ({posts, gets, want}) => {
    const calls = serve(posts, gets)
    await continueOnce(capi(), paused)
    expect(calls).toEqual(want)
  })

  it('a clear refusal (422) is not retried', async () => {
    const calls = serve([422], [])
    await expect(continueOnce(capi(), paused)).rejects.toThrow()
    expect(calls.posts).toBe(1)
  })
})
