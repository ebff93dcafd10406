/**
 * Which progress renderer to use, as a pure function of flags and environment:
 * - `silent` under --json (stdout holds one JSON document, nothing else);
 * - `default` (listr2's redrawing renderer) when both stdout and stderr are terminals and not in CI;
 * - `simple` (plain lines) otherwise: pipes, CI logs, files.
 */
export type RendererName = 'default' | 'simple' | 'silent'

export function pickRenderer(flags: {json?: boolean; quiet?: boolean}, env: NodeJS.ProcessEnv, tty: {stdout: boolean; stderr: boolean}): RendererName {
  if (flags.json || flags.quiet) return 'silent'
  if (env.CI && env.CI !== 'false') return 'simple'
  if (env.TERM === 'dumb') return 'simple'
  return tty.stdout && tty.stderr ? 'default' : 'simple'
}
