/**
 * A spinner (ora, on stderr) for short waits that have no task list: logging in, reading apps.
 * Only in a terminal; elsewhere the text is printed once as a plain line, and nothing under --json.
 */
import type {Ui} from './ui.js'

export async function withSpinner<T>(ui: Ui, text: string, work: () => Promise<T>): Promise<T> {
  if (ui.renderer !== 'default') {
    ui.info(text)
    return work()
  }
  const {default: ora} = await import('ora')
  const spinner = ora({text, stream: process.stderr, color: ui.color ? 'cyan' : false}).start()
  try {
    const result = await work()
    spinner.stop()
    process.stderr.write(`${text}\n`)
    return result
  } catch (error) {
    spinner.fail()
    throw error
  }
}
