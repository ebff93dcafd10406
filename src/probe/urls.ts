/**
 * The URL a route answers on. On a real foundation that is https://host.domain/path; a local
 * foundation advertises its router in /v3/info (custom.cfzd_local.router_url), and its routes are
 * reached through that router (http, the router's port; *.localhost names resolve to 127.0.0.1).
 */
import type {CapiClient} from '../capi/client.js'
import type {Route} from '../capi/resources/routes.js'

export interface RouterInfo {
  scheme: 'http' | 'https'
  port?: number
}

export async function routerInfo(capi: CapiClient): Promise<RouterInfo> {
  try {
    const info = await capi.root.info()
    const local = info.custom?.cfzd_local?.router_url
    if (local) {
      const u = new URL(local)
      return {scheme: u.protocol === 'https:' ? 'https' : 'http', port: Number(u.port) || undefined}
    }
  } catch {
    // an old or locked-down /v3/info: assume a standard foundation
  }
  return {scheme: 'https'}
}

export function urlForRoute(route: Pick<Route, 'url' | 'protocol' | 'port'>, router: RouterInfo): string {
  const [hostAndDomain, ...rest] = route.url.split('/')
  const path = rest.length ? `/${rest.join('/')}` : '/'
  return `${router.scheme}://${hostAndDomain}${router.port ? `:${router.port}` : ''}${path}`
}
