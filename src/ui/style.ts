/** Minimal ANSI styling that honours NO_COLOR, FORCE_COLOR and whether the stream is a TTY. */
import type {Writable} from 'node:stream'

const CODES = {bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39], gray: [90, 39]} as const
export type Style = keyof typeof CODES

export function colorEnabled(stream: Writable & {isTTY?: boolean} = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  if (env.TERM === 'dumb') return false
  return Boolean(stream.isTTY)
}

export function makeStyler(enabled: boolean) {
  return (style: Style, text: string) => {
    if (!enabled) return text
    const [a, b] = CODES[style]
    return `\u001B[${a}m${text}\u001B[${b}m`
  }
}
