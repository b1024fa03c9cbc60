// The jest environment of `npm run test:mutation` (stryker.config.mjs): Node's, plus two savings that
// change no verdict. Outside a Stryker run it changes nothing.
// - A bail. Jest cannot be told to stop at the first failure from code (jestjs/jest#11766), so Stryker
//   would run every test that covers a mutant even after one has killed it, and a mutant that makes the
//   tests wait for an answer would cost each of them its whole timeout. Once a test fails under a
//   mutant, every later test of that mutant's run is skipped: a killed mutant stays killed, a surviving
//   one ran every test that covers it.
// - In the initial (dry) run, it records which test file holds which test, for
//   mutation-sequencer.cjs to load only the files that hold a mutant's tests.
const { writeFileSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
/** Where the mutant under which a test failed is kept: shared by all the test files of a runner process. */
const KILLED = Symbol.for('digilocker-revocation/mutation-bail');
/** The file, in the sandbox's root, that maps each test file to the names of its tests. */
const TEST_NAMES_FILE = '.stryker-test-names.json';

/** A test's name as jest matches --testNamePattern against it: its describe blocks', then its own. */
function testId(test) {
  const titles = [];
  for (let block = test; block; block = block.parent) titles.unshift(block.name);
  titles.shift(); // the root describe block
  return titles.join(' ');
}

class MutationBailEnvironment extends TestEnvironment {
  #names;
  #testPath;
  #rootDir;

  constructor(config, context) {
    super(config, context);
    this.#testPath = context.testPath;
    this.#rootDir = config.projectConfig.rootDir;
    const recording =
      process.env.STRYKER_MUTATOR_WORKER !== undefined && process.env[ACTIVE_MUTANT] === undefined;
    this.#names = recording ? [] : undefined;
  }

  async handleTestEvent(event, state) {
    await super.handleTestEvent?.(event, state);
    if (this.#names && event.name === 'test_start') this.#names.push(testId(event.test));
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) return;
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') globalThis[KILLED] = mutant;
    else if (event.name === 'test_start' && globalThis[KILLED] === mutant) event.test.mode = 'skip';
  }

  async teardown() {
    if (this.#names) {
      const file = join(this.#rootDir, TEST_NAMES_FILE);
      const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
      all[this.#testPath] = this.#names;
      writeFileSync(file, JSON.stringify(all));
    }
    await super.teardown();
  }
}

module.exports = MutationBailEnvironment;
module.exports.TEST_NAMES_FILE = TEST_NAMES_FILE;
