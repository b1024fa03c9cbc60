// An embedded store some of whose files another user owns (an operator ran one command on it as root)
// cannot be started by PGlite; it is not damaged, and is not called so (that advice, restore a backup,
// would lose the jobs queued since): the error names a file and says to give them back. The store's
// user is `nobody`, through setpriv; needs root, as CI runs.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KEY, scratchDirectory } from './support';

const root = join(__dirname, '../..');
const scratch = scratchDirectory();
afterAll(() => scratch.remove());

const NOBODY = 65534;

/** Runs `action` (create, open) on the store at `directory` as the user nobody; the result it prints. */
function asNobody(
  action: 'create' | 'open',
  directory: string,
): { name?: string; message?: string; queued?: number } {
  const script = `
    const { openRevocationOutbox } = await import(${JSON.stringify(join(root, 'dist/outbox/index.js'))});
    const [action, directory] = process.argv.slice(1);
    try {
      const outbox = await openRevocationOutbox({ store: { directory }, encryptionKeys: [process.env.KEY] });
      if (action === 'create') await outbox.enqueue({ refreshToken: 'kept-through-a-chown' });
      const { queued } = await outbox.stats();
      await outbox.close();
      console.log(JSON.stringify({ queued }));
    } catch (error) {
      console.log(JSON.stringify({ name: error.name, message: error.message }));
    }`;
  const output = execFileSync(
    'setpriv',
    [
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
      process.execPath,
      '--input-type=module',
      '-e',
      script,
      action,
      directory,
    ],
    { env: { PATH: process.env.PATH ?? '', KEY }, encoding: 'utf8' },
  );
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
}

test('a store with a file another user owns is said so, not called damaged; it opens once that file is given back', () => {
  chmodSync(scratch.path, 0o755);
  const directory = join(scratch.path, 'store');
  mkdirSync(directory);
  chownSync(directory, NOBODY, NOBODY);
  expect(asNobody('create', directory)).toEqual({ queued: 1 });
  const control = join(directory, 'pgdata', 'global', 'pg_control');
  chownSync(control, 0, 0);
  chmodSync(control, 0o600);

  const refused = asNobody('open', directory);
  expect(refused.name).toBe('StoreFailedError');
  expect(refused.message).toContain(
    `${control} (and maybe more in pgdata) cannot be read and written by this user`,
  );
  expect(refused.message).not.toContain('restore it from a backup');

  chownSync(control, NOBODY, NOBODY);
  expect(asNobody('open', directory)).toEqual({ queued: 1 });
}, 120_000);
