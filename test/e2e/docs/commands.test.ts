/**
 * docs/commands/ is made from the commands' own help (scripts/docs/commands.mjs): regenerate it
 * in memory from the built CLI and compare, so a changed flag, summary or example fails here
 * until `npm run docs` is run.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from '@jest/globals'
import {ROOT} from '../../helpers/e2e.js'

function generated(): Record<string, string> {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'docs', 'commands.mjs'), '--print'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    env: {PATH: process.env.PATH, HOME: process.env.HOME},
  })
  if (r.status !== 0) throw new Error(`scripts/docs/commands.mjs failed (${r.status}):\n${r.stderr}`)
  return JSON.parse(r.stdout) as Record<string, string>
}

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, {hidden?: boolean; enableJsonFlag?: boolean}>
}

describe('docs/commands', () => {
  const pages = generated()

  it('has a page per visible command, named after it (topic commands with a dash), and an index', () => {
    const ours = Object.entries(manifest.commands)
      .filter(([, c]) => !c.hidden)
      .map(([id]) => `docs/commands/${id.replaceAll(':', '-')}.md`)
    for (const page of [...ours, 'docs/commands/restart.md', 'docs/commands/local-start.md', 'docs/commands/restage-all.md', 'docs/commands/README.md'])
      expect(Object.keys(pages)).toContain(page)
  })

  it('is current: every page on disk is what the commands’ help gives now (else run `npm run docs`)', () => {
    const stale = Object.entries(pages)
      .filter(([file, text]) => !fs.existsSync(path.join(ROOT, file)) || fs.readFileSync(path.join(ROOT, file), 'utf8') !== text)
      .map(([file]) => file)
    const extra = fs
      .readdirSync(path.join(ROOT, 'docs', 'commands'))
      .map((f) => `docs/commands/${f}`)
      .filter((f) => !(f in pages))
    expect({stale, extra}).toEqual({stale: [], extra: []})
  })

  it('holds the help text and links the JSON schema of commands with --json', () => {
    expect(pages['docs/commands/restart.md']).toContain('USAGE\n  $ cfzd restart APP')
    expect(pages['docs/commands/restart.md']).toContain('--summary=FILE')
    expect(pages['docs/commands/restart.md']).toContain('[json/restart.schema.json](../json/restart.schema.json)')
    expect(pages['docs/commands/local-start.md']).toContain('[json/local-start.schema.json](../json/local-start.schema.json)')
    expect(pages['docs/commands/autocomplete.md']).not.toContain('schema.json')
    for (const [file, text] of Object.entries(pages)) {
      for (const [, link] of text.matchAll(/\]\(([^)]+\.json)\)/g))
        expect({file, link, exists: fs.existsSync(path.join(ROOT, 'docs', 'commands', link))}).toEqual({file, link, exists: true})
    }
  })
})
