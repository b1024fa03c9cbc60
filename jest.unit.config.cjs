/**
 * The fast subset (`npm run test:unit`, and what `npm run test:mutation` runs under Stryker): the
 * client's behaviours, the generated layer and the Node transport, all from `src/` with no build.
 * Left out: the few tests that run the built package (`dist/`) in a child process
 * (tests/support/child-script.ts); `npm test` runs them.
 */
const base = require('./jest.config.cjs');

/** Tests that need `dist/` (they call `runChildScript`), by a distinctive part of their name. */
const NEED_DIST = [
  'never arms a timer beyond 2\\^31 - 1 ms', // client/rate-limit-pause
  'swallows a rejected promise it returns', // client/host-safety
  'adds no MaxListenersExceededWarning', // client/host-safety
];

module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/tests/client/**/*.test.ts',
    '<rootDir>/tests/wire.test.ts',
    '<rootDir>/tests/secrets/redaction-encodings.test.ts',
    '<rootDir>/tests/node/**/*.test.ts',
  ],
  testNamePattern: `^(?!.*(${NEED_DIST.join('|')}))`,
  collectCoverage: false,
  coverageThreshold: undefined,
};
