import type {z} from 'zod'
import type {CapiHttp, Query} from '../http.js'
import {collect, first, items, pages} from '../pagination.js'

/** A path segment holding a GUID or name, escaped. */
export const seg = (s: string) => encodeURIComponent(s)

export abstract class Resource {
  constructor(protected readonly http: CapiHttp) {}

  protected iterate<T extends z.ZodTypeAny>(path: string, query: Query, item: T, signal?: AbortSignal) {
    return items(this.http, path, query, item, signal)
  }

  protected pages<T extends z.ZodTypeAny>(path: string, query: Query, item: T, signal?: AbortSignal) {
    return pages(this.http, path, query, item, signal)
  }

  protected all<T extends z.ZodTypeAny>(path: string, query: Query, item: T): Promise<z.infer<T>[]> {
    return collect(items(this.http, path, query, item))
  }

  protected first<T extends z.ZodTypeAny>(path: string, query: Query, item: T) {
    return first(this.http, path, query, item)
  }

  protected async read<T extends z.ZodTypeAny>(path: string, schema: T, query?: Query): Promise<z.infer<T>> {
    return (await this.http.request({path, query, schema})).data as z.infer<T>
  }
}

/** The reference to an asynchronous job: the Location header of a 202. */
export interface JobRef {
  location: string
}

export function jobRef(location: string | undefined, what: string): JobRef {
  if (!location) throw new Error(`The Cloud Controller accepted ${what} but sent no job Location header`)
  return {location}
}
