// The ESM builds that contain CommonJS code make their own `require` (REQUIRE_IN_ESM in tsup.config.ts).
// webpack 5 rewrites a call of createRequire imported from node:module: one it cannot evaluate, as
// `createRequire(import.meta.url ?? __filename)`, becomes `undefined`, and the app bundled by it then
// fails at load, saying undici is not installed when it is. So no built ES module imports createRequire;
// the banner takes it from process.getBuiltinModule, which webpack leaves alone.
// (Checked on the built files rather than by a webpack run: webpack with its CLI would be a large
// devDependency, some 36 MB, for one check.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '../..');
const BANNER =
  "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url ?? __filename);";

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
});

/** Every ES module under dist/ (the package is "type": "module": .js is ESM, .cjs CommonJS). */
function esmFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? esmFiles(join(dir, entry.name))
      : entry.name.endsWith('.js')
        ? [join(dir, entry.name)]
        : [],
  );
}

const read = (file: string) => readFileSync(join(root, 'dist', file), 'utf8');

it('no built ES module imports createRequire from node:module', () => {
  const importing = esmFiles(join(root, 'dist'))
    .filter((file) =>
      /import\s*\{[^}]*\bcreateRequire\b[^}]*\}\s*from\s*['"](node:)?module['"]/.test(
        readFileSync(file, 'utf8'),
      ),
    )
    .map((file) => relative(root, file));
  expect(importing).toEqual([]);
});

it.each(['node/index.js', 'cli.js', 'pglite-worker.js'])(
  'dist/%s makes its require from process.getBuiltinModule',
  (file) => {
    expect(read(file)).toContain(BANNER);
  },
);
