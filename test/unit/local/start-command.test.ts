import {afterEach, beforeEach, describe, expect, it} from '@jest/globals'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {parseProcfile, startCommand} from '../../../src/local/runtime/process-runner.js'

describe('--run-apps: which command an instance runs', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-start-command-'))
  })
  afterEach(() => fs.rmSync(dir, {recursive: true, force: true}))

  it('reads a Procfile: one `type: command` per line, comments and blank lines ignored, CRLF accepted', () => {
    expect(parseProcfile('web: node server.js\r\n# worker: nope\n\n  worker :  node worker.js --queue a  \nclock:bin/clock\nnot a line\n')).toEqual({
      web: 'node server.js',
      worker: 'node worker.js --queue a',
      clock: 'bin/clock',
    })
    expect(parseProcfile('')).toEqual({})
  })

  it("the process's own command comes first, then the Procfile's line for its type, then npm start for a web process with a package.json", () => {
    fs.writeFileSync(path.join(dir, 'Procfile'), 'web: node from-procfile.js\nworker: node worker.js\n')
    fs.writeFileSync(path.join(dir, 'package.json'), '{"scripts":{"start":"node server.js"}}')
    expect(startCommand({type: 'web', command: 'node from-manifest.js'}, dir)).toBe('node from-manifest.js')
    expect(startCommand({type: 'web', command: null}, dir)).toBe('node from-procfile.js')
    expect(startCommand({type: 'worker', command: '  '}, dir)).toBe('node worker.js')
    fs.rmSync(path.join(dir, 'Procfile'))
    expect(startCommand({type: 'web', command: null}, dir)).toBe('npm start')
    // npm start is the web process's default only, as buildpacks give it.
    expect(startCommand({type: 'worker', command: null}, dir)).toBeUndefined()
    fs.rmSync(path.join(dir, 'package.json'))
    expect(startCommand({type: 'web', command: null}, dir)).toBeUndefined()
  })
})
