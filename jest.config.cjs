/** Jest runs the TypeScript tests through SWC (type checking is `npm run typecheck`'s job). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs', ignoreDynamic: true },
      },
    ],
  },
  // @noble/hashes (imported statically by the core) and commander (by the CLI, which some outbox tests
  // run in process) are ESM only: SWC turns them into CommonJS, so that Jest loads them on Node 22 too
  // (whose VM modules cannot require ESM).
  transformIgnorePatterns: ['/node_modules/(?!(@noble/hashes|commander)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // The /node entry takes the undici its user installs, 7 or 8 (its peer range): the development
  // dependency is 7, and DIGILOCKER_TEST_UNDICI=8 runs the tests on 8 instead (the `undici8` alias).
  moduleNameMapper: process.env.DIGILOCKER_TEST_UNDICI === '8' ? { '^undici(/.*)?$': 'undici8$1' } : {},
  testTimeout: 20000,
  // What tsup's `define` puts in the build (tsup.config.ts): the tests run src/ as it is.
  globals: {
    __PACKAGE_VERSION__: require('./package.json').version,
    __PEER_DEPENDENCIES__: require('./package.json').peerDependencies,
  },
  // Coverage of src/ (v8). The CLI runs in child processes in its end-to-end tests, out of this count.
  collectCoverageFrom: ['src/**/*.ts', '!src/cli/**'],
  coverageProvider: 'v8',
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: { global: { lines: 95 } },
};
