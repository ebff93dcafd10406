/**
 * Typed errors at the HTTP boundary. CAPI's envelope `{errors:[{code,title,detail}]}` becomes a
 * CapiError subclass chosen by HTTP status and title; UAA's OAuth body `{error,error_description}`
 * becomes a UaaError. Request ids travel with the error so users can quote them to operators.
 */
export interface CapiErrorItem {
  code: number
  title: string
  detail: string
}

export interface RequestInfo {
  method: string
  url: string
}

export class CapiError extends Error {
  readonly status: number
  readonly errors: CapiErrorItem[]
  readonly requestId?: string
  readonly request?: RequestInfo
  readonly headers: Record<string, string | string[] | undefined>

  constructor(
    status: number,
    errors: CapiErrorItem[],
    opts: {requestId?: string; request?: RequestInfo; headers?: Record<string, string | string[] | undefined>} = {},
  ) {
    const first = errors[0]
    super(first ? `${first.detail}` : `Unexpected HTTP ${status} from the Cloud Controller`)
    this.name = new.target.name
    this.status = status
    this.errors = errors
    this.requestId = opts.requestId
    this.request = opts.request
    this.headers = opts.headers ?? {}
  }

  get title(): string {
    return this.errors[0]?.title ?? `HTTP ${this.status}`
  }

  get code(): number {
    return this.errors[0]?.code ?? 0
  }

  get detail(): string {
    return this.errors[0]?.detail ?? this.message
  }

  /** Match on title and code together: codes alone are not unique in CAPI. */
  is(title: string, code?: number): boolean {
    return this.errors.some((e) => e.title === title && (code === undefined || e.code === code))
  }

  static from(
    status: number,
    body: unknown,
    opts: {requestId?: string; request?: RequestInfo; headers?: Record<string, string | string[] | undefined>} = {},
  ): CapiError {
    const errors = parseErrorEnvelope(body, status)
    const Ctor = pickClass(status, errors)
    return new Ctor(status, errors, opts)
  }
}

export class CapiBadRequest extends CapiError {}
export class CapiNotAuthenticated extends CapiError {}
export class CapiInvalidAuthToken extends CapiError {}
export class CapiNotAuthorized extends CapiError {}
export class CapiNotFound extends CapiError {}
export class CapiUnprocessable extends CapiError {}
export class CapiUniquenessError extends CapiUnprocessable {}
export class CapiRateLimited extends CapiError {}
export class CapiServerError extends CapiError {}

function pickClass(status: number, errors: CapiErrorItem[]): typeof CapiError {
  const has = (title: string) => errors.some((e) => e.title === title)
  if (status === 401) return has('CF-InvalidAuthToken') ? CapiInvalidAuthToken : CapiNotAuthenticated
  if (status === 400) return CapiBadRequest
  if (status === 403) return CapiNotAuthorized
  if (status === 404) return CapiNotFound
  if (status === 422) return has('CF-UniquenessError') ? CapiUniquenessError : CapiUnprocessable
  if (status === 429) return CapiRateLimited
  if (status >= 500) return CapiServerError
  return CapiError
}

function parseErrorEnvelope(body: unknown, status: number): CapiErrorItem[] {
  let value = body
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body)
    } catch {
      const text = body.trim().slice(0, 300)
      return [{code: 0, title: `HTTP-${status}`, detail: text || `HTTP ${status}`}]
    }
  }
  if (value && typeof value === 'object' && Array.isArray((value as {errors?: unknown}).errors)) {
    return (value as {errors: unknown[]}).errors.map((e) => {
      const o = (e ?? {}) as Record<string, unknown>
      return {
        code: typeof o.code === 'number' ? o.code : 0,
        title: typeof o.title === 'string' ? o.title : `HTTP-${status}`,
        detail: typeof o.detail === 'string' ? o.detail : String(o.title ?? `HTTP ${status}`),
      }
    })
  }
  // v2-style or gorouter bodies
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>
    if (typeof o.description === 'string') return [{code: Number(o.code) || 0, title: String(o.error_code ?? `HTTP-${status}`), detail: o.description}]
  }
  return [{code: 0, title: `HTTP-${status}`, detail: `HTTP ${status}`}]
}

/** An OAuth2 error from UAA: `{"error": "...", "error_description": "..."}`. */
export class UaaError extends Error {
  readonly status: number
  readonly error: string
  readonly description: string

  constructor(status: number, error: string, description: string) {
    super(description || error || `UAA answered HTTP ${status}`)
    this.name = 'UaaError'
    this.status = status
    this.error = error
    this.description = description
  }

  /** Wrong username/password or client credentials. */
  get isBadCredentials(): boolean {
    return this.status === 401 && (this.error === 'unauthorized' || this.error === 'invalid_client')
  }

  /** The refresh token is expired, revoked or malformed: the user must log in again. */
  get isInvalidRefreshToken(): boolean {
    return this.error === 'invalid_token' || this.error === 'invalid_grant' || (this.status === 401 && !this.isBadCredentials)
  }

  static from(status: number, body: unknown): UaaError {
    let value = body
    if (typeof body === 'string') {
      try {
        value = JSON.parse(body)
      } catch {
        return new UaaError(status, `http_${status}`, body.trim().slice(0, 300))
      }
    }
    const o = (value ?? {}) as Record<string, unknown>
    return new UaaError(status, String(o.error ?? `http_${status}`), String(o.error_description ?? ''))
  }
}

/** A response that did not match the schema cfzd relies on. Names the field. */
export class SchemaError extends Error {
  readonly request?: RequestInfo
  readonly issues: {path: string; message: string}[]

  constructor(issues: {path: string; message: string}[], request?: RequestInfo) {
    const where = request ? ` from ${request.method} ${safePath(request.url)}` : ''
    const list = issues
      .slice(0, 5)
      .map((i) => `${i.path || '(root)'}: ${i.message}`)
      .join('; ')
    super(`Unexpected response${where}: ${list}`)
    this.name = 'SchemaError'
    this.issues = issues
    this.request = request
  }
}

/** The network failed (connection refused, reset, DNS, TLS or timeout). */
export class NetworkError extends Error {
  readonly code?: string
  readonly request?: RequestInfo
  /** True when the request may have reached the server (so a POST may have taken effect). */
  readonly ambiguous: boolean

  constructor(message: string, opts: {code?: string; request?: RequestInfo; ambiguous: boolean; cause?: unknown}) {
    super(message, {cause: opts.cause})
    this.name = 'NetworkError'
    this.code = opts.code
    this.request = opts.request
    this.ambiguous = opts.ambiguous
  }
}

/** A job finished FAILED, or did not finish in time. */
export class JobFailedError extends Error {
  readonly job: {guid: string; operation?: string; state: string; errors: CapiErrorItem[]}
  constructor(job: {guid: string; operation?: string; state: string; errors: CapiErrorItem[]}, message?: string) {
    super(message ?? job.errors[0]?.detail ?? `Job ${job.operation ?? job.guid} ${job.state}`)
    this.name = 'JobFailedError'
    this.job = job
  }
}

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TimeoutError'
  }
}

function safePath(url: string): string {
  try {
    const u = new URL(url)
    return u.pathname + u.search
  } catch {
    return url
  }
}

/** Whether an error means "this POST may or may not have happened": the caller must re-read state. */
export function isAmbiguous(e: unknown): boolean {
  return (e instanceof NetworkError && e.ambiguous) || (e instanceof CapiServerError && e.status !== 503)
}
