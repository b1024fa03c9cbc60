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
// same). src/ carries no `// Stryker disable` comments yet; these are the lines that would take one.
// - src/redact.ts:21 `if (result.includes(form))` -> `if (true)`: split/join on a form that is absent
//   gives the text back unchanged; the check only saves the work.
// - src/retry-policy.ts:38 `{ understood: false }` -> `{}` or `{ understood: true }`:
//   codeOfRetryableStatus is only asked about 408, 429 and 5xx, whose code the status alone decides
//   (the body matters for invalid_client, which needs an `error`, and for a 400).
// - src/retry-policy.ts:135 `code === undefined || ...` -> `false || ...`: with no code,
//   `!NEVER_SENT_CODES.has(undefined)` is true all the same.
// - src/attempt.ts:61 `if (response.ok)` -> `if (true)`: openapi-fetch hands an error response's body
//   over as `error`, so `data` is undefined and readCappedText(null) reads nothing.
// - src/errors.ts:243, 245, 246 `return { understood: false }` -> `return {}`: `understood` undefined
//   is as false as false.
// - src/errors.ts:248, 249 `if (error !== undefined)` (and for error_description) -> `if (true)`: the
//   field is then set to undefined, which reads the same as absent.
// - src/bulk.ts:93 `{ once: true }` -> `{}` or `{ once: false }`: a signal aborts once, and the
//   listener is removed when the pool ends.
// - src/bulk.ts:144 `if (!signal) return undefined` -> `if (false)`: a controller per call without a
//   caller's signal changes no outcome, only the cost (what `npm run bench` measures).
// - src/bulk.ts:150 `if (controller) controllers.delete(controller)` -> `if (true)` (deleting
//   undefined from the set does nothing) or `if (false)` (the set keeps finished calls' controllers:
//   aborting them later does nothing, so no outcome changes; only memory does).
// - src/bulk.ts:153 `signal?.reason` -> `signal.reason`: abortAll runs only from the abort listener,
//   which exists only when there is a signal.
// - src/bulk.ts:164 `wake?.(WOKEN)` -> `wake(WOKEN)`: the loop has always called next() before anything
//   can wake it (a call is launched, or the abort listener fires, only after the first race).
// - src/bulk.ts:261 `typeof value === 'number' && Number.isFinite(value)` -> `true && ...`:
//   Number.isFinite is false for anything but a finite number.
