#!/usr/bin/env node
// Regenerates into a temporary folder and fails, printing the diff, when anything in generated/
// differs from what openapi/digilocker-revocation.yaml produces.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const scratch = mkdtempSync(join(tmpdir(), 'check-generated-'));
try {
  const fresh = join(scratch, 'generated');
  await generate(fresh);
  const diff = spawnSync('diff', ['-ruN', 'generated', fresh], { cwd: root, encoding: 'utf8' });
  if (diff.status === 0) {
    console.log('generated/ is up to date with the spec.');
  } else {
    process.stdout.write(diff.stdout);
    process.stderr.write(diff.stderr);
    console.error('\ngenerated/ differs from what the spec produces: run `npm run generate` and commit.');
    process.exitCode = 1;
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
