import {describe, expect, it} from '@jest/globals'
import {parseMultipart} from '../../../src/local/api/body.js'
import {parseLabelSelector} from '../../../src/local/api/list.js'
import {Query} from '../../../src/local/api/query.js'
import {RateLimiter, defaultFaults, mergeFaults} from '../../../src/local/faults.js'
import {stagingFailure} from '../../../src/local/staging.js'
import {bumpVersion, iso, previousVersion, seededRandom} from '../../../src/local/util.js'
import {megabytesOrThrow} from '../../../src/local/api/messages.js'

describe('Query', () => {
  it('splits on raw commas and decodes each value, so %2C stays inside a value', () => {
    const q = new Query('?names=a,b%2Cc&space_guids=x&created_ats%5Blt%5D=2020-01-01T00:00:00Z&empty=')
    expect(q.list('names')).toEqual(['a', 'b,c'])
    expect(q.get('space_guids')).toBe('x')
    expect(q.get('created_ats[lt]')).toBe('2020-01-01T00:00:00Z')
    expect(q.list('empty')).toEqual([''])
    expect(q.has('missing')).toBe(false)
  })
})

describe('label selectors', () => {
  const labels = {env: 'prod', tier: 'web', 'example.com/team': 'a'}
  it.each([
    ['env', true],
    ['!env', false],
    ['!owner', true],
    ['env=prod', true],
    ['env==prod', true],
    ['env!=prod', false],
    ['env in (qa,prod)', true],
    ['env notin (qa,prod)', false],
    ['env=prod,tier=web', true],
    ['env=prod,tier=db', false],
    ['example.com/team=a', true],
  ])('%s → %s', (selector, expected) => {
    expect(parseLabelSelector(selector).every((r) => r(labels))).toBe(expected)
  })
  it('rejects garbage', () => expect(() => parseLabelSelector('env===x y')).toThrow('Invalid label_selector'))
})

describe('multipart', () => {
  it('reads the fields a package upload sends', async () => {
    const form = new FormData()
    form.append('resources', '[{"path":"a"}]')
    form.append('bits', new Blob([new Uint8Array([0x50, 0x4b, 0x0d, 0x0a, 0x00, 0xff])], {type: 'application/zip'}), 'app.zip')
    const req = new Request('http://x/', {method: 'POST', body: form})
    const parts = parseMultipart(Buffer.from(await req.arrayBuffer()), req.headers.get('content-type')!)
    expect(parts.map((p) => [p.name, p.filename])).toEqual([
      ['resources', undefined],
      ['bits', 'app.zip'],
    ])
    expect(parts[0].data.toString()).toBe('[{"path":"a"}]')
    expect([...parts[1].data]).toEqual([0x50, 0x4b, 0x0d, 0x0a, 0x00, 0xff])
  })
})

describe('faults', () => {
  it('validates updates', () => {
    expect(mergeFaults(defaultFaults, {errorRate: 0.5}).errorRate).toBe(0.5)
    expect(() => mergeFaults(defaultFaults, {errorRate: 2})).toThrow()
    expect(() => mergeFaults(defaultFaults, {errorKinds: ['404']})).toThrow()
  })
  it('counts a fixed window and estimates the remainder in 10 % steps, like Cloud Controller', () => {
    const rl = new RateLimiter()
    const seen = Array.from({length: 12}, () => rl.check('u', 10, 60, 1000))
    expect(seen.map((r) => r.allowed)).toEqual([...Array(10).fill(true), false, false])
    expect(seen.slice(0, 4).map((r) => r.remaining)).toEqual([9, 8, 7, 6])
    expect(seen[0].resetAt).toBe(61_000)
    expect(rl.check('u', 10, 60, 61_000).allowed).toBe(true)
    expect(new RateLimiter().check('v', 1000, 60, 0).remaining).toBe(900)
  })
})

describe('helpers', () => {
  it('staging failures: "true" gives a StagingError, "<Name> - <description>" is kept', () => {
    expect(stagingFailure('true', false)).toBe('StagingError - Staging error: staging failed')
    expect(stagingFailure('NoAppDetectedError - An app was not successfully detected by any available buildpack', false)).toMatch(/^NoAppDetectedError - /)
    expect(stagingFailure(undefined, true)).toMatch(/^StagingError/)
    expect(stagingFailure('false', false)).toBeNull()
  })
  it('parses manifest sizes', () => {
    expect([
      megabytesOrThrow('256M'),
      megabytesOrThrow('1G'),
      megabytesOrThrow('512MB'),
      megabytesOrThrow(64),
      megabytesOrThrow('2048K'),
      megabytesOrThrow('1.5G'),
    ]).toEqual([256, 1024, 512, 64, 2, 1536])
    expect(() => megabytesOrThrow('12 parsecs', 'Memory')).toThrow('Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB')
    expect(() => megabytesOrThrow('lots', 'Memory')).toThrow('Memory is not a number')
  })
  it('bumps and steps back versions', () => {
    expect(bumpVersion('1.8.30')).toBe('1.8.31')
    expect(previousVersion('1.8.30')).toBe('1.8.29')
    expect(previousVersion('1.0.0')).toBe('1.0.0-old')
  })
  it('timestamps have whole seconds; random sources repeat with the same seed', () => {
    expect(iso(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05Z')
    const a = seededRandom(42)
    const b = seededRandom(42)
    expect([a(), a(), a()]).toEqual([b(), b(), b()])
  })
})
