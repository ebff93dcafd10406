/** Unit tests (test/unit) run with msw and never touch the network; e2e tests (test/e2e) drive the built CLI against the local foundation on 127.0.0.1. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/setup-console.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {'^(\\.{1,2}/.*)\\.js$': '$1'},
  transform: {
    '^.+\\.ts$': ['@swc/jest', {jsc: {parser: {syntax: 'typescript'}, target: 'es2022'}, module: {type: 'es6'}, sourceMaps: 'inline'}],
  },
  testTimeout: 30000,
  // The end-to-end tests mostly wait on their local foundations: three workers even on a 2-CPU
  // machine (measured on one: the suite took 501 s with two workers, 365 s with three).
  // CFZD_TEST_WORKERS overrides it.
  maxWorkers: Number(process.env.CFZD_TEST_WORKERS) || 3,
}
