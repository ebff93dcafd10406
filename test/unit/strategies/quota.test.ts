import {describe, expect, it} from '@jest/globals'
import {findShortfall, type Headroom} from '../../../src/strategies/quota.js'

const room = (over: Partial<Headroom> = {}): Headroom => ({
  scope: 'space',
  name: 'dev',
  memory: {usedMb: 3072, limitMb: 4096},
  instances: {used: 6, limit: 10},
  ...over,
})

describe('findShortfall', () => {
  it('fits when there is room', () => {
    expect(findShortfall([room()], {memoryMb: 1024, instances: 4, purpose: 'x'})).toBeUndefined()
  })
  it('reports memory with the numbers', () => {
    expect(findShortfall([room()], {memoryMb: 1025, instances: 1, purpose: 'A rolling deployment'})).toMatch(
      /A rolling deployment needs 1025 MB more memory, but space 'dev' uses 3072 MB of its 4096 MB quota \(1024 MB free\)/,
    )
  })
  it('reports instances', () => {
    expect(findShortfall([room()], {memoryMb: 1, instances: 5, purpose: 'X'})).toMatch(/5 more instance\(s\).*6 of its 10/)
  })
  it('treats null limits as unlimited and checks the org too', () => {
    const unlimited = room({memory: {usedMb: 99_999, limitMb: null}, instances: {used: 999, limit: null}})
    const org = room({scope: 'organization', name: 'acme', memory: {usedMb: 100, limitMb: 200}})
    expect(findShortfall([unlimited], {memoryMb: 10_000, instances: 100, purpose: 'X'})).toBeUndefined()
    expect(findShortfall([unlimited, org], {memoryMb: 101, instances: 1, purpose: 'X'})).toMatch(/organization 'acme'/)
  })
})
