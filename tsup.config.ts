import { defineConfig } from 'tsup';

// Three library entries, each built as ESM and CommonJS with types:
// - "."          the runtime-agnostic core (fetch, URL, AbortController, TextEncoder only);
// - "./node"     createNodeTransport, over undici's Pool;
// - "./testing"  startMockDigiLocker, a real HTTP server.
// And the `digilocker-revoke` CLI, ESM only.
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
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
