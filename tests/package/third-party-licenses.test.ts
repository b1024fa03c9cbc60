// dist/THIRD-PARTY-LICENSES.md names, for every npm package bundled into the build, each file of dist/
// it is in. What a file holds is read from the file itself: esbuild heads the code of each module it
// bundles with a comment giving its path (`// node_modules/@noble/hashes/sha2.js`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '../..');

/** Every .js and .cjs file under dir. */
function scripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return scripts(path);
    return /\.c?js$/.test(entry.name) ? [path] : [];
  });
}

/** `<package> in <file>` for each package whose code a dist file holds. */
function bundledPackages(): string[] {
  const found = new Set<string>();
  for (const file of scripts(join(root, 'dist'))) {
    const name = relative(root, file).replaceAll('\\', '/');
    for (const [, pkg] of readFileSync(file, 'utf8').matchAll(
      /^\/\/ .*node_modules\/((?:@[^/\s]+\/)?[^/\s]+)\//gm,
    )) {
      found.add(`${pkg} in ${name}`);
    }
  }
  return [...found].sort();
}

/** `<package> in <file>` for each file that the license file names under the package. */
function listedPackages(): string[] {
  const text = readFileSync(join(root, 'dist/THIRD-PARTY-LICENSES.md'), 'utf8');
  const listed: string[] = [];
  for (const [, pkg, files] of text.matchAll(
    /^## ((?:@[^/\s]+\/)?[^@\s]+)@\S+ .*\n\nBundled into: (.*)$/gm,
  )) {
    for (const file of (files ?? '').split(', ')) listed.push(`${pkg} in ${file}`);
  }
  return listed.sort();
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/THIRD-PARTY-LICENSES.md')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
});

it('finds bundled code by its path comments (so the test below means something)', () => {
  expect(bundledPackages()).toContain('@noble/hashes in dist/index.js');
});

it('lists each bundled package under every dist file that holds its code, and no other', () => {
  expect(listedPackages()).toEqual(bundledPackages());
});
