import {describe, expect, it} from '@jest/globals'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {CapiHttp} from '../../../src/capi/http.js'
import {FakeClock} from '../../../src/clock.js'
import {routerInfo, urlForRoute} from '../../../src/probe/urls.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const capi = () => new CapiClient(new CapiHttp({apiUrl: API, clock: new FakeClock(), random: () => 0.5}))
const info = (body: Record<string, unknown>) => server.use(http.get(`${API}/v3/info`, () => HttpResponse.json(body)))

describe('routerInfo (GET /v3/info through the root resource)', () => {
  it("a local foundation's router: its scheme and port", async () => {
    info({name: 'cfzd-local', custom: {cfzd_local: {router_url: 'http://127.0.0.1:9080', shared_domain: 'apps.localhost'}}})
    const router = await routerInfo(capi())
    expect(router).toEqual({scheme: 'http', port: 9080})
    expect(urlForRoute({url: 'web.apps.localhost/v1', protocol: 'http', port: null}, router)).toBe('http://web.apps.localhost:9080/v1')
  })

  it.each([
    {name: "an operator's own custom keys", body: {name: 'acme-cf', custom: {arbitrary: 'stuff'}}},
    {name: 'no custom at all', body: {}},
    {name: 'a custom of an unexpected shape', body: {custom: {cfzd_local: 'yes'}}},
  ])('a standard foundation (https, default port): $name', async ({body}) => {
    info(body)
    expect(await routerInfo(capi())).toEqual({scheme: 'https'})
  })

  it('an /v3/info that fails: a standard foundation', async () => {
    server.use(http.get(`${API}/v3/info`, () => new HttpResponse('nope', {status: 404})))
    expect(await routerInfo(capi())).toEqual({scheme: 'https'})
  })
})
