/**
 * Cloud Controller's error envelope, `{"errors":[{detail,title,code}]}` (v3_error_hasher.rb), with
 * the codes and titles of its errors list. Handlers throw an ApiError; the server renders it.
 */
export interface ErrorItem {
  code: number
  title: string
  detail: string
}

export class ApiError extends Error {
  readonly headers: Record<string, string>
  constructor(
    readonly status: number,
    readonly errors: ErrorItem[],
    headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => e.detail).join(', '))
    this.name = 'ApiError'
    this.headers = headers
  }

  get body() {
    return {errors: this.errors.map((e) => ({detail: e.detail, title: e.title, code: e.code}))}
  }
}

const err = (status: number, code: number, title: string, detail: string, headers?: Record<string, string>) =>
  new ApiError(status, [{code, title, detail}], headers)

/** 404 CF-ResourceNotFound, detail "<Resource> not found". */
export const notFound = (resource: string) => err(404, 10010, 'CF-ResourceNotFound', `${resource} not found`)
/** 404 CF-ResourceNotFound with a detail of its own (resource_not_found_with_message!). */
export const notFoundWithMessage = (detail: string) => err(404, 10010, 'CF-ResourceNotFound', detail)
/** 404 CF-NotFound: no such endpoint. */
export const unknownRequest = () => err(404, 10000, 'CF-NotFound', 'Unknown request')
export const unprocessable = (detail: string) => err(422, 10008, 'CF-UnprocessableEntity', detail)
export const uniqueness = (detail: string) => err(422, 10016, 'CF-UniquenessError', detail)
export const stagingInProgress = () => err(422, 170017, 'CF-StagingInProgress', 'Only one build can be STAGING at a time per application.')
export const badQuery = (detail: string) => err(400, 10005, 'CF-BadQueryParameter', `The query parameter is invalid: ${detail}`)
export const messageParseError = (detail: string) => err(400, 1001, 'CF-MessageParseError', `Request invalid due to parse error: ${detail}`)
export const badRequest = (detail: string) => err(400, 1004, 'CF-BadRequest', `Bad request: ${detail}`)
export const notAuthenticated = () => err(401, 10002, 'CF-NotAuthenticated', 'Authentication error')
export const invalidAuthToken = () => err(401, 1000, 'CF-InvalidAuthToken', 'Invalid Auth Token')
export const notAuthorized = () => err(403, 10003, 'CF-NotAuthorized', 'You are not authorized to perform the requested action')
export const rateLimited = (retryAfterSec: number) => err(429, 10013, 'CF-RateLimitExceeded', 'Rate Limit Exceeded', {'retry-after': String(retryAfterSec)})
export const serverError = (detail = 'An unknown error occurred.') => err(500, 10001, 'UnknownError', detail)
