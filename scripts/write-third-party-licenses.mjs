#!/usr/bin/env node
// The built outputs bundle some npm packages in (see tsup.config.ts): their licenses ask that the
// notice travel with the code. tsup's build records which packages went into which output in
// dist/.bundled/; this writes dist/THIRD-PARTY-LICENSES.md from those records and removes them.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const recordsDir = 'dist/.bundled';
if (!existsSync(recordsDir)) {
  console.error('dist/.bundled/ is missing: run `tsup` (npm run build) first.');
  process.exit(1);
}

/** package directory (node_modules/..., possibly nested) -> the outputs it is bundled into */
const usedBy = new Map();
for (const file of readdirSync(recordsDir).sort()) {
  const { outputs, packages } = JSON.parse(readFileSync(join(recordsDir, file), 'utf8'));
  for (const dir of packages) {
    if (!usedBy.has(dir)) usedBy.set(dir, new Set());
    usedBy.get(dir).add(outputs);
  }
}
rmSync(recordsDir, { recursive: true });

const sections = [];
const names = [];
for (const dir of [...usedBy.keys()].sort()) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)([.-]|$)/i.test(f));
  const name = manifest.name;
  names.push(`${name}@${manifest.version}`);
  if (licenseFile === undefined) {
    console.error(`${name} is bundled but has no LICENSE file: add its notice by hand or stop bundling it.`);
    process.exit(1);
  }
  sections.push(
    [
      `## ${name}@${manifest.version} (${manifest.license})`,
      '',
      `Bundled into: ${[...usedBy.get(dir)].join(', ')}`,
      '',
      '```',
      readFileSync(join(dir, licenseFile), 'utf8').trim(),
      '```',
    ].join('\n'),
  );
}

writeFileSync(
  'dist/THIRD-PARTY-LICENSES.md',
  [
    '# Third-party software bundled into digilocker-revocation',
    '',
    'These packages are compiled into the files of `dist/` named below, and are not installed as',
    'dependencies. Their licenses follow.',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n'),
);
console.log(`dist/THIRD-PARTY-LICENSES.md: ${names.length} bundled packages (${names.join(', ')})`);
