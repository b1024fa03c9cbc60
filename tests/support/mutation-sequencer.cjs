// The test sequencer of `npm run test:mutation` (stryker.config.mjs). Stryker runs a mutant's tests by
// name (--testNamePattern), and jest would still load every test file to find them, most of a run's
// cost. With the names mutation-bail-environment.cjs recorded in the initial run, this keeps only the
// files that hold at least one of those tests. A file it has no record of is always kept, and without a
// name pattern or a record it keeps everything, so a mutant never misses a test that covers it.
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;
const { TEST_NAMES_FILE } = require('./mutation-bail-environment.cjs');

class MutationSequencer extends Sequencer {
  #pattern;

  constructor(options) {
    super(options);
    const pattern = options?.globalConfig?.testNamePattern;
    this.#pattern = pattern ? new RegExp(pattern, 'i') : undefined;
  }

  sort(tests) {
    const sorted = super.sort(tests);
    if (!this.#pattern || process.env.__STRYKER_ACTIVE_MUTANT__ === undefined || sorted.length === 0)
      return sorted;
    const file = join(sorted[0].context.config.rootDir, TEST_NAMES_FILE);
    if (!existsSync(file)) return sorted;
    const names = JSON.parse(readFileSync(file, 'utf8'));
    const kept = sorted.filter((test) => {
      const recorded = names[test.path];
      return recorded === undefined || recorded.some((name) => this.#pattern.test(name));
    });
    return kept.length > 0 ? kept : sorted;
  }
}

module.exports = MutationSequencer;
