/** Prompts for missing login values, only on a TTY (never in CI). Runs before any listr2 output. */
import readline from 'node:readline'

export function canPrompt(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY) && !(env.CI && env.CI !== 'false')
}

export async function ask(question: string, opts: {secret?: boolean} = {}): Promise<string> {
  const rl = readline.createInterface({input: process.stdin, output: process.stderr, terminal: true})
  if (opts.secret) {
    // Echo nothing while the secret is typed.
    const out = rl as unknown as {_writeToOutput: (s: string) => void; output: NodeJS.WritableStream}
    out._writeToOutput = (s: string) => {
      if (s.includes(question)) out.output.write(s)
      else if (s.includes('\n') || s.includes('\r')) out.output.write('\n')
    }
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, (a) => resolve(a.trim())))
  } finally {
    rl.close()
  }
}
