import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from '@jest/globals'
import {Problems} from '../../../src/push/problems.js'
import {loadVars} from '../../../src/push/prepare.js'
import {logRateBytes, megabytes} from '../../../src/push/sizes.js'
import {interpolate, mergeVars, parseVarFlag} from '../../../src/push/vars.js'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-vars-'))
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

describe('interpolate', () => {
  it.each([
    {name: 'whole scalar keeps the type (number)', value: '((n))', vars: {n: 3}, want: 3},
    {name: 'whole scalar keeps the type (list)', value: '((bps))', vars: {bps: ['a', 'b']}, want: ['a', 'b']},
    {name: 'whole scalar with spaces', value: '(( n ))', vars: {n: 3}, want: 3},
    {name: 'embedded → text', value: 'v((n))-((s))', vars: {n: 3, s: 'x'}, want: 'v3-x'},
    {name: 'nested lookup', value: '((db.host))', vars: {db: {host: 'h'}}, want: 'h'},
    {name: 'a name with a dot wins over the nested lookup', value: '((db.host))', vars: {'db.host': 'flat', db: {host: 'nested'}}, want: 'flat'},
    {name: 'no vars', value: 'plain ( (x) )', vars: {}, want: 'plain ( (x) )'},
  ])('$name', ({value, vars, want}) => {
    const r = interpolate({a: value}, vars)
    expect(r.missing).toEqual([])
    expect(r.value).toEqual({a: want})
  })

  it('reports every unresolved variable with its path, and keys are substituted too', () => {
    const r = interpolate({applications: [{name: '((app))', env: {'((key))': 'v', B: 'x-((missing))-((other))'}}]}, {key: 'K'})
    expect(r.value).toEqual({applications: [{name: '((app))', env: {K: 'v', B: 'x-((missing))-((other))'}}]})
    expect(r.missing).toEqual([
      {name: 'app', path: ['applications', 0, 'name']},
      {name: 'missing', path: ['applications', 0, 'env', 'B']},
      {name: 'other', path: ['applications', 0, 'env', 'B']},
    ])
  })

  it('a map cannot be embedded in a string', () => {
    const r = interpolate({a: 'x((m))'}, {m: {k: 1}})
    expect(r.missing).toEqual([{name: 'm', path: ['a'], reason: "((m)) is a map and can't be placed inside a string"}])
  })
})

describe('vars from flags and files', () => {
  it('--var takes NAME=VALUE, the value may contain =', () => {
    expect(parseVarFlag('a=b=c')).toEqual(['a', 'b=c'])
    expect(parseVarFlag('a=')).toEqual(['a', ''])
    expect(parseVarFlag('novalue')).toEqual({message: '--var "novalue" must be NAME=VALUE'})
  })

  it('later vars files win, --var wins over files', () => {
    expect(
      mergeVars(
        [
          {a: 1, b: 1},
          {b: 2, c: 2},
        ],
        [['c', '3']],
      ),
    ).toEqual({a: 1, b: 2, c: '3'})
  })

  it('reads vars files relative to the working folder; problems name the file and line', () => {
    fs.writeFileSync(path.join(tmp, 'ok.yml'), 'count: 2\ndb:\n  host: h\n')
    fs.writeFileSync(path.join(tmp, 'bad.yml'), 'a: 1\nb: [\n')
    fs.writeFileSync(path.join(tmp, 'list.yml'), '- a\n- b\n')
    const problems = new Problems()
    const vars = loadVars({cwd: tmp, varsFiles: ['ok.yml', 'bad.yml', 'list.yml', 'missing.yml'], vars: ['count=5', 'oops']}, problems)
    expect(vars).toEqual({count: '5', db: {host: 'h'}})
    expect(problems.list.map((p) => `${p.file ?? '(flags)'}:${p.line ?? '?'}: ${p.message}`)).toEqual([
      expect.stringMatching(/^bad\.yml:3: invalid YAML/),
      'list.yml:1: a vars file must be a mapping of names to values (name: value)',
      "missing.yml:?: can't read vars file: no such file",
      '(flags):?: --var "oops" must be NAME=VALUE',
    ])
  })
})

describe('sizes', () => {
  it.each([
    ['1G', 1024],
    ['1GB', 1024],
    ['512M', 512],
    ['512mb', 512],
    ['1.5G', 1536],
    ['2048K', 2],
    ['1T', 1024 * 1024],
  ])('megabytes(%s) = %d', (input, want) => {
    expect(megabytes(input)).toBe(want)
  })

  it.each([
    ['1024', /needs a unit/],
    ['lots', /must be a size/],
    ['1Q', /must be a size/],
    ['10K', /at least 1M/],
  ])('megabytes(%s) fails', (input, want) => {
    expect(() => megabytes(input)).toThrow(want)
  })

  it('log rate: bytes per second, -1 unlimited', () => {
    expect(logRateBytes('1K')).toBe(1024)
    expect(logRateBytes('-1')).toBe(-1)
    expect(logRateBytes('0B')).toBe(0)
  })
})
