/**
 * The design's layers, checked on the import graph of src (type imports included, which ESLint's
 * no-cycle skips): no import cycles at all, and the local foundation never depends on the CLI.
 */
import {describe, expect, it} from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import {ROOT} from '../../helpers/e2e.js'

const SRC = path.join(ROOT, 'src')

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, {withFileTypes: true})
    .flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [path.join(dir, d.name)] : []))
}

/** Every module's relative imports (static, dynamic and type-only), resolved to .ts files. */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>()
  for (const file of files(SRC)) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true)
    const deps = info.importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => path.resolve(path.dirname(file), name).replace(/\.js$/, '.ts'))
      .filter((dep) => fs.existsSync(dep))
    g.set(file, [...new Set(deps)])
  }
  return g
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(g: Map<string, string[]>): string[][] {
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const on = new Set<string>()
  const out: string[][] = []
  const visit = (v: string) => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    on.add(v)
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = []
      let w: string
      do {
        w = stack.pop()!
        on.delete(w)
        scc.push(w)
      } while (w !== v)
      if (scc.length > 1) out.push(scc.map((f) => path.relative(ROOT, f)).sort())
    }
  }
  for (const v of g.keys()) if (!idx.has(v)) visit(v)
  return out
}

describe('layers', () => {
  const g = graph()

  it('src has no import cycles, type imports included', () => {
    expect(cycles(g)).toEqual([])
  })

  it('the local foundation imports from the rest of src only CAPI resource types and the clock', () => {
    const local = path.join(SRC, 'local') + path.sep
    const allowed = (dep: string) =>
      dep.startsWith(local) || dep.startsWith(path.join(SRC, 'capi', 'resources') + path.sep) || dep === path.join(SRC, 'clock.ts')
    const outside = [...g].flatMap(([file, deps]) =>
      file.startsWith(local) ? deps.filter((d) => !allowed(d)).map((d) => `${path.relative(ROOT, file)} → ${path.relative(ROOT, d)}`) : [],
    )
    expect(outside).toEqual([])
  })

  it('only the local commands import the local foundation', () => {
    const local = path.join(SRC, 'local') + path.sep
    const importers = [...g].flatMap(([file, deps]) => (!file.startsWith(local) && deps.some((d) => d.startsWith(local)) ? [path.relative(ROOT, file)] : []))
    expect(importers.filter((f) => !f.startsWith('src/commands/local/'))).toEqual([])
  })
})
