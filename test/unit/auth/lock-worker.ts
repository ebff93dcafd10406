/**
 * Another process sharing CF_HOME, for the config lock tests (run with tsx, CF_HOME in its env):
 *
 * - `increment N`: N read-modify-writes of the unknown key `Counter`, each under the lock; prints
 *   `done` at the end. Lost updates would show as a final count below the sum.
 * - `hold`: takes the lock, prints `locked`, and waits to be killed (SIGKILL leaves the lock behind,
 *   as a crashed process would).
 */
import {updateConfig, withConfigLock} from '../../../src/auth/cf-config.js'

const [mode, arg] = process.argv.slice(2)

if (mode === 'increment') {
  for (let i = 0; i < Number(arg); i++) {
    await updateConfig((c) => {
      c.Counter = (typeof c.Counter === 'number' ? c.Counter : 0) + 1
      c.Writers = {...(c.Writers as Record<string, number> | undefined), [process.pid]: i + 1}
    })
  }
  process.stdout.write('done\n')
} else if (mode === 'hold') {
  await withConfigLock(async () => {
    process.stdout.write('locked\n')
    // Keep the process alive (the lock's own timer does not) until it is killed.
    await new Promise(() => setInterval(() => undefined, 60_000))
  })
} else {
  throw new Error(`unknown mode ${mode}`)
}
