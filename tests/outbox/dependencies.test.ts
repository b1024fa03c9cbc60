// pg-boss, @electric-sql/pglite and pg are optional peer dependencies of the outbox only: the core
// never loads them, and a store whose package is missing fails with one line that names it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from './child-harness';
import { KEY } from './support';

const root = join(__dirname, '../..');
const BLOCK = join(__dirname, 'fixtures/block-package.mjs');
const PEERS: Record<string, string> = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
).peerDependencies;

/**
 * Opens the built outbox in a child where `blocked` cannot be found; its stdout. An outbox that opens
 * anyway is closed, and a child that hangs is killed: either fails the test instead of outliving it.
 */
function openWithout(blocked: string, store: Record<string, string>): string {
  const script = `
    import { openRevocationOutbox } from ${JSON.stringify(join(root, 'dist/outbox/index.js'))};
    try {
      const outbox = await openRevocationOutbox({ store: ${JSON.stringify(store)}, encryptionKeys: [${JSON.stringify(KEY)}] });
      console.log('opened');
      await outbox.close();
    } catch (error) {
      console.log(error.name + ' ' + error.code + ': ' + error.message);
    }`;
  return execFileSync(process.execPath, ['--import', BLOCK, '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', BLOCK_PACKAGE: blocked },
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  }).trim();
}

/**
 * A hung child is killed, and its test fails on what it printed: a child of this file once outlived its
 * CI run by half an hour. The sync calls block Jest's own timeout until then.
 */
const CHILD_TIMEOUT_MS = 45_000;

beforeAll(() => ensureBuilt(), 240_000);

test.each([
  ['pg-boss', { directory: 'unused' }],
  ['@electric-sql/pglite', { directory: 'unused' }],
  ['pg', { connectionString: 'postgres://127.0.0.1:9/none' }],
  // pg-boss 12 imports pg whatever the store.
  ['pg', { directory: 'unused' }],
])(
  'without %s: one line naming the package to install, and nothing created',
  (name, store) => {
    const scratch = mkdtempSync(join(tmpdir(), 'digilocker-outbox-deps-'));
    try {
      const directory = join(scratch, 'store');
      const output = openWithout(name, 'directory' in store ? { directory } : store);
      // With the range of package.json's peerDependencies: the newest PGlite (0.6) is not one of them.
      const install = `"${name}@${PEERS[name]}"`;
      expect(output).toBe(
        `MissingDependencyError missing_dependency: digilocker-revocation/outbox needs the package "${name}": npm install ${install}`,
      );
      if (name === '@electric-sql/pglite') expect(install).toMatch(/^"@electric-sql\/pglite@~0\.5\./);
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
  60_000,
);

test('the core entry and the CLI load none of them', () => {
  const script = `
    await import(${JSON.stringify(join(root, 'dist/index.js'))});
    await import(${JSON.stringify(join(root, 'dist/node/index.js'))});
    console.log('loaded');`;
  for (const name of ['pg-boss', '@electric-sql/pglite', 'pg']) {
    const run = spawnSync(process.execPath, ['--import', BLOCK, '--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', BLOCK_PACKAGE: name },
      encoding: 'utf8',
      timeout: CHILD_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    expect(run.stdout.trim()).toBe('loaded');
    const cli = spawnSync(process.execPath, ['--import', BLOCK, join(root, 'dist/cli.js'), '--version'], {
      env: { PATH: process.env.PATH ?? '', BLOCK_PACKAGE: name },
      encoding: 'utf8',
      timeout: CHILD_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    expect(cli.status).toBe(0);
  }
});
