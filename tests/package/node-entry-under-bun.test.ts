// Under Bun, require('undici') gives Bun's built-in stand-in (undici installed or not), which has no
// Dispatcher.compose: the built digilocker-revocation/node loads, and createNodeFetch() then fails at
// once with one line saying to use the global fetch, not at every request (Bun from its npm package,
// as in tests/runtimes).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '../..');

beforeAll(() => {
  if (!existsSync(join(root, 'dist/node/index.js')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
});

it.each(['dist/node/index.js', 'dist/node/index.cjs'])(
  'createNodeFetch of %s fails at creation under Bun, in one line',
  async (file) => {
    const script = `const { createNodeFetch } = await import(${JSON.stringify(join(root, file))});
      try { createNodeFetch(); console.log('created'); } catch (error) { console.log(JSON.stringify([error.name, error.code, error.message])); }`;
    const { stdout } = await run(join(root, 'node_modules/.bin/bun'), ['--eval', script], {
      cwd: root,
      timeout: 30_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(JSON.parse(stdout.trim())).toEqual([
      'TypeError',
      'DIGILOCKER_UNSUPPORTED_UNDICI',
      "digilocker-revocation/node runs on Node with undici 7 or 8: this runtime's undici has no Dispatcher.compose; use the global fetch",
    ]);
  },
  40_000,
);
