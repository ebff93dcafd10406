/**
 * A real headless browser for the HTML report's tests: Debian's chromium, driven by its own CLI
 * (--screenshot, --dump-dom), bounded in time, plus a small PNG decoder to check the screenshot
 * is a picture and not a blank page. Chromium missing is a failure with what to do, never a skip
 * (.ci/run installs it).
 */
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import zlib from 'node:zlib'

/** The chromium binary: $CHROMIUM, else chromium or chromium-browser on the PATH. Throws with how to install it. */
export function findChromium(): string {
  const candidates = [process.env.CHROMIUM, 'chromium', 'chromium-browser'].filter((c): c is string => Boolean(c))
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], {encoding: 'utf8', timeout: 20_000})
    if (r.status === 0 && /chromium/i.test(r.stdout)) return c
  }
  throw new Error(
    'Chromium is needed to check the HTML report in a real browser, and none was found (tried $CHROMIUM, chromium, chromium-browser). ' +
      "Install Debian's package: sudo apt-get install -y chromium (.ci/run does this), or set CHROMIUM to its path.",
  )
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Run chromium headless on a file, killed (its whole process group) after `timeoutMs`. */
export async function runChromium(bin: string, args: string[], timeoutMs = 45_000): Promise<Run> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-chromium-'))
  const child = spawn(
    bin,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${profile}`, ...args],
    {detached: true, stdio: ['ignore', 'pipe', 'pipe']},
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }, timeoutMs)
  try {
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    if (timedOut) throw new Error(`chromium ${args.join(' ')} took longer than ${timeoutMs} ms and was killed.\nstderr:\n${stderr.slice(-2000)}`)
    return {code, stdout, stderr}
  } finally {
    clearTimeout(timer)
    fs.rmSync(profile, {recursive: true, force: true})
  }
}

/** The DOM after the page loaded, as chromium serialises it. */
export async function dumpDom(bin: string, file: string): Promise<string> {
  const r = await runChromium(bin, ['--dump-dom', pathToFileURL(file).href])
  if (r.code !== 0 || !r.stdout.includes('</html>')) throw new Error(`chromium --dump-dom failed (exit ${r.code}).\nstderr:\n${r.stderr.slice(-2000)}`)
  return r.stdout
}

/** A screenshot of the page at width × height, as PNG bytes. */
export async function screenshot(bin: string, file: string, out: string, width: number, height: number): Promise<Buffer> {
  fs.rmSync(out, {force: true})
  const r = await runChromium(bin, [`--screenshot=${out}`, `--window-size=${width},${height}`, pathToFileURL(file).href])
  if (r.code !== 0 || !fs.existsSync(out)) throw new Error(`chromium --screenshot failed (exit ${r.code}).\nstderr:\n${r.stderr.slice(-2000)}`)
  return fs.readFileSync(out)
}

export interface Picture {
  width: number
  height: number
  /** RGBA, 4 bytes a pixel. */
  rgba: Uint8Array
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Decode an 8-bit RGB or RGBA, non-interlaced PNG (what chromium writes); throws on anything else. */
export function decodePng(png: Buffer): Picture {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: bad signature')
  let off = 8
  let width = 0
  let height = 0
  let channels = 0
  const idat: Buffer[] = []
  while (off < png.length) {
    const len = png.readUInt32BE(off)
    const type = png.toString('latin1', off + 4, off + 8)
    const data = png.subarray(off + 8, off + 8 + len)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      const depth = data[8]
      const colour = data[9]
      if (depth !== 8 || (colour !== 2 && colour !== 6) || data[12] !== 0)
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${data[12]}`)
      channels = colour === 6 ? 4 : 3
    } else if (type === 'IDAT') idat.push(data)
    else if (type === 'IEND') break
    off += 12 + len
  }
  if (!width || !height) throw new Error('not a PNG: no IHDR')
  const raw = zlib.inflateSync(Buffer.concat(idat))
  const stride = width * channels
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data is ${raw.length} bytes, expected ${height * (stride + 1)}`)
  const px = new Uint8Array(height * stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0
      const b = y > 0 ? px[(y - 1) * stride + x] : 0
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0
      let v = line[x]
      if (filter === 1) v += a
      else if (filter === 2) v += b
      else if (filter === 3) v += (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter} on row ${y}`)
      px[y * stride + x] = v & 0xff
    }
  }
  const rgba = new Uint8Array(width * height * 4)
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = px[i * channels]
    rgba[i * 4 + 1] = px[i * channels + 1]
    rgba[i * 4 + 2] = px[i * channels + 2]
    rgba[i * 4 + 3] = channels === 4 ? px[i * channels + 3] : 255
  }
  return {width, height, rgba}
}

/** Pixels that differ from the top-left pixel (the page's background), and those of a colour: e.g. red bars. */
export function countPixels(p: Picture, match?: (r: number, g: number, b: number) => boolean): number {
  const [r0, g0, b0] = p.rgba
  let n = 0
  for (let i = 0; i < p.width * p.height; i++) {
    const r = p.rgba[i * 4]
    const g = p.rgba[i * 4 + 1]
    const b = p.rgba[i * 4 + 2]
    if (match ? match(r, g, b) : Math.abs(r - r0) + Math.abs(g - g0) + Math.abs(b - b0) > 48) n++
  }
  return n
}
