// A damaged store is refused, never re-created over: a directory that holds files but no
// pgdata/PG_VERSION, a store PGlite cannot start, and a truncated job table are each a
// StoreDamagedError naming the directory, and the directory is left as it was. A store that is not
// there is never created when the caller says so (create: false).
import { cpSync, existsSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRevocationOutbox, StoreDamagedError, StoreNotFoundError } from '../../src/outbox';
import { openEmbeddedStore } from '../../src/outbox/store-pglite';
import { KEY, scratchDirectory } from './support';

const scratch = scratchDirectory();
/** A store holding 100 queued jobs, made once; each test works on a copy. */
const template = join(scratch.path, 'template');
let jobTableFile: string;

beforeAll(async () => {
  const outbox = await openRevocationOutbox({ store: { directory: template }, encryptionKeys: [KEY] });
  await outbox.enqueueBatch(Array.from({ length: 100 }, (_, i) => ({ refreshToken: `r-${i}` })));
  await outbox.close();
  const store = await openEmbeddedStore({ directory: template });
  const { rows } = await store.db.executeSql(
    "SELECT pg_relation_filepath('digilocker_outbox.job_common') AS file, pg_relation_size('digilocker_outbox.job_common') AS size",
  );
  await store.close();
  jobTableFile = rows[0].file;
  expect(Number(rows[0].size)).toBeGreaterThan(3 * 8192); // so that a cut keeps some rows
}, 240_000);
afterAll(() => scratch.remove());

let copies = 0;
function copyOfStore(): string {
  const path = join(scratch.path, `copy-${copies++}`);
  cpSync(template, path, { recursive: true });
  return path;
}

/** Every file under `directory` with its size and modification time, to show nothing changed. */
function snapshot(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((name) => name !== 'outbox.lock')
    .sort()
    .map((name) => {
      const stat = statSync(join(directory, name));
      return `${name} ${stat.size} ${stat.mtimeMs}`;
    });
}

const open = (directory: string, create?: boolean) =>
  openRevocationOutbox({
    store: create === undefined ? { directory } : { directory, create },
    encryptionKeys: [KEY],
  });

test('a directory of other files is refused, named, and left as it was', async () => {
  const directory = join(scratch.path, 'not-a-store');
  rmSync(directory, { recursive: true, force: true });
  cpSync(template, directory, { recursive: true });
  rmSync(join(directory, 'pgdata'), { recursive: true });
  writeFileSync(join(directory, 'notes.txt'), 'mine');
  const before = snapshot(directory);

  const attempt = open(directory);
  await expect(attempt).rejects.toBeInstanceOf(StoreDamagedError);
  await expect(attempt).rejects.toMatchObject({ code: 'store_damaged' });
  await expect(attempt).rejects.toThrow(`The outbox store ${directory} is damaged or is not an outbox store`);
  expect(snapshot(directory)).toEqual(before);
  expect(existsSync(join(directory, 'pgdata'))).toBe(false);
});

test('a store whose pgdata/PG_VERSION is missing is refused, not initialised over', async () => {
  const directory = copyOfStore();
  rmSync(join(directory, 'pgdata', 'PG_VERSION'));
  const before = snapshot(directory);

  await expect(open(directory)).rejects.toThrow(
    new StoreDamagedError(
      `The outbox store ${directory} is damaged or is not an outbox store: it holds pgdata but no ` +
        'pgdata/PG_VERSION. Nothing was changed: restore the directory from a backup, or give an empty ' +
        'or new directory (its jobs are lost only if you delete it)',
    ),
  );
  expect(snapshot(directory)).toEqual(before);
  expect(existsSync(join(directory, 'pgdata', 'PG_VERSION'))).toBe(false);
});

test('a store PGlite cannot start is a StoreDamagedError naming it, not "Aborted()"', async () => {
  const directory = copyOfStore();
  truncateSync(join(directory, 'pgdata', 'global', 'pg_control'), 0);

  const attempt = open(directory);
  await expect(attempt).rejects.toBeInstanceOf(StoreDamagedError);
  await expect(attempt).rejects.toThrow(`The outbox store ${directory} could not be started (PGlite: `);
  await expect(attempt).rejects.toThrow('restore it from a backup');
});

test('a truncated job table is reported, not opened as a queue with jobs missing', async () => {
  const directory = copyOfStore();
  truncateSync(join(directory, 'pgdata', jobTableFile), 8192);

  const attempt = open(directory);
  await expect(attempt).rejects.toBeInstanceOf(StoreDamagedError);
  await expect(attempt).rejects.toThrow(
    `The outbox store ${directory} is damaged: its job table cannot be read (`,
  );
  // The directory is released: the same refusal again, not a StoreLockedError.
  await expect(open(directory)).rejects.toBeInstanceOf(StoreDamagedError);
}, 60_000);

test('create: false never creates a store: not in a missing directory, nor in an empty one', async () => {
  const missing = join(scratch.path, 'mistyped', 'store');
  const notFound = open(missing, false);
  await expect(notFound).rejects.toBeInstanceOf(StoreNotFoundError);
  await expect(notFound).rejects.toMatchObject({ code: 'store_not_found' });
  await expect(notFound).rejects.toThrow(`The outbox directory ${missing} does not exist: check the path`);
  expect(existsSync(join(scratch.path, 'mistyped'))).toBe(false);

  const empty = join(scratch.path, 'empty');
  rmSync(empty, { recursive: true, force: true });
  cpSync(template, empty, { recursive: true, filter: (source) => source === template });
  await expect(open(empty, false)).rejects.toThrow(`The outbox directory ${empty} holds no store`);
  expect(readdirSync(empty)).toEqual([]);

  const existing = await open(copyOfStore(), false);
  await expect(existing.stats()).resolves.toMatchObject({ queued: 100 });
  await existing.close();
}, 60_000);
