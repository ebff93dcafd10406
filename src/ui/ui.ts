/**
 * Where output goes: results on stdout, progress and warnings on stderr, nothing but one JSON
 * document on stdout under --json. Commands get one of these from the base command.
 */
import {colorEnabled, makeStyler, type Style} from './style.js'
import {pickRenderer, type RendererName} from './renderer.js'

export interface Ui {
  readonly json: boolean
  readonly renderer: RendererName
  readonly color: boolean
  style(s: Style, text: string): string
  /** A progress or informational line on stderr (suppressed under --json). */
  info(message: string): void
  /** A warning on stderr (kept under --json: stderr is not the JSON channel). */
  warn(message: string): void
  /** A result line on stdout (suppressed under --json). */
  out(message: string): void
}

export function createUi(flags: {json?: boolean; quiet?: boolean}, env: NodeJS.ProcessEnv = process.env): Ui {
  const json = Boolean(flags.json)
  const color = !json && colorEnabled(process.stderr, env)
  const style = makeStyler(color)
  const renderer = pickRenderer(flags, env, {stdout: Boolean(process.stdout.isTTY), stderr: Boolean(process.stderr.isTTY)})
  return {
    json,
    renderer,
    color,
    style,
    info(message) {
      if (!json && !flags.quiet) process.stderr.write(message + '\n')
    },
    warn(message) {
      process.stderr.write(style('yellow', message) + '\n')
    },
    out(message) {
      if (!json) process.stdout.write(message + '\n')
    },
  }
}
