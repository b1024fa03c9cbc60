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
  // @noble/hashes is ESM only and imported statically by the core: SWC turns it into CommonJS, so that
  // Jest loads it on Node 22 too (whose VM modules cannot require ESM).
  transformIgnorePatterns: ['/node_modules/(?!@noble/hashes/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testTimeout: 20000,
  // What tsup's `define` puts in the build (tsup.config.ts): the tests run src/ as it is.
  globals: { __PACKAGE_VERSION__: require('./package.json').version },
  // Coverage of src/ (v8). The CLI runs in child processes in its end-to-end tests, out of this count.
  collectCoverageFrom: ['src/**/*.ts', '!src/cli/**'],
  coverageProvider: 'v8',
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: { global: { lines: 95 } },
};
