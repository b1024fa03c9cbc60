/**
 * The fast subset (`npm run test:unit`, and what `npm run test:mutation` runs under Stryker), selected by
 * folder: tests/client (the client's behaviours, its wire layer and redaction) and tests/node (the Node
 * transport), all from `src/` with no build. The tests that run the built package in a child process
 * live in tests/process and tests/package; `npm test` runs them.
 */
const base = require('./jest.config.cjs');

module.exports = {
  ...base,
  roots: ['<rootDir>/tests/client', '<rootDir>/tests/node'],
  collectCoverage: false,
  coverageThreshold: undefined,
};
