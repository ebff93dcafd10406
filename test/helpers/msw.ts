import {setupServer} from 'msw/node'
import {afterAll, afterEach, beforeAll} from '@jest/globals'

export const API = 'https://api.example.test'

/** An msw server that fails any request it has no handler for, except loopback (used by e2e helpers). */
export function useMsw() {
  const server = setupServer()
  beforeAll(() =>
    server.listen({
      onUnhandledRequest(req, print) {
        if (new URL(req.url).hostname !== '127.0.0.1') print.error()
      },
    }),
  )
  afterEach(() => server.resetHandlers())
  afterAll(() => server.close())
  return server
}
