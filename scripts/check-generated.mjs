#!/usr/bin/env node
// Checks first that every departure of openapi/digilocker-revocation.yaml from the published listing is
// marked (scripts/check-spec.mjs), then regenerates into a temporary folder and fails, printing the diff,
// when anything in generated/ differs from what the document produces.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSpec } from './check-spec.mjs';
import { generate } from './generate.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { problems, marks } = await checkSpec();
if (problems.length > 0) {
  console.error('The spec departs from the published listing without a mark (npm run check:spec):');
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(`The spec marks each of its ${marks.length} departures from the published listing.`);
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
