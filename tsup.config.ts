import { defineConfig } from 'tsup';

// Three library entries, each built as ESM and CommonJS with types:
// - "."          the runtime-agnostic core (fetch, URL, AbortController, TextEncoder only);
// - "./node"     createNodeTransport, over undici's Pool;
// - "./testing"  startMockDigiLocker, a real HTTP server.
// - "./outbox"   openRevocationOutbox, on pg-boss (optional peers: pg-boss, @electric-sql/pglite, pg).
// And the `digilocker-revoke` CLI, ESM only.
/** The outbox's optional peer dependencies: never bundled. */
const OUTBOX_PEERS = ['pg-boss', '@electric-sql/pglite', 'pg'];

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    treeshake: true,
  },
  {
    entry: { 'node/index': 'src/node/index.ts', 'testing/index': 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    platform: 'node',
    treeshake: true,
  },
  {
    // The outbox: Node only; its optional peer dependencies stay imports, loaded on demand.
    entry: { 'outbox/index': 'src/outbox/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    platform: 'node',
    treeshake: true,
    external: OUTBOX_PEERS,
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    external: OUTBOX_PEERS,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
