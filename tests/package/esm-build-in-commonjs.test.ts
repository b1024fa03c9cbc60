// The ESM builds of the Node entries run in an app bundled by esbuild to CommonJS (its default for
// --platform=node), where import.meta is empty.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');
let scratch: string;

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
  scratch = mkdtempSync(join(tmpdir(), 'digilocker-esm-in-cjs-'));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/**
 * Bundles `source` (an ES module importing dist/) with esbuild to CommonJS in directory `name` and runs
 * it with node.
 */
async function bundleAndRun(name: string, source: string): Promise<string> {
  const { build } = await import('esbuild');
  const directory = join(scratch, name);
  mkdirSync(directory);
  writeFileSync(join(directory, 'app.mjs'), source);
  await build({
    entryPoints: [join(directory, 'app.mjs')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: join(directory, 'app.cjs'),
    logLevel: 'silent',
  });
  return execFileSync(process.execPath, ['app.cjs'], {
    cwd: directory,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
  });
}

const dist = (entry: string) => JSON.stringify(join(root, 'dist', entry));

describe('an app bundled by esbuild to CommonJS', () => {
  it('starts and closes the mock DigiLocker of digilocker-revocation/testing', async () => {
    const out = await bundleAndRun(
      'testing',
      `import { startMockDigiLocker } from ${dist('testing/index.js')};
      startMockDigiLocker().then(async (digilocker) => {
        const { accessToken } = digilocker.issueTokens();
        await digilocker.close();
        console.log(digilocker.isActive(accessToken));
      });`,
    );
    expect(out.trim()).toBe('true');
  });
});
