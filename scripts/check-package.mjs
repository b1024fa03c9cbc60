#!/usr/bin/env node
// `npm run check:package`: publint and are-the-types-wrong on the package as `npm pack` makes it.
// The tarball is packed into a temporary directory (never the working tree, where a tarball of your
// own from `npm pack` may be waiting) and removed afterwards. It packs dist/ as it is: build first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (!existsSync('dist/index.js')) {
  console.error('dist/ is missing: run `npm run build` first.');
  process.exit(1);
}

const bin = (name) => join('node_modules', '.bin', name);
const dir = mkdtempSync(join(tmpdir(), 'digilocker-revocation-pack-'));
let failed = false;
try {
  // --ignore-scripts: pack dist/ as built (the `prepare` script would build it again).
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const tarball = join(dir, pack.filename);
  console.log(
    `${pack.filename}: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(1)} kB packed, ` +
      `${(pack.unpackedSize / 1024).toFixed(1)} kB unpacked`,
  );
  for (const [name, args] of [
    ['publint', ['run', '--strict', tarball]],
    ['attw', [tarball, '--profile', 'node16']],
  ]) {
    try {
      execFileSync(bin(name), args, { stdio: 'inherit' });
    } catch {
      failed = true;
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
