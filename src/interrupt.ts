/**
 * Ctrl-C handling. The first SIGINT aborts the operation's signal so the running strategy can
 * stop in a consistent state (cancel the deployment, roll back); a second one exits at once.
 */
export class Interrupts {
  readonly controller = new AbortController()
  private count = 0
  private readonly handler = () => this.onSignal()

  constructor(
    private readonly notify: (message: string) => void,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal
  }

  install(): this {
    process.on('SIGINT', this.handler)
    process.on('SIGTERM', this.handler)
    return this
  }

  dispose() {
    process.off('SIGINT', this.handler)
    process.off('SIGTERM', this.handler)
  }

  onSignal() {
    this.count++
    if (this.count === 1) {
      this.notify('Interrupted: stopping in a consistent state (press Ctrl-C again to exit now, leaving things as they are)...')
      this.controller.abort()
    } else {
      this.notify('Interrupted again: exiting without cleanup. Run the same command again to resume or clean up.')
      this.exit(130)
    }
  }
}
