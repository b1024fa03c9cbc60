// Mutation testing (`npm run test:mutation`): StrykerJS mutates the client's decision modules and runs
// the fast tests (jest.unit.config.cjs, no build needed) against each mutant. Report:
// coverage/mutation/index.html (and mutation.json), both ignored by git like the rest of coverage/.
// One module at a time while killing survivors: `npm run test:mutation -- --mutate src/redact.ts`.

import { fileURLToPath } from 'node:url';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.unit.config.cjs',
    // The sequencer below picks a mutant's test files by its tests' names; jest's own search for the
    // files related to the mutated one (a dependency graph per run) would find all of them anyway.
    enableFindRelatedTests: false,
    config: {
      // Of the fast tests, those of the client: the generated layer and createNodeFetch use none of
      // the mutated modules. A mutant that makes a test wait for an answer that never comes fails it
      // in 8 s rather than 20.
      testMatch: ['<rootDir>/tests/client/**/*.test.ts'],
      testTimeout: 8000,
      // Stops a mutant's run at its first failing test (jest has no bail Stryker can use).
      testEnvironment: fileURLToPath(new URL('tests/support/mutation-bail-environment.cjs', import.meta.url)),
      // Loads only the test files that hold a mutant's tests (jest would load them all to find them).
      testSequencer: fileURLToPath(new URL('tests/support/mutation-sequencer.cjs', import.meta.url)),
    },
  },
  // The tests' garbage-collection case needs it, as under `npm test`.
  testRunnerNodeArgs: ['--expose-gc'],
  // SWC transpiles without type checking, so no checker plugin: a mutant that breaks the types still runs.
  mutate: [
    'src/retry-policy.ts',
    'src/errors.ts',
    'src/redact.ts',
    'src/call.ts',
    'src/attempt.ts',
    'src/pause-gate.ts',
    'src/bulk.ts',
    'src/race.ts',
    'src/read-body.ts',
    'src/response-error.ts',
  ],
  coverageAnalysis: 'perTest',
  // The machine has two cores, shared: two test runners at most.
  concurrency: 2,
  // Several tests wait on real sockets and timers: a mutant gets its tests' normal time x 2 + 15 s.
  timeoutMS: 15000,
  timeoutFactor: 2,
  incremental: false,
  // A mutant of module-level data (the tables of retryable statuses, never-sent codes, OAuth codes,
  // names, messages) is "static": Stryker would run every test for each, about 30 s apiece. They are
  // left out of the default run and its score; `npm run test:mutation -- --ignoreStatic false` counts them.
  ignoreStatic: true,
  ignorePatterns: ['dist', 'coverage', 'bench/results', '.openapi-generator-jar', '.tmp'],
  // Inside coverage/, which git, Biome and jest already leave alone.
  tempDirName: 'coverage/.stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'coverage/mutation/index.html' },
  jsonReporter: { fileName: 'coverage/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
};

// Surviving mutants that are equivalent (no test can tell them from the code: the behaviour is the
// same), named by function rather than line so that the list does not go stale as lines move. src/
// carries no `// Stryker disable` comments yet; these are the places that would take one. The list was
// pruned, not rebuilt, after src/ changed: entries whose code is gone were dropped, so a survivor not
// listed here may be equivalent too. Check any survivor by hand before writing a test for it (a run
// under load once reported a mutant the tests kill).
// - retry-policy.ts, codeOfRetryableStatus: `{ understood: false }` -> `{}` or `{ understood: true }`.
//   It is only asked about 408, 429 and 5xx, whose code codeOfStatus decides from the status alone.
// - response-error.ts, parseOAuthError: `return { understood: false }` -> `return {}` (`understood`
//   undefined is as false as false, and every reader tests it for truth), and `if (error !== undefined)`
//   (and the same for error_description) -> `if (true)`: the field is then set to undefined, which reads
//   the same as absent.
