// An application that bundles digilocker-revocation/outbox into itself leaves the embedded store's
// worker file (and PGlite's WebAssembly) behind: opening then fails with a StoreFailedError that says
// so and what to do, never a StoreDamagedError that would advise restoring a backup. Both formats:
// ESM, and ESM turned into CommonJS, where import.meta is empty.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');
let scratch: string;

beforeAll(() => {
  if (!existsSync(join(root, 'dist/outbox/index.js')))
    throw new Error(
      'dist/ is missing: run `npm run build` before the tests (tests/package read the built package).',
    );
  scratch = mkdtempSync(join(tmpdir(), 'digilocker-outbox-bundled-'));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test.each(['esm', 'cjs'] as const)(
  'an app bundled (%s) with the outbox in it: a StoreFailedError naming the missing worker, not damage',
  async (format) => {
    const { build } = await import('esbuild');
    const directory = join(scratch, format);
    mkdirSync(directory);
    symlinkSync(join(root, 'node_modules'), join(directory, 'node_modules'), 'junction');
    writeFileSync(
      join(directory, 'app.mjs'),
      `import { openRevocationOutbox, generateEncryptionKey } from ${JSON.stringify(join(root, 'dist/outbox/index.js'))};
      (async () => {
      try {
        await openRevocationOutbox({ store: { directory: ${JSON.stringify(join(directory, 'store'))} }, encryptionKeys: [generateEncryptionKey()] });
        console.log('opened');
      } catch (error) {
        console.log(JSON.stringify({ name: error.name, message: error.message }));
      }
      })();`,
    );
    const outfile = join(directory, format === 'esm' ? 'app.bundle.mjs' : 'app.bundle.cjs');
    await build({
      entryPoints: [join(directory, 'app.mjs')],
      bundle: true,
      platform: 'node',
      format,
      // The outbox's optional peers stay outside, as its docs ask; the outbox itself is bundled in.
      external: ['pg-boss', '@electric-sql/pglite', 'pg'],
      outfile,
      logLevel: 'silent',
    });
    const output = execFileSync(process.execPath, [outfile], {
      cwd: directory,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
    expect(result.name).toBe('StoreFailedError');
    expect(result.message).toContain('is missing: the outbox was bundled into the application without it');
    expect(result.message).toMatch(/^The embedded store's worker \(/);
    expect(result.message).toContain('Leave digilocker-revocation/outbox out of the bundle');
  },
  120_000,
);
