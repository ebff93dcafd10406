import {afterEach, beforeEach, describe, expect, it} from '@jest/globals'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {FileTickStore, priorFrom} from '../../../src/strategies/tick-store.js'

describe('FileTickStore', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-ticks-'))
  })
  afterEach(() => fs.rmSync(dir, {recursive: true, force: true}))

  it('keeps one tick per API URL, in a small file, and reads it back', () => {
    const file = path.join(dir, '.cf', 'cfzd-ticks.json')
    const s = new FileTickStore(file)
    s.save('https://api.a.example/', {periodMs: 5000, phaseMs: 1_000_123, uncertaintyMs: 40, at: 2_000_000})
    s.save('https://api.b.example', {periodMs: 1000, phaseMs: 7, uncertaintyMs: 10, at: 2_000_001})
    expect(new FileTickStore(file).load('https://API.a.example')).toEqual({periodMs: 5000, phaseMs: 1_000_123, uncertaintyMs: 40, at: 2_000_000})
    expect(s.load('https://api.b.example/')?.periodMs).toBe(1000)
    expect(s.load('https://api.c.example')).toBeUndefined()
    expect(fs.statSync(file).size).toBeLessThan(400)
    expect(fs.readdirSync(path.dirname(file))).toEqual(['cfzd-ticks.json'])
  })

  it('ignores an unreadable or malformed file, and bad entries', () => {
    const file = path.join(dir, 'ticks.json')
    fs.writeFileSync(file, '{not json')
    const s = new FileTickStore(file)
    expect(s.load('https://api.a.example')).toBeUndefined()
    s.save('https://api.a.example', {periodMs: 5000, phaseMs: 1, uncertaintyMs: 1, at: 1})
    expect(s.load('https://api.a.example')?.periodMs).toBe(5000)
    fs.writeFileSync(file, JSON.stringify({'https://api.a.example': {periodMs: 'x'}}))
    expect(s.load('https://api.a.example')).toBeUndefined()
  })

  it('does not throw when it cannot write', () => {
    const blocker = path.join(dir, 'file')
    fs.writeFileSync(blocker, '')
    expect(() => new FileTickStore(path.join(blocker, 'ticks.json')).save('https://x', {periodMs: 5000, phaseMs: 1, uncertaintyMs: 1, at: 1})).not.toThrow()
  })
})

describe('priorFrom', () => {
  it('keeps the phase while it is fresh, then only the period', () => {
    const saved = {periodMs: 1000, phaseMs: 500, uncertaintyMs: 20, at: 10_000}
    // Two periods later: the tick may have drifted up to 2 × 8 ms later, not earlier.
    expect(priorFrom(saved, 12_000)).toEqual({periodMs: 1000, phaseMs: 508, uncertaintyMs: 58})
    expect(priorFrom(saved, 10_000 + 3_600_000)).toEqual({periodMs: 1000})
    expect(priorFrom(saved, 10_000 + 30 * 86_400_000)).toBeUndefined()
    expect(priorFrom(undefined, 0)).toBeUndefined()
  })
})
