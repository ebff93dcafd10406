/**
 * YAML with line numbers: js-yaml loads the value, and its event stream (which carries source
 * offsets) gives the line of every node by path, so a problem found later (an unknown field, a
 * bad size, an unresolved ((var))) can name the line it sits on.
 *
 *   const y = parseLocatedYaml(text, 'manifest.yml')
 *   y.lineOf(['applications', 0, 'memory'])   // → 7
 */
import {CORE_SCHEMA, EVENT_ID, YAMLException, getScalarValue, load, mergeTag, parseEvents, type Event} from 'js-yaml'
import type {Problem} from './problems.js'

export type YamlPath = readonly (string | number)[]

export interface LocatedYaml {
  value: unknown
  /** The file as named in messages. */
  file: string
  /** 1-based line of the node at `path` (its key, for a mapping entry), else of its nearest located ancestor. */
  lineOf(path: YamlPath): number | undefined
  /** Whether the value at `path` carries an anchor (`key: &name ...`). */
  anchored(path: YamlPath): boolean
}

const SCHEMA = CORE_SCHEMA.withTags(mergeTag)

const keyOf = (path: YamlPath) => path.map(String).join('\u0000')

/** Parse YAML text; a syntax error becomes a Problem with the file, line and column. */
export function parseLocatedYaml(source: string, file: string): LocatedYaml {
  let value: unknown
  let events: Event[]
  try {
    events = parseEvents(source, {filename: file})
    value = source.trim() === '' ? undefined : load(source, {filename: file, schema: SCHEMA})
  } catch (error) {
    throw yamlProblem(error, file)
  }
  const starts = lineStarts(source)
  const {offsets, anchors} = locate(source, events)
  return {
    value,
    file,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const at = offsets.get(keyOf(path.slice(0, n)))
        if (at !== undefined) return lineAt(starts, at)
      }
      return undefined
    },
    anchored: (path) => anchors.has(keyOf(path)),
  }
}

export class YamlProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message)
    this.name = 'YamlProblem'
  }
}

function yamlProblem(error: unknown, file: string): YamlProblem {
  if (error instanceof YAMLException) {
    const mark = error.mark
    return new YamlProblem({file, line: mark ? mark.line + 1 : undefined, column: mark ? mark.column + 1 : undefined, message: `invalid YAML: ${error.reason}`})
  }
  return new YamlProblem({file, message: `invalid YAML: ${(error as Error).message}`})
}

interface Frame {
  kind: 'doc' | 'map' | 'seq'
  path: (string | number)[]
  index: number
  /** Mapping: the key whose value comes next, or undefined when a key comes next. */
  key?: string
}

/** Walk the event stream, recording where each node (or the key that introduces it) starts. */
function locate(source: string, events: Event[]): {offsets: Map<string, number>; anchors: Set<string>} {
  const offsets = new Map<string, number>()
  const anchors = new Set<string>()
  const stack: Frame[] = []
  let doc = 0
  const record = (path: (string | number)[], at: number) => {
    const k = keyOf(path)
    if (at >= 0 && !offsets.has(k)) offsets.set(k, at)
  }
  /** Place a node in its parent; returns its path, or undefined when the node is a mapping key. */
  const place = (at: number, keyText: () => string): (string | number)[] | undefined => {
    const parent = stack[stack.length - 1]
    if (!parent) return []
    if (parent.kind === 'doc') return parent.path
    if (parent.kind === 'seq') {
      const path = [...parent.path, parent.index++]
      record(path, at)
      return path
    }
    if (parent.key === undefined) {
      parent.key = keyText()
      record([...parent.path, parent.key], at)
      return undefined
    }
    const path = [...parent.path, parent.key]
    parent.key = undefined
    record(path, at)
    return path
  }
  for (const e of events) {
    switch (e.type) {
      case EVENT_ID.DOCUMENT:
        stack.push({kind: 'doc', path: doc++ === 0 ? [] : [`#${doc}`], index: 0})
        break
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const path = place(e.anchorStart >= 0 ? e.anchorStart : e.start, () => '')
        const p = path ?? []
        if (e.anchorStart >= 0) anchors.add(keyOf(p))
        record(p, e.start)
        stack.push({kind: e.type === EVENT_ID.MAPPING ? 'map' : 'seq', path: p, index: 0})
        break
      }
      case EVENT_ID.SCALAR: {
        const path = place(e.valueStart, () => getScalarValue(source, e))
        if (path && e.anchorStart >= 0) anchors.add(keyOf(path))
        break
      }
      case EVENT_ID.ALIAS:
        place(e.anchorStart, () => '')
        break
      case EVENT_ID.POP:
        stack.pop()
        break
    }
  }
  return {offsets, anchors}
}

function lineStarts(source: string): number[] {
  const starts = [0]
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) starts.push(i + 1)
  return starts
}

function lineAt(starts: number[], offset: number): number {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid] <= offset) lo = mid
    else hi = mid - 1
  }
  return lo + 1
}
