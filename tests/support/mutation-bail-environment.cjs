// The jest environment of `npm run test:mutation` (stryker.config.mjs): Node's, plus a bail. Jest cannot
// be told to stop at the first failure from code (jestjs/jest#11766), so Stryker would run every test
// that covers a mutant even after one has killed it, and a mutant that makes the tests wait for an
// answer would cost each of them its whole timeout. Once a test fails under a mutant, every later test
// of that mutant's run is skipped: a killed mutant stays killed, a surviving one ran every test. Outside
// a Stryker mutant run (no active mutant) it changes nothing.
const { TestEnvironment } = require('jest-environment-node');

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
/** Where the mutant under which a test failed is kept: shared by all the test files of a runner process. */
const KILLED = Symbol.for('digilocker-revocation/mutation-bail');

class MutationBailEnvironment extends TestEnvironment {
  async handleTestEvent(event, state) {
    await super.handleTestEvent?.(event, state);
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) return;
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') globalThis[KILLED] = mutant;
    else if (event.name === 'test_start' && globalThis[KILLED] === mutant) event.test.mode = 'skip';
  }
}

module.exports = MutationBailEnvironment;
