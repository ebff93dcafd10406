/**
 * The base of every cfzd command: --json and --verbose, the UI, the context, and turning any
 * error into a message that says what happened and what to do next, with the right exit code.
 */
import {Command, Flags, Errors} from '@oclif/core'
import {buildContext, type Context} from './context.js'
import {CfzdError} from './errors.js'
import {Interrupts} from './interrupt.js'
import type {Summarizable} from './summary/markdown.js'
import {createUi, type Ui} from './ui/ui.js'
import {toCfzdError} from './user-error.js'

export {toCfzdError} from './user-error.js'

export abstract class BaseCommand extends Command {
  static enableJsonFlag = true
  static baseFlags = {
    verbose: Flags.boolean({
      description: 'Trace every HTTP request and response to stderr, secrets redacted (same as CF_TRACE=true), and show stack traces.',
      default: false,
      helpGroup: 'GLOBAL',
    }),
  }

  protected verbose = false
  private _ui?: Ui
  protected interrupts?: Interrupts

  protected get ui(): Ui {
    if (!this._ui) this._ui = createUi({json: this.jsonEnabled()})
    return this._ui
  }

  /** Session, CAPI client and interrupt signal for commands that talk to a foundation. */
  protected async context(flags: {verbose?: boolean}): Promise<Context> {
    this.verbose = Boolean(flags.verbose)
    this.interrupts = new Interrupts((m) => this.ui.warn(m)).install()
    return buildContext({ui: this.ui, verbose: this.verbose, interrupts: this.interrupts})
  }

  /**
   * Run an operation and write its Markdown summary (appended to $GITHUB_STEP_SUMMARY when set,
   * and to --summary FILE; see src/summary): of what it returned, or of its failure, which is
   * then rethrown. `target` names what it ran on (the app), for the failure's heading.
   */
  protected async withSummary<T>(
    file: string | undefined,
    target: string | undefined,
    run: () => Promise<T>,
    pick: (r: T) => Summarizable = (r) => r as Summarizable,
  ): Promise<T> {
    if (!file && !process.env.GITHUB_STEP_SUMMARY) return run()
    const {writeSummary} = await import('./summary/index.js')
    const command = this.id?.replaceAll(':', ' ') ?? 'cfzd'
    const write = async (s: Parameters<typeof writeSummary>[0]) => {
      for (const w of await writeSummary(s, {file, env: process.env})) this.ui.warn(w)
    }
    let result: T
    try {
      result = await run()
    } catch (error) {
      const e = toCfzdError(error)
      await write({command, target, error: {message: e.message, exitCode: e.exitCode, suggestions: e.suggestions, details: e.details}})
      throw error
    }
    await write({command, result: pick(result)})
    return result
  }

  async finally(err: Error | undefined): Promise<void> {
    this.interrupts?.dispose()
    await super.finally(err)
  }

  logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json, null, 2) + '\n')
  }

  async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    // oclif's own parse/usage errors (exit 2) and explicit exits keep their behaviour.
    if (err instanceof Errors.ExitError) throw err
    if (!(err instanceof CfzdError) && err.oclif?.exit !== undefined) {
      if (this.jsonEnabled()) {
        this.logJson({error: {message: err.message, exitCode: err.oclif.exit}})
        this.exit(err.oclif.exit)
      }
      throw err
    }
    if (this.argv.includes('--verbose')) this.verbose = true
    const user = toCfzdError(err)
    if (this.jsonEnabled()) {
      this.logJson({error: {message: user.message, exitCode: user.exitCode, suggestions: user.suggestions, ...user.details}})
    } else {
      const style = this.ui.style
      process.stderr.write(`${style('red', style('bold', 'FAILED'))}\n${user.message}\n`)
      for (const s of user.suggestions) process.stderr.write(`${style('cyan', 'TIP:')} ${s}\n`)
      if (this.verbose && err.stack) process.stderr.write(style('gray', err.stack) + '\n')
    }
    this.exit(user.exitCode)
  }
}
