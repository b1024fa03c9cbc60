// Starts the mock DigiLocker (src/testing) straight from the source, whether or not dist/ is built:
// esbuild bundles src/testing/index.ts (with generated/openapi.json and ajv) into one temporary
// CommonJS file, which is then loaded. Used by the checks that run generated clients against the mock.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Bundles src/testing and returns its `startMockDigiLocker`. */
export async function loadMockDigiLocker() {
  const scratch = mkdtempSync(join(tmpdir(), 'mock-digilocker-'));
  try {
    const outfile = join(scratch, 'testing.cjs');
    await build({
      entryPoints: [join(root, 'src/testing/index.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile,
      logLevel: 'error',
    });
    return createRequire(import.meta.url)(outfile).startMockDigiLocker;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
