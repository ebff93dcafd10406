import {afterEach} from '@jest/globals'
import os from 'node:os'
import path from 'node:path'
import fs from 'node:fs'

// Never touch the real ~/.cf: every test process gets its own CF_HOME.
if (!process.env.CFZD_TEST_CF_HOME) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cfzd-test-home-'))
  process.env.CFZD_TEST_CF_HOME = home
}
process.env.CF_HOME = process.env.CFZD_TEST_CF_HOME
for (const k of ['CF_API', 'CF_USERNAME', 'CF_PASSWORD', 'CF_CLIENT_ID', 'CF_CLIENT_SECRET', 'CF_ORG', 'CF_SPACE', 'CF_TRACE']) delete process.env[k]

// oclif sets process.exitCode when a command fails in-process; don't let that fail the jest run.
afterEach(() => {
  process.exitCode = undefined
})
