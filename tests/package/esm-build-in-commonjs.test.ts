// The ESM builds of the Node entries run where an ES module is turned into, or loaded as, CommonJS: in
// an app bundled by esbuild to CommonJS (its default for --platform=node), where import.meta is empty,
// and through require() of an ES module. Neither allows top-level await.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const MISSING_UNDICI =
  'digilocker-revocation/node needs undici, an optional peer dependency that is not installed: npm install undici@7';

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
 * it with node. With `withPeers`, the directory sees the repository's node_modules (undici among them).
 */
async function bundleAndRun(name: string, source: string, withPeers = true): Promise<string> {
  const { build } = await import('esbuild');
  const directory = join(scratch, name);
  mkdirSync(directory);
  if (withPeers) symlinkSync(join(root, 'node_modules'), join(directory, 'node_modules'), 'junction');
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
  it('creates and closes createNodeFetch of digilocker-revocation/node', async () => {
    const out = await bundleAndRun(
      'node',
      `import { createNodeFetch } from ${dist('node/index.js')};
      const fetch = createNodeFetch();
      fetch.close().then(() => console.log(typeof fetch));`,
    );
    expect(out.trim()).toBe('function');
  });

  it('fails without undici with the one line naming it', async () => {
    const failure = await bundleAndRun(
      'node-without-undici',
      `import { createNodeFetch } from ${dist('node/index.js')};
      console.log(typeof createNodeFetch);`,
      false,
    ).catch((error: { stderr: string }) => error);
    // Where undici was looked for: from the bundle itself (import.meta.url is empty there).
    const from = join(realpathSync(scratch), 'node-without-undici/app.cjs');
    expect(failure).toHaveProperty(
      'stderr',
      expect.stringContaining(`Error: ${MISSING_UNDICI} (it could not be resolved from ${from})\n`),
    );
  });

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

describe('require() of an ES module importing the ESM build', () => {
  it('loads digilocker-revocation/node', () => {
    const directory = join(scratch, 'require-node');
    mkdirSync(directory);
    writeFileSync(join(directory, 'lib.mjs'), `export * from ${dist('node/index.js')};\n`);
    const out = execFileSync(
      process.execPath,
      ['-e', "console.log(typeof require('./lib.mjs').createNodeFetch)"],
      { cwd: directory, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 },
    );
    expect(out.trim()).toBe('function');
  });
});
