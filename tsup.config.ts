import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';

// Four library entries, each built as ESM and CommonJS with types:
// - "."          the runtime-agnostic core (fetch, URL, AbortController, TextEncoder only);
// - "./node"     createNodeFetch, undici's fetch over an undici dispatcher (undici: an optional peer);
// - "./testing"  startMockDigiLocker, a real HTTP server (ajv bundled in: nothing to install);
// - "./outbox"   openRevocationOutbox, on pg-boss (optional peers: pg-boss, @electric-sql/pglite, pg);
// - "./opentelemetry"  createInstrumentedRevocationClient (@opentelemetry/api: an optional peer).
// And the `digilocker-revoke` CLI, ESM only, with everything it uses bundled in.
//
// What a consumer installs is only what the core needs (`dependencies`: openapi-fetch). Everything
// else an entry uses is either bundled into that entry's output (listed with its license in
// dist/THIRD-PARTY-LICENSES.md by scripts/write-third-party-licenses.mjs) or, for undici, an optional
// peer whose absence fails with one line naming it.

const packageJson = createRequire(import.meta.url)('./package.json');
/**
 * Read from package.json at build (nothing to keep in step by hand): `VERSION` of every entry, and the
 * peer dependencies' ranges, which the outbox's MissingDependencyError says to install.
 */
const define = {
  __PACKAGE_VERSION__: JSON.stringify(packageJson.version),
  __PEER_DEPENDENCIES__: JSON.stringify(packageJson.peerDependencies),
};

/** The outbox's optional peer dependencies: never bundled, loaded on demand. */
const OUTBOX_PEERS = ['pg-boss', '@electric-sql/pglite', 'pg'];

/**
 * What to install for the undici range `peerDependencies` accepts (^7.30.0 || ^8.0.0); keep in step with
 * package.json. undici 7, because 8 needs Node 22.19, above our floor of 22.12 (the CLI bundles the same 7).
 */
const UNDICI_INSTALL = 'undici@7';

/**
 * ESM bundles that contain CommonJS code (commander, cli-progress, undici, ajv, optionalPeer's loader)
 * call `require`; an ES module has no `require`, so the bundle makes one. From `__filename` when
 * `import.meta.url` is undefined: an app that bundles this ES module to CommonJS empties import.meta.
 * createRequire comes from process.getBuiltinModule (Node 22.3, below our floor), not from an import
 * of node:module: webpack 5 recognises `createRequire(...)` of an imported node:module and, unable to
 * evaluate the `??`, replaces the call with `undefined` (every require() then fails, undici's read as
 * not installed).
 */
const REQUIRE_IN_ESM =
  "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url ?? __filename);";

/**
 * Records which npm packages end up inside each output file (for the third-party license file), from
 * esbuild's metafile. The records go to dist/.bundled/ and are turned into dist/THIRD-PARTY-LICENSES.md
 * after the build. Every config gets it (see the end of this file).
 */
rmSync('dist/.bundled', { recursive: true, force: true }); // records of an earlier, failed build

function recordBundledPackages(): Plugin {
  return {
    name: 'record-bundled-packages',
    setup(build) {
      build.initialOptions.metafile = true;
      build.onEnd((result) => {
        if (!result.metafile) return;
        mkdirSync('dist/.bundled', { recursive: true });
        for (const [output, { inputs }] of Object.entries(result.metafile.outputs)) {
          const packages = new Set<string>();
          for (const input of Object.keys(inputs)) {
            // The package's directory: up to the last node_modules/<name> (or <@scope/name>).
            const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
            if (match?.[1]) packages.add(match[1]);
          }
          const record = `dist/.bundled/${output.replace(/[^\w.-]+/g, '_')}.json`;
          writeFileSync(record, JSON.stringify({ outputs: output, packages: [...packages].sort() }));
        }
      });
    },
  };
}

/**
 * Makes `package` an optional peer dependency of the output: its imports go through a small module
 * that loads it at run time and, when it is not installed, throws one line naming what to install
 * and where it was looked for (instead of Node's "Cannot find package" with a require stack). That module is CommonJS, loading it
 * with `require()`, in the ESM output too (with the REQUIRE_IN_ESM banner): an `await import()` would be
 * top-level await, which neither an app bundled to CommonJS nor require() of the ES module allows.
 * (The config using it must not set `treeshake`: tsup would then build ESM and convert it to CommonJS
 * with Rollup.)
 */
function optionalPeer(pkg: string, install: string, entry: string): Plugin {
  const message = `${entry} needs ${pkg}, an optional peer dependency that is not installed: npm install ${install}`;
  const escaped = pkg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    name: 'optional-peer',
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${escaped}$`) }, (args) =>
        args.namespace === 'optional-peer'
          ? { path: pkg, external: true }
          : { path: pkg, namespace: 'optional-peer' },
      );
      build.onLoad({ filter: /.*/, namespace: 'optional-peer' }, () => ({
        loader: 'js',
        contents: [
          'try {',
          `  module.exports = require(${JSON.stringify(pkg)});`,
          '} catch (error) {',
          `  const missing = error !== null && typeof error === 'object' && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(${JSON.stringify(`'${pkg}'`)});`,
          '  if (missing) {',
          // Where it was looked for (the file whose require failed, in Node's requireStack; not from
          // `require.resolve`, which webpack warns about): a bundle copied elsewhere, or one whose
          // bundler baked in the build machine's path (webpack's import.meta.url), looks where no
          // undici is.
          "    const from = typeof error.requireStack?.[0] === 'string' ? ' (it could not be resolved from ' + error.requireStack[0] + ')' : '';",
          `    throw new Error(${JSON.stringify(message)} + from);`,
          '  }',
          '  throw error;',
          '}',
        ].join('\n'),
      }));
    },
  };
}

/**
 * The CLI's `mock` command loads the mock DigiLocker with `import('../testing')`, and the CLI its
 * telemetry with `import('../opentelemetry')`: each gets the package's own dist/<entry>/index.js rather
 * than a second copy inside the CLI (and the opentelemetry entry's import of @opentelemetry/api stays
 * the user's, failing at that import, not at the CLI's start, when it is not installed).
 */
function useOwnTestingEntry(): Plugin {
  return {
    name: 'use-own-testing-entry',
    setup(build) {
      build.onResolve({ filter: /^\.\.\/(testing|opentelemetry)(\/index)?$/ }, (args) =>
        /[\\/]src[\\/]cli[\\/]/.test(args.importer)
          ? { path: `./${args.path.split('/')[1]}/index.js`, external: true }
          : undefined,
      );
    },
  };
}

const configs: Options[] = [
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    define,
    dts: true,
    // No `clean`: tsup's clean also runs when this config's declaration build starts, deleting every
    // .d.ts under dist/, the other entries' included when theirs finished first (a race that shipped
    // no dist/testing/index.d.ts). `npm run build` empties dist/ before tsup instead.
    target: 'es2022',
    platform: 'neutral',
    treeshake: true,
  },
  {
    entry: { 'node/index': 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    define,
    dts: true,
    target: 'node22',
    platform: 'node',
    // tsup marks peer dependencies external on its own; undici goes through optionalPeer instead.
    noExternal: ['undici'],
    banner: ({ format }) => (format === 'esm' ? { js: REQUIRE_IN_ESM } : {}),
    esbuildPlugins: [optionalPeer('undici', UNDICI_INSTALL, 'digilocker-revocation/node')],
  },
  {
    entry: { 'testing/index': 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    define,
    dts: true,
    target: 'node22',
    platform: 'node',
    treeshake: true,
    // ajv is bundled in: the mock DigiLocker needs nothing installed beyond the core.
    noExternal: ['ajv'],
    banner: ({ format }) => (format === 'esm' ? { js: REQUIRE_IN_ESM } : {}),
  },
  {
    // The outbox: Node only; its optional peer dependencies stay imports, loaded on demand. The
    // embedded store's worker thread runs a file of its own, found next to the entry through
    // import.meta.url (shimmed in the CommonJS output).
    entry: { 'outbox/index': 'src/outbox/index.ts', 'outbox/pglite-worker': 'src/outbox/pglite-worker.ts' },
    format: ['esm', 'cjs'],
    define,
    shims: true,
    dts: true,
    target: 'node22',
    platform: 'node',
    treeshake: true,
    external: OUTBOX_PEERS,
  },
  {
    // Spans and metrics of revocations; the core never imports @opentelemetry/api, this entry alone.
    entry: { 'opentelemetry/index': 'src/opentelemetry/index.ts' },
    format: ['esm', 'cjs'],
    define,
    dts: true,
    target: 'es2022',
    platform: 'neutral',
    // A plain import (tsup keeps peers external): no top-level await, so bundlers for the browser
    // and require() of the ESM build work; without the peer, the runtime's error names it.
    treeshake: true,
  },
  {
    // The embedded store's worker thread beside it: the CLI bundles the outbox, which finds it there.
    entry: { cli: 'src/cli/main.ts', 'pglite-worker': 'src/outbox/pglite-worker.ts' },
    external: OUTBOX_PEERS,
    format: ['esm'],
    define,
    target: 'node22',
    platform: 'node',
    // Everything the CLI uses (commander, cli-progress, undici, ajv for `mock`, the core's own
    // dependencies) is bundled in: `digilocker-revoke` runs with nothing but the package installed.
    // The outbox's optional peers stay imports (`external` alone loses to this pattern).
    noExternal: [/^(?!(?:pg-boss|@electric-sql\/pglite|pg)(?:\/|$))/],
    banner: { js: `#!/usr/bin/env node\n${REQUIRE_IN_ESM}` },
    esbuildPlugins: [useOwnTestingEntry()],
  },
];

// Every output records the packages bundled into it: the license file must name each file holding one.
export default defineConfig(
  configs.map((config) => ({
    ...config,
    esbuildPlugins: [recordBundledPackages(), ...(config.esbuildPlugins ?? [])],
  })),
);
