/**
 * The app's bits: the files under its path, less what `.cfignore` and the cf CLI's default
 * ignores leave out, each with its size, sha1 and mode; zipped (modes and symlinks kept) without
 * the files the Cloud Controller already has (resource matching, sha1 + size).
 *
 * A path may also be a .zip/.jar/.war archive: its entries are the files (as the cf CLI does).
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import ignore, {type Ignore} from 'ignore'
import {unzipSync, zipSync, type Zippable} from 'fflate'
import type {CapiClient} from '../capi/client.js'
import type {MatchedResource} from '../capi/resources/packages.js'

/** The cf CLI's default ignores (actor/sharedaction/resource.go). */
export const DEFAULT_IGNORES = ['.cfignore', '.DS_Store', '.git', '.gitignore', '.hg', '.svn', '_darcs', 'manifest.yaml', 'manifest.yml']

const DIR_MODE = 0o755
/** Files read from an archive get this mode, as in the cf CLI. */
const ARCHIVE_FILE_MODE = 0o744

export interface BitsEntry {
  /** Forward-slash path relative to the app root; directories end without a slash. */
  path: string
  kind: 'file' | 'dir' | 'symlink'
  /** Permission bits (0o644). */
  mode: number
  size: number
  sha1?: string
  /** Symlink target. */
  target?: string
  mtime?: Date
}

export interface Bits {
  /** Absolute path of the folder or archive. */
  root: string
  archive: boolean
  entries: BitsEntry[]
  /** Files and symlinks (no directories). */
  fileCount: number
  totalBytes: number
}

export class BitsError extends Error {}

/** The ignore rules for an app folder: the defaults, then its .cfignore (if any). */
export function ignoreRules(cfignore?: string): Ignore {
  const ig = ignore({ignorecase: false}).add(DEFAULT_IGNORES)
  if (cfignore !== undefined) ig.add(cfignore.split(/\r?\n/))
  return ig
}

/** Walk an app folder (or read an archive) into entries, honouring the ignore rules. */
export function scanBits(root: string): Bits {
  const abs = path.resolve(root)
  let st: fs.Stats
  try {
    st = fs.statSync(abs)
  } catch {
    throw new BitsError(`${root} does not exist`)
  }
  const entries = st.isDirectory() ? scanDir(abs) : scanArchive(abs)
  const files = entries.filter((e) => e.kind !== 'dir')
  if (files.length === 0) throw new BitsError(`there is nothing to push in ${root}: it is empty, or every file is ignored (.cfignore and the default ignores)`)
  return {root: abs, archive: !st.isDirectory(), entries, fileCount: files.length, totalBytes: files.reduce((n, e) => n + e.size, 0)}
}

function scanDir(root: string): BitsEntry[] {
  let cfignore: string | undefined
  try {
    cfignore = fs.readFileSync(path.join(root, '.cfignore'), 'utf8')
  } catch {
    cfignore = undefined
  }
  const ig = ignoreRules(cfignore)
  const out: BitsEntry[] = []
  const walk = (dir: string, rel: string) => {
    const names = fs.readdirSync(dir).sort()
    for (const name of names) {
      const relPath = rel ? `${rel}/${name}` : name
      const full = path.join(dir, name)
      const st = fs.lstatSync(full)
      if (st.isDirectory()) {
        if (ig.ignores(`${relPath}/`)) continue
        out.push({path: relPath, kind: 'dir', mode: DIR_MODE, size: 0, mtime: st.mtime})
        walk(full, relPath)
      } else if (st.isSymbolicLink()) {
        if (ig.ignores(relPath)) continue
        out.push({path: relPath, kind: 'symlink', mode: st.mode & 0o777, size: 0, target: fs.readlinkSync(full), mtime: st.mtime})
      } else if (st.isFile()) {
        if (ig.ignores(relPath)) continue
        const data = fs.readFileSync(full)
        out.push({path: relPath, kind: 'file', mode: st.mode & 0o777, size: data.length, sha1: sha1(data), mtime: st.mtime})
      }
      // Sockets, FIFOs and devices are not app files.
    }
  }
  walk(root, '')
  return out
}

function readArchive(file: string): Record<string, Uint8Array> {
  const buf = fs.readFileSync(file)
  if (buf.length < 4 || buf.readUInt32LE(0) !== 0x04034b50) {
    throw new BitsError(`${file} is a file but not a zip, jar or war archive: point the path at the app's folder or at an archive`)
  }
  try {
    return unzipSync(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength))
  } catch (error) {
    throw new BitsError(`${file} is not a readable archive: ${(error as Error).message}`)
  }
}

function scanArchive(file: string): BitsEntry[] {
  const files = readArchive(file)
  const cfignore = Object.entries(files).find(([name]) => name === '.cfignore' || name.endsWith('/.cfignore'))
  const ig = ignoreRules(cfignore ? Buffer.from(cfignore[1]).toString('utf8') : undefined)
  const out: BitsEntry[] = []
  for (const [name, data] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const isDir = name.endsWith('/')
    const rel = isDir ? name.slice(0, -1) : name
    if (!rel || ig.ignores(isDir ? `${rel}/` : rel)) continue
    if (isDir) out.push({path: rel, kind: 'dir', mode: DIR_MODE, size: 0})
    else out.push({path: rel, kind: 'file', mode: ARCHIVE_FILE_MODE, size: data.length, sha1: sha1(data)})
  }
  return out
}

export function sha1(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex')
}

/** The resource-match entry for a file: sha1, size, path, mode as octal text ("644"). */
export function resourceOf(e: BitsEntry): MatchedResource {
  return {checksum: {value: e.sha1!}, size_in_bytes: e.size, path: e.path, mode: e.mode.toString(8)}
}

/** Files worth asking about: regular, non-empty (as the cf CLI does). */
export function matchable(bits: Bits): BitsEntry[] {
  return bits.entries.filter((e) => e.kind === 'file' && e.size > 0)
}

/**
 * Ask the Cloud Controller which files it already has (POST /v3/resource_matches, in chunks of
 * 1000). Returns our own entries for the matched files (a match is on path, sha1 and size).
 */
export async function matchResources(capi: CapiClient, bits: Bits, chunk = 1000): Promise<BitsEntry[]> {
  const candidates = matchable(bits)
  const matched: BitsEntry[] = []
  for (let i = 0; i < candidates.length; i += chunk) {
    const part = candidates.slice(i, i + chunk)
    const found = await capi.packages.matchResources(part.map(resourceOf))
    matched.push(...filterMatched(part, found))
  }
  return matched
}

/** The entries the server says it has: same path, sha1 and size. */
export function filterMatched(asked: BitsEntry[], found: MatchedResource[]): BitsEntry[] {
  const key = (p: string, sha: string, size: number) => `${p}\u0000${sha}\u0000${size}`
  const have = new Set(found.map((r) => key(r.path, r.checksum.value, r.size_in_bytes)))
  return asked.filter((e) => have.has(key(e.path, e.sha1!, e.size)))
}

const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000
const UNIX = 3

/** Zip every entry except the matched files, keeping modes (Unix attributes) and symlinks. */
export function zipBits(bits: Bits, matched: Iterable<string> = []): Buffer {
  const skip = new Set(matched)
  const archive = bits.archive ? readArchive(bits.root) : undefined
  const zippable: Zippable = {}
  for (const e of bits.entries) {
    if (skip.has(e.path)) continue
    const opts = (type: number) => ({os: UNIX, attrs: (type | e.mode) * 0x10000, mtime: zipTime(e.mtime)})
    if (e.kind === 'dir') zippable[`${e.path}/`] = [new Uint8Array(0), opts(S_IFDIR)]
    else if (e.kind === 'symlink') zippable[e.path] = [new Uint8Array(Buffer.from(e.target ?? '')), {...opts(S_IFLNK), level: 0}]
    else {
      const data = archive ? archive[e.path] : new Uint8Array(fs.readFileSync(path.join(bits.root, e.path)))
      if (!archive && sha1(data) !== e.sha1) throw new BitsError(`${e.path} changed while it was being pushed: run the push again`)
      zippable[e.path] = [data, opts(S_IFREG)]
    }
  }
  const out = zipSync(zippable, {level: 6})
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
}

/** Zip timestamps run from 1980 to 2107; reproducible builds often stamp files 1970. */
function zipTime(t: Date | undefined): Date {
  const min = new Date(1980, 0, 2)
  const max = new Date(2099, 11, 31)
  if (!t || Number.isNaN(t.getTime()) || t < min) return min
  return t > max ? max : t
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`
  return `${(n / 1024 ** 3).toFixed(2)} GB`
}
