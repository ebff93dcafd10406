/**
 * What an API answer that is wrong gets on the command line: every error cfzd can meet maps to a
 * message that says what happened and an exit code (README "Bad input" table, "API" rows).
 */
import {describe, expect, it} from '@jest/globals'
import {toCfzdError} from '../../../src/user-error.js'
import {CapiError, JobFailedError, NetworkError, SchemaError, UaaError} from '../../../src/capi/errors.js'
import {AbortError} from '../../../src/clock.js'
import {ExitCode} from '../../../src/errors.js'

const request = {method: 'GET' as const, url: 'https://api.example.test/v3/apps/a1?include=space'}

describe('toCfzdError: each kind of failure gets its exit code and a next step', () => {
  it.each([
    {
      name: 'a body that fails its schema',
      err: new SchemaError([{path: 'resources[0].guid', message: 'Required'}], request),
      code: ExitCode.FAILED,
      message:
        /^The Cloud Controller answered in a shape cfzd does not understand\. Unexpected response from GET \/v3\/apps\/a1\?include=space: resources\[0\]\.guid: Required$/,
      tip: /--verbose/,
    },
    {
      name: 'a network failure',
      err: new NetworkError('GET x failed: socket hang up', {code: 'ECONNRESET', ambiguous: true}),
      code: ExitCode.API_UNAVAILABLE,
      message: /socket hang up/,
      tip: /Check the API URL/,
    },
    {
      name: 'a 5xx',
      err: CapiError.from(502, {errors: [{code: 10001, title: 'UnknownError', detail: 'bad gateway'}]}, {request, requestId: 'r1'}),
      code: ExitCode.API_UNAVAILABLE,
      message: /bad gateway \[UnknownError 10001, HTTP 502\] \(request id r1\)/,
      tip: /overloaded or failing/,
    },
    {
      name: 'a 429 after the retries',
      err: CapiError.from(429, {errors: [{code: 10013, title: 'CF-RateLimitExceeded', detail: 'Rate Limit Exceeded'}]}),
      code: ExitCode.API_UNAVAILABLE,
      message: /HTTP 429/,
      tip: /try again later/,
    },
    {
      name: 'a 401 after the refresh',
      err: CapiError.from(401, {errors: [{code: 1000, title: 'CF-InvalidAuthToken', detail: 'Invalid Auth Token'}]}),
      code: ExitCode.AUTH,
      message: /Invalid Auth Token/,
      tip: /Log in again/,
    },
    {
      name: 'a 403',
      err: CapiError.from(403, {errors: [{code: 10003, title: 'CF-NotAuthorized', detail: 'You are not authorized to perform the requested action'}]}),
      code: ExitCode.FAILED,
      message: /not authorized/,
      tip: /roles/,
    },
    {
      name: 'a 404',
      err: CapiError.from(404, {errors: [{code: 10010, title: 'CF-ResourceNotFound', detail: 'App not found'}]}),
      code: ExitCode.NOT_FOUND,
      message: /App not found/,
      tip: undefined,
    },
    {
      name: 'a UAA refusal',
      err: new UaaError(401, 'invalid_token', 'The token expired'),
      code: ExitCode.AUTH,
      message: /^Authentication failed: /,
      tip: /cfzd login/,
    },
    {
      name: 'a failed job',
      err: new JobFailedError({
        guid: 'j1',
        operation: 'app.apply_manifest',
        state: 'FAILED',
        errors: [{code: 10008, title: 'CF-UnprocessableEntity', detail: 'Routes cannot be mapped to destinations in different spaces'}],
      }),
      code: ExitCode.FAILED,
      message: /^Routes cannot be mapped/,
      tip: /--verbose/,
    },
    {name: 'an interrupt', err: new AbortError(), code: ExitCode.INTERRUPTED, message: /^Interrupted\.$/, tip: undefined},
  ])('$name', ({err, code, message, tip}) => {
    const user = toCfzdError(err)
    expect(user.exitCode).toBe(code)
    expect(user.message).toMatch(message)
    if (tip) expect(user.suggestions.join('\n')).toMatch(tip)
    else expect(user.suggestions).toEqual([])
  })
})
