/**
 * Lists are async iterators that follow `pagination.next.href` until it is null.
 * Walking a whole collection uses per_page=5000, the CAPI maximum.
 */
import type {z} from 'zod'
import type {CapiHttp, Query} from './http.js'
import {Page, type PageOf} from './schemas.js'

export const MAX_PER_PAGE = 5000

export async function* pages<T extends z.ZodTypeAny>(
  http: CapiHttp,
  path: string,
  query: Query,
  item: T,
  signal?: AbortSignal,
): AsyncGenerator<PageOf<z.infer<T>>> {
  const schema = Page(item)
  let next: string | null = http.url(path, {per_page: MAX_PER_PAGE, ...query})
  while (next) {
    const res: {data: PageOf<z.infer<T>>} = await http.request({path: next, schema, signal})
    yield res.data
    next = res.data.pagination.next?.href ?? null
  }
}

export async function* items<T extends z.ZodTypeAny>(http: CapiHttp, path: string, query: Query, item: T, signal?: AbortSignal): AsyncGenerator<z.infer<T>> {
  for await (const page of pages(http, path, query, item, signal)) yield* page.resources
}

export async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of iter) out.push(x)
  return out
}

/** The first resource of a one-item query (per_page=1), or undefined. */
export async function first<T extends z.ZodTypeAny>(http: CapiHttp, path: string, query: Query, item: T): Promise<z.infer<T> | undefined> {
  const res = await http.request({path, query: {...query, per_page: 1, page: 1}, schema: Page(item)})
  return (res.data as PageOf<z.infer<T>>).resources[0]
}
