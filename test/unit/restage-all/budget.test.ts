import {describe, expect, it} from '@jest/globals'
import {budgetLine, requestBudget} from '../../../src/restage-all/budget.js'

const T = Date.parse('2026-12-05T21:00:00Z')

describe('request budget against the rate limit', () => {
  it('without rate-limit headers: the estimate only, no ETA before any app finished', () => {
    const b = requestBudget({apps: 100, strategy: 'rolling', now: T})
    expect(b).toEqual({apps: 100, perApp: 10, perAppFrom: 'estimate', needed: 1000})
    expect(budgetLine(b)).toBe('API requests: about 1,000 needed (10 per app, estimate, 100 apps)')
  })

  it('fits in what is left of the window', () => {
    const b = requestBudget({apps: 100, strategy: 'rolling', now: T, rateLimit: {limit: 2000, remaining: 1800, resetAt: T + 30 * 60_000}})
    expect(b).toMatchObject({needed: 1000, limit: 2000, remaining: 1800, waits: 0, resetAt: '2026-12-05T21:30:00Z'})
    expect(budgetLine(b)).toContain('rate limit: 1,800 of 2,000 left until 21:30 UTC; fits in what is left')
  })

  it('needs more windows: the ETA is no earlier than the last window it needs', () => {
    // 1,000 apps × 10 = 10,000 requests; 1,800 left now, then 2,000 per hour: 5 more windows.
    const b = requestBudget({apps: 1000, strategy: 'rolling', now: T, rateLimit: {limit: 2000, remaining: 1800, resetAt: T + 30 * 60_000}})
    expect(b.waits).toBe(5)
    expect(b.eta).toBe('2026-12-06T01:30:00Z')
  })

  it('during a run: requests per app measured over the finished apps, ETA from their pace', () => {
    const b = requestBudget({
      apps: 10,
      strategy: 'rolling',
      now: T,
      made: 60,
      finished: 10,
      msPerApp: 6000,
      rateLimit: {limit: 1000, remaining: 900, resetAt: T + 60_000},
    })
    expect(b).toMatchObject({perApp: 6, perAppFrom: 'measured', needed: 60, made: 60, waits: 0, eta: '2026-12-05T21:01:00Z'})
    expect(budgetLine(b)).toBe(
      'API requests: 60 made, about 60 more (6 per app, measured, 10 apps); rate limit: 900 of 1,000 left until 21:01 UTC; fits in what is left; ETA 21:01 UTC',
    )
  })
})
