import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {unzipSync, zipSync} from 'fflate'
import {http, HttpResponse} from 'msw'
import {CapiClient} from '../../../src/capi/client.js'
import {BitsError, DEFAULT_IGNORES, filterMatched, ignoreRules, matchResources, resourceOf, scanBits, sha1, zipBits, type Bits} from '../../../src/push/bits.js'
import {API, useMsw} from '../../helpers/msw.js'

const server = useMsw()
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-bits-'))
const app = path.join(tmp, 'app')

function write(rel: string, content: string, mode = 0o644) {
  const full = path.join(app, rel)
  fs.mkdirSync(path.dirname(full), {recursive: true})
  fs.writeFileSync(full, content)
  fs.chmodSync(full, mode)
}

beforeAll(() => {
  write('server.js', 'console.log(1)\n')
  write('bin/run.sh', '#!/bin/sh\nexec node server.js\n', 0o755)
  write('public/index.html', '<p>hi</p>\n')
  write('empty.txt', '')
  write('nested/deep/file.js', 'x\n')
  write('debug.log', 'noise\n')
  write('keep.log', 'kept\n')
  write('tmp/cache.bin', 'cache\n')
  write('node_modules/x/index.js', 'dep\n')
  write('.git/HEAD', 'ref: refs/heads/main\n')
  write('.gitignore', 'node_modules\n')
  write('.DS_Store', 'junk')
  write('manifest.yml', 'applications: []\n')
  write('config/manifest.yml', 'applications: []\n')
  write('.cfignore', '# comments and blank lines are fine\n\n*.log\n!keep.log\ntmp/\nnode_modules/\n')
  fs.symlinkSync('server.js', path.join(app, 'link.js'))
})
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

/** Entries of a zip from its central directory: name → unix mode (file type and permissions). */
function zipModes(zip: Buffer): Record<string, number> {
  const out: Record<string, number> = {}
  for (let i = 0; i + 46 <= zip.length; i++) {
    if (zip.readUInt32LE(i) !== 0x02014b50) continue
    const nameLen = zip.readUInt16LE(i + 28)
    const extraLen = zip.readUInt16LE(i + 30)
    const commentLen = zip.readUInt16LE(i + 32)
    const attrs = zip.readUInt32LE(i + 38)
    const name = zip.subarray(i + 46, i + 46 + nameLen).toString('utf8')
    out[name] = attrs >>> 16
    i += 45 + nameLen + extraLen + commentLen
  }
  return out
}

describe('ignore rules', () => {
  it("are the cf CLI's defaults plus .cfignore (gitignore syntax, negation, folders)", () => {
    const ig = ignoreRules('*.log\n!keep.log\ntmp/\n/root-only.txt\n')
    const ignored = (p: string) => ig.ignores(p)
    expect(DEFAULT_IGNORES).toEqual(['.cfignore', '.DS_Store', '.git', '.gitignore', '.hg', '.svn', '_darcs', 'manifest.yaml', 'manifest.yml'])
    expect(
      ['.git/', 'a/.git/', '.hg/', '.svn/', '_darcs/', '.DS_Store', 'x/.DS_Store', 'manifest.yml', 'deploy/manifest.yaml', '.cfignore', '.gitignore'].filter(
        (p) => !ignored(p),
      ),
    ).toEqual([])
    expect(ignored('debug.log')).toBe(true)
    expect(ignored('logs/app.log')).toBe(true)
    expect(ignored('keep.log')).toBe(false)
    expect(ignored('tmp/')).toBe(true)
    expect(ignored('tmp')).toBe(false)
    expect(ignored('root-only.txt')).toBe(true)
    expect(ignored('sub/root-only.txt')).toBe(false)
    expect(ignored('Manifest.yml')).toBe(false)
    expect(ignored('src/app.js')).toBe(false)
  })
})

describe('scanBits', () => {
  let bits: Bits
  beforeAll(() => {
    bits = scanBits(app)
  })

  it('walks the folder, leaving out what the rules ignore (without descending into ignored folders)', () => {
    expect(bits.entries.map((e) => `${e.kind} ${e.path}`)).toEqual([
      'dir bin',
      'file bin/run.sh',
      // Its only file (config/manifest.yml) is ignored; the folder stays, as with the cf CLI.
      'dir config',
      'file empty.txt',
      'file keep.log',
      'symlink link.js',
      'dir nested',
      'dir nested/deep',
      'file nested/deep/file.js',
      'dir public',
      'file public/index.html',
      'file server.js',
    ])
    expect(bits.fileCount).toBe(7)
  })

  it('records size, sha1 and mode; symlinks keep their target', () => {
    const e = (p: string) => bits.entries.find((x) => x.path === p)!
    expect(e('bin/run.sh')).toMatchObject({mode: 0o755, size: 30, sha1: sha1(Buffer.from('#!/bin/sh\nexec node server.js\n'))})
    expect(e('server.js').mode).toBe(0o644)
    expect(e('link.js')).toMatchObject({kind: 'symlink', target: 'server.js'})
    expect(resourceOf(e('bin/run.sh'))).toEqual({checksum: {value: e('bin/run.sh').sha1}, size_in_bytes: 30, path: 'bin/run.sh', mode: '755'})
  })

  it('zips every entry with its mode (files, folders, symlinks), leaving out matched files', () => {
    const zip = zipBits(bits, ['public/index.html'])
    const modes = zipModes(zip)
    expect(Object.keys(modes).sort()).toEqual([
      'bin/',
      'bin/run.sh',
      'config/',
      'empty.txt',
      'keep.log',
      'link.js',
      'nested/',
      'nested/deep/',
      'nested/deep/file.js',
      'public/',
      'server.js',
    ])
    expect(modes['bin/run.sh']).toBe(0o100755)
    expect(modes['server.js']).toBe(0o100644)
    expect(modes['bin/']).toBe(0o040755)
    expect(modes['link.js']).toBe(0o120777)
    const files = unzipSync(new Uint8Array(zip))
    expect(Buffer.from(files['server.js']).toString()).toBe('console.log(1)\n')
    expect(Buffer.from(files['link.js']).toString()).toBe('server.js')
    expect(files['public/index.html']).toBeUndefined()
  })

  it('refuses a file that changed since it was scanned', () => {
    const copy = path.join(tmp, 'changing')
    fs.mkdirSync(copy)
    fs.writeFileSync(path.join(copy, 'a.txt'), 'one')
    const b = scanBits(copy)
    fs.writeFileSync(path.join(copy, 'a.txt'), 'two')
    expect(() => zipBits(b)).toThrow(/a\.txt changed while it was being pushed/)
  })

  it('reads a .zip/.jar archive as the app (its own .cfignore applies; files get mode 744)', () => {
    const jar = path.join(tmp, 'app.jar')
    fs.writeFileSync(
      jar,
      zipSync({
        'META-INF/': new Uint8Array(0),
        'META-INF/MANIFEST.MF': Buffer.from('Main-Class: A\n'),
        'A.class': Buffer.from('cafe'),
        'x.log': Buffer.from('l'),
        '.cfignore': Buffer.from('*.log\n'),
      }),
    )
    const b = scanBits(jar)
    expect(b.archive).toBe(true)
    expect(b.entries.map((e) => `${e.kind} ${e.path} ${e.mode.toString(8)}`)).toEqual(['file A.class 744', 'dir META-INF 755', 'file META-INF/MANIFEST.MF 744'])
    const files = unzipSync(new Uint8Array(zipBits(b)))
    expect(Object.keys(files).sort()).toEqual(['A.class', 'META-INF/', 'META-INF/MANIFEST.MF'])
  })

  it.each([
    {name: 'a missing path', setup: () => path.join(tmp, 'nope'), want: /does not exist/},
    {
      name: 'a file that is not an archive',
      setup: () => (fs.writeFileSync(path.join(tmp, 'x.txt'), 'x'), path.join(tmp, 'x.txt')),
      want: /not a zip, jar or war archive/,
    },
    {
      name: 'a folder with nothing left after the ignores',
      setup: () => (
        fs.mkdirSync(path.join(tmp, 'ignored/.git'), {recursive: true}),
        fs.writeFileSync(path.join(tmp, 'ignored/manifest.yml'), ''),
        path.join(tmp, 'ignored')
      ),
      want: /nothing to push/,
    },
  ])('refuses $name', ({setup, want}) => {
    const p = setup()
    expect(() => scanBits(p)).toThrow(BitsError)
    expect(() => scanBits(p)).toThrow(want)
  })
})

describe('resource matching', () => {
  it('asks about non-empty regular files only, in chunks, and keeps what matches on path, sha1 and size', async () => {
    const bits = scanBits(app)
    const asked: string[][] = []
    server.use(
      http.post(`${API}/v3/resource_matches`, async ({request}) => {
        const body = (await request.json()) as {resources: {path: string; checksum: {value: string}; size_in_bytes: number; mode: string}[]}
        asked.push(body.resources.map((r) => r.path))
        // The server has server.js and keep.log, plus a file with keep.log's content at another path.
        const have = body.resources.filter((r) => r.path === 'server.js' || r.path === 'keep.log')
        return HttpResponse.json({resources: have.map((r) => ({...r, mode: undefined}))}, {status: 201})
      }),
    )
    const capi = new CapiClient({apiUrl: API})
    const matched = await matchResources(capi, bits, 3)
    expect(asked).toEqual([
      ['bin/run.sh', 'keep.log', 'nested/deep/file.js'],
      ['public/index.html', 'server.js'],
    ])
    expect(matched.map((m) => [m.path, m.mode.toString(8)])).toEqual([
      ['keep.log', '644'],
      ['server.js', '644'],
    ])
  })

  it('a server answer for another path, sha1 or size is not a match', () => {
    const asked = [{path: 'a', kind: 'file' as const, mode: 0o644, size: 3, sha1: 'aaa'}]
    expect(filterMatched(asked, [{path: 'a', size_in_bytes: 3, checksum: {value: 'bbb'}}])).toEqual([])
    expect(filterMatched(asked, [{path: 'b', size_in_bytes: 3, checksum: {value: 'aaa'}}])).toEqual([])
    expect(filterMatched(asked, [{path: 'a', size_in_bytes: 4, checksum: {value: 'aaa'}}])).toEqual([])
    expect(filterMatched(asked, [{path: 'a', size_in_bytes: 3, checksum: {value: 'aaa'}}])).toEqual(asked)
  })
})
