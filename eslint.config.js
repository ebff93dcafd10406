// ESLint, run by `npm test` (npm run lint): typescript-eslint's recommended rules, no import
// cycles, and the layers the design keeps. Formatting is Prettier's (see .prettierrc.json).
import importX from 'eslint-plugin-import-x'
import {createTypeScriptImportResolver} from 'eslint-import-resolver-typescript'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

/** Modules that speak HTTP: only the CAPI client and auth may import them. */
const HTTP = ['got', 'undici', 'node:http', 'node:https', 'http', 'https']

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/out/**', '**/*.d.ts']},
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: {'import-x': importX},
    settings: {'import-x/resolver-next': [createTypeScriptImportResolver({project: ['tsconfig.json', 'test/tsconfig.json'], noWarnOnMultipleProjects: true})]},
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // CommonJS on purpose: start-up shims, preload hooks, and the apps the tests and examples push.
    files: ['**/*.cjs', 'test/fixtures/apps/**/*.js', 'examples/**/*.js'],
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
  {
    // No cycles in the product code.
    files: ['src/**/*.ts'],
    rules: {'import-x/no-cycle': ['error', {ignoreExternal: true}]},
  },
  {
    // Layers: no HTTP library outside src/capi, src/auth (and the local foundation, which is a server).
    files: ['src/**/*.ts'],
    ignores: ['src/capi/**', 'src/auth/**', 'src/local/**', 'src/commands/local/**', 'src/probe/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: HTTP.map((name) => ({name, message: 'HTTP belongs in src/capi (or src/auth): call a resource module.'})),
          patterns: [{group: ['**/local/*'], message: 'The CLI does not import the local foundation (only commands/local does).'}],
        },
      ],
    },
  },
  {
    // Strategies take typed options: never the CLI's flags.
    files: ['src/strategies/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: HTTP.map((name) => ({name, message: 'HTTP belongs in src/capi: call a resource module.'})),
          patterns: [
            {group: ['**/flags.js', '**/base-command.js', '**/commands/*'], message: 'Strategies take typed options, never flags or commands.'},
            {group: ['**/local/*'], message: 'The CLI does not import the local foundation.'},
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        {object: 'process', property: 'env', message: 'Strategies take typed options; read the environment in the command.'},
      ],
    },
  },
  {
    // The local foundation implements Cloud Controller on its own: from the rest of src it may
    // import CAPI types (import type) and the clock, nothing else, so the two can't be wrong together.
    files: ['src/local/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/local',
              from: './src',
              except: ['./local', './capi/resources', './clock.ts'],
              message: 'src/local imports only CAPI types and the clock.',
            },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {patterns: [{group: ['**/capi/**'], allowTypeImports: true, message: 'src/local imports CAPI types only (import type), never CLI logic.'}]},
      ],
    },
  },
)
