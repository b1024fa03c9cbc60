// What an embedded store's directory may hold to be opened, at the edges of its creation: a database
// half written (a first open killed while PGlite wrote it), an empty pgdata (an older release's first
// open killed before PGlite wrote a file) and an empty database (one killed after PGlite created it)
// open as a new store; another application's PGlite database, or a store of another
// schema, is refused with StoreDamagedError and nothing is added to it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRevocationOutbox, StoreDamagedError, StoreNotFoundError } from '../../src/outbox';
import { openEmbeddedStore } from '../../src/outbox/store-pglite';
import { KEY, scratchDirectory } from './support';

const scratch = scratchDirectory();
afterAll(() => scratch.remove());
let made = 0;
const newDirectory = () => join(scratch.path, `store-${made++}`);

/** What opening `directory` does: the error it fails with, or 'opened' (then closed). */
const refusal = (opening: Promise<{ close(): Promise<void> }>) =>
  opening.then(
    async (outbox) => {
      await outbox.close();
      return 'opened';
    },
    (error: unknown) => error,
  );

const open = (directory: string, options: { create?: boolean; schema?: string } = {}) =>
  openRevocationOutbox({
    store: {
      directory,
      unsafeSkipFsync: true,
      ...(options.create === undefined ? {} : { create: options.create }),
    },
    encryptionKeys: [KEY],
    ...(options.schema ? { schema: options.schema } : {}),
  });

/** Opens and closes `directory` as a new store: the queue works, and is empty. */
async function expectNewStore(directory: string): Promise<void> {
  const outbox = await open(directory);
  try {
    await outbox.enqueue({ refreshToken: 'r-1' });
    expect((await outbox.stats()).queued).toBe(1);
  } finally {
    await outbox.close();
  }
}

/** The schemas of the database in `directory` (the store's own catalog aside). */
async function schemasIn(directory: string): Promise<string[]> {
  const store = await openEmbeddedStore({ directory, unsafeSkipFsync: true });
  try {
    const { rows } = await store.db.executeSql(
      "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg\\_%' ORDER BY 1",
    );
    return rows.map((row) => String((row as { nspname: unknown }).nspname));
  } finally {
    await store.close();
  }
}

test('a process killed while PGlite creates pgdata leaves it empty; the next open creates the store', async () => {
  const directory = newDirectory();
  const pgdata = join(directory, 'pgdata');
  mkdirSync(directory);
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import('@electric-sql/pglite').then(({ PGlite }) => PGlite.create(${JSON.stringify(pgdata)}))`,
    ],
    { cwd: join(__dirname, '../..'), stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // PGlite makes pgdata first and fills it a second or more later: kill it in between.
  while (!existsSync(pgdata)) await new Promise((resolve) => setTimeout(resolve, 5));
  child.kill('SIGKILL');
  await exited;
  expect(readdirSync(pgdata)).toEqual([]);

  await expectNewStore(directory);
}, 60_000);

/** Starts a child process that opens `directory` with the built outbox, as an application does. */
function openInChild(directory: string, nodeOptions: string[] = []) {
  const outbox = join(__dirname, '../../dist/outbox/index.js');
  const script = `import(${JSON.stringify(outbox)}).then(async ({ openRevocationOutbox }) => {
    const outbox = await openRevocationOutbox({ store: { directory: ${JSON.stringify(directory)} }, encryptionKeys: [${JSON.stringify(KEY)}] });
    await outbox.close();
    console.log('opened');
  })`;
  return spawn(process.execPath, [...nodeOptions, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

test("a process killed while PGlite writes a new store's files leaves no pgdata; the next open creates the store", async () => {
  const directory = newDirectory();
  mkdirSync(directory);
  const child = openInChild(directory);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // Killed once PG_VERSION is written, while PGlite still writes the database's other files.
  const versionFile = () =>
    ['pgdata', 'pgdata.creating'].some((name) => existsSync(join(directory, name, 'PG_VERSION')));
  while (!versionFile() && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 2));
  child.kill('SIGKILL');
  await exited;
  expect(child.signalCode).toBe('SIGKILL'); // killed mid-creation, not ended on its own
  expect(existsSync(join(directory, 'pgdata'))).toBe(false);

  await expectNewStore(directory);
  expect(readdirSync(directory)).toEqual(['pgdata']);
}, 60_000);

test('an application run as `node --input-type=module -e` opens the embedded store', async () => {
  const directory = newDirectory();
  const child = openInChild(directory, ['--input-type=module']);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise((resolve) => child.on('close', resolve));
  expect({ code, output }).toEqual({ code: 0, output: 'opened\n' });
}, 60_000);

test('an empty pgdata is a new store; with create: false, no store', async () => {
  const directory = newDirectory();
  mkdirSync(join(directory, 'pgdata'), { recursive: true });
  await expect(open(directory, { create: false })).rejects.toBeInstanceOf(StoreNotFoundError);
  expect(readdirSync(join(directory, 'pgdata'))).toEqual([]);
  await expectNewStore(directory);
}, 60_000);

test('a pgdata holding any file but no PG_VERSION is still refused', async () => {
  const directory = newDirectory();
  mkdirSync(join(directory, 'pgdata'), { recursive: true });
  writeFileSync(join(directory, 'pgdata', 'postgresql.conf'), '');
  await expect(open(directory)).rejects.toBeInstanceOf(StoreDamagedError);
  expect(readdirSync(join(directory, 'pgdata'))).toEqual(['postgresql.conf']);
});

test('an empty database (a first open killed after PGlite made it) opens as a new store', async () => {
  const directory = newDirectory();
  await (await openEmbeddedStore({ directory, unsafeSkipFsync: true })).close();
  await expectNewStore(directory);
}, 60_000);

test("another application's PGlite database is refused, naming its tables, and nothing is added", async () => {
  const directory = newDirectory();
  const app = await openEmbeddedStore({ directory, unsafeSkipFsync: true });
  await app.db.executeSql(
    "CREATE TABLE app_users (id int PRIMARY KEY, name text); INSERT INTO app_users VALUES (1, 'x')",
  );
  await app.close();

  const error = await refusal(open(directory));
  expect(error).toBeInstanceOf(StoreDamagedError);
  expect((error as Error).message).toContain(`The outbox store ${directory} is not an outbox store`);
  expect((error as Error).message).toContain('public.app_users');
  expect(await schemasIn(directory)).toEqual([]);
}, 60_000);

test('a store of another schema is refused unless opened with that schema', async () => {
  const directory = newDirectory();
  await (await open(directory, { schema: 'first_queue' })).close();
  const error = await refusal(open(directory, { schema: 'second_queue' }));
  expect(error).toBeInstanceOf(StoreDamagedError);
  expect((error as Error).message).toContain('first_queue.');
  expect(await schemasIn(directory)).toEqual(['first_queue', 'first_queue_pause']);
  await (await open(directory, { schema: 'first_queue' })).close();
}, 60_000);
