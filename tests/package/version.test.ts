// VERSION (and the User-Agent, the telemetry's scope version, the CLI's --version) comes from
// package.json at build: every built entry carries that version, and no placeholder is left behind.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.cjs')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
});

it("the built core's VERSION is package.json's version", () => {
  const core = require(join(root, 'dist/index.cjs')) as { VERSION: string };
  expect(core.VERSION).toBe(version);
});

it('no built file is left with the placeholder', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? files(join(dir, entry.name))
        : /\.c?js$/.test(entry.name)
          ? [join(dir, entry.name)]
          : [],
    );
  const left = files(join(root, 'dist')).filter((file) =>
    readFileSync(file, 'utf8').includes('__PACKAGE_VERSION__'),
  );
  expect(left).toEqual([]);
});
