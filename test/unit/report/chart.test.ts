import {describe, expect, it} from '@jest/globals'
import {axis, axisLabel, chartMode, chartWidth, level, secondsPerColumn, wrap} from '../../../src/report/chart.js'

describe('chart basics', () => {
  it('draws plain text under NO_COLOR, CI, TERM=dumb or when not a terminal; blocks on a terminal', () => {
    const tty = {isTTY: true}
    expect(chartMode(tty, {})).toBe('unicode')
    expect(chartMode(tty, {NO_COLOR: '1'})).toBe('plain')
    expect(chartMode(tty, {NO_COLOR: ''})).toBe('unicode')
    expect(chartMode(tty, {CI: 'true'})).toBe('plain')
    expect(chartMode(tty, {CI: 'false'})).toBe('unicode')
    expect(chartMode(tty, {TERM: 'dumb'})).toBe('plain')
    expect(chartMode({isTTY: false}, {})).toBe('plain')
  })

  it('is 80 columns wide, or the terminal when narrower, never under 40', () => {
    expect(chartWidth({})).toBe(80)
    expect(chartWidth({columns: 200})).toBe(80)
    expect(chartWidth({columns: 60})).toBe(60)
    expect(chartWidth({columns: 20})).toBe(40)
  })

  it('maps a fraction to an eighth block or a digit, clamped', () => {
    expect([0, 0.5, 1].map((f) => level(f, 'unicode')).join('')).toBe('▁▅█')
    expect([0, 0.5, 1, 2, -1, Number.NaN].map((f) => level(f, 'plain')).join('')).toBe('059900')
  })

  it('fits seconds into columns', () => {
    expect(secondsPerColumn(30, 68)).toBe(1)
    expect(secondsPerColumn(68, 68)).toBe(1)
    expect(secondsPerColumn(69, 68)).toBe(2)
    expect(secondsPerColumn(3600, 68)).toBe(53)
  })

  it('labels the axis at both ends, and the middle when there is room', () => {
    expect(axisLabel(5)).toBe('5s')
    expect(axisLabel(185)).toBe('3m05s')
    expect(axis(10, 1)).toBe('0s     10s')
    expect(axis(40, 1)).toBe('0s                 20s               40s')
    expect(axis(40, 1, axisLabel, 39)).toMatch(/ 39s$/)
    expect(axis(3, 1)).toBe(' 3s')
  })

  it('wraps words at the width, indented', () => {
    expect(wrap('aaa bbb ccc', 10, 2)).toEqual(['  aaa bbb', '  ccc'])
    for (const l of wrap('one two three four five six seven eight nine ten', 20, 4)) expect(l.length).toBeLessThanOrEqual(20)
  })
})
