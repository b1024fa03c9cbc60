// The embedded store can never freeze the application that embeds it: PGlite runs in a worker
// thread, every call has a deadline (store.queryTimeoutMs), and a call not answered in time fails
// the store (StoreFailedError naming it) and every later call, while an HTTP server in this very
// process answers throughout. Then small tmpfs disks filled until the write-ahead log cannot grow:
// PGlite, which spins on the next statement after such a failure (upstream), is ended by the
// deadline; under the outbox every call settles in time and every job whose enqueue resolved is
// there once space returns. Needs root (mount); CI runs as root.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type OutboxEvent, openRevocationOutbox, StoreFailedError } from '../../src/outbox';
import { startPgliteThread } from '../../src/outbox/pglite-thread';
import { openEmbeddedStore } from '../../src/outbox/store-pglite';
import { runCliInProcess } from '../support/cli-in-process';
import { KEY, scratchDirectory, within } from './support';

const scratch = scratchDirectory();
const mounts: string[] = [];
const DEADLINE_MS = 2000;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  for (const mountPoint of mounts) execFileSync('umount', ['-l', mountPoint]);
  scratch.remove();
});

/** A fresh 96 MB tmpfs (with `inodes` at most, when given), unmounted after the tests. */
function smallDisk(name: string, inodes?: number): string {
  const mountPoint = join(scratch.path, name);
  mkdirSync(mountPoint);
  const options = inodes === undefined ? 'size=96m' : `size=96m,nr_inodes=${inodes}`;
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mountPoint]);
  mounts.push(mountPoint);
  return mountPoint;
}

async function serverAnswers(): Promise<string> {
  return (await fetch(url)).text();
}

test('a call PGlite does not answer in time fails the store and every later call; the server answers', async () => {
  const directory = join(scratch.path, 'stuck');
  const store = await openEmbeddedStore({ directory, queryTimeoutMs: DEADLINE_MS });
  try {
    // PGlite busy for longer than the deadline, as when it spins after a failed write.
    const stuck = store.db.executeSql('SELECT pg_sleep(60)');
    expect(await serverAnswers()).toBe('ok');
    const failure = await within(stuck, DEADLINE_MS + 8000);
    expect(failure).toBeInstanceOf(StoreFailedError);
    expect(failure).toMatchObject({ code: 'store_failed' });
    expect((failure as Error).message).toBe(
      `The outbox store ${directory} stopped working: a call was not answered within ${DEADLINE_MS} ms ` +
        '(store.queryTimeoutMs). It was shut down and every call fails from now on. Check the disk (free ' +
        'space, errors in the system log), or raise store.queryTimeoutMs above your longest statement; ' +
        'then restart the process: the jobs committed before are kept',
    );
    await expect(within(store.db.executeSql('SELECT 1'), 100)).resolves.toBe(failure);
    expect(await serverAnswers()).toBe('ok');
  } finally {
    await store.close();
  }
  // Closed, it is released: the directory opens again, and works.
  const again = await openEmbeddedStore({ directory });
  await expect(again.db.executeSql('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
  await again.close();
}, 120_000);

test('PGlite spinning after a failed log write (upstream) fails the store within the deadline; the server answers', async () => {
  const disk = smallDisk('raw');
  const directory = join(disk, 'db');
  mkdirSync(directory);
  const pglite = await startPgliteThread(directory, {
    skipFsync: false,
    timeoutMs: DEADLINE_MS,
    create: true,
  });
  try {
    await pglite.exec('CREATE TABLE t (id serial PRIMARY KEY, x text)');
    fillDiskBut(join(disk, 'filler'), 15 << 20);
    let failure: unknown;
    while (failure === undefined)
      failure = await pglite.query('INSERT INTO t (x) VALUES ($1)', ['x'.repeat(2000)]).then(
        () => undefined,
        (error) => error,
      );
    expect(String(failure)).toContain('could not write to file "pg_wal/xlogtemp');

    // The next statement never returns from PGlite: the deadline fails it, the process answers.
    const next = pglite.query('INSERT INTO t (x) VALUES ($1)', ['y']);
    expect(await serverAnswers()).toBe('ok');
    const stuck = await within(next, DEADLINE_MS + 8000);
    expect(stuck).toBeInstanceOf(StoreFailedError);
    expect((stuck as Error).message).toContain(
      `The outbox store ${directory} stopped working: a call was not answered`,
    );
    await expect(within(pglite.query('SELECT 1'), 100)).resolves.toBe(stuck);
    expect(await serverAnswers()).toBe('ok');
  } finally {
    await pglite.close();
  }
}, 240_000);

test('a full disk under the outbox: every call settles within the deadline, the server answers, nothing committed is lost', async () => {
  const disk = smallDisk('outbox');
  const directory = join(disk, 'store');
  const open = () =>
    openRevocationOutbox({ store: { directory, queryTimeoutMs: DEADLINE_MS }, encryptionKeys: [KEY] });
  let outbox = await open();
  const filler = join(disk, 'filler');
  try {
    fillDiskBut(filler, 15 << 20);
    // One job per commit, as an application enqueues, until the log cannot grow.
    let enqueued = 0;
    let failure: unknown;
    while (failure === undefined) {
      const call = outbox.enqueue({
        refreshToken: `r${enqueued}-${'x'.repeat(4000)}`,
        accessToken: 'y'.repeat(4000),
      });
      if (enqueued % 200 === 0) expect(await serverAnswers()).toBe('ok');
      const outcome = await within(call, DEADLINE_MS + 8000);
      expect(outcome).not.toBe('pending');
      if (outcome === 'resolved') enqueued++;
      else failure = outcome;
    }
    expect(String(failure)).toContain('No space left on device');
    // pg-boss's adapter rolls back after an error, and PGlite then answers (with the disk's error);
    // were it to spin, the deadline would end the call (the test above).
    for (let i = 0; i < 3; i++) {
      const next = outbox.enqueue({ refreshToken: `after-the-failure-${i}` });
      expect(await serverAnswers()).toBe('ok');
      await expect(within(next, DEADLINE_MS + 8000)).resolves.toBeInstanceOf(Error);
    }

    // Space back (the store reopened, had it failed): every job whose enqueue resolved is there.
    rmSync(filler);
    await outbox.close().catch(() => {});
    outbox = await open();
    expect((await outbox.stats()).queued).toBe(enqueued);
  } finally {
    await outbox.close().catch(() => {});
  }
}, 240_000);

test('a store that cannot start on a full disk is said so, not called damaged; it opens once space is back', async () => {
  const disk = smallDisk('start');
  const directory = join(disk, 'store');
  const open = () => openRevocationOutbox({ store: { directory }, encryptionKeys: [KEY] });
  const outbox = await open();
  await outbox.enqueue({ refreshToken: 'kept-through-a-full-disk' });
  await outbox.close();
  const filler = join(disk, 'filler');
  fillDiskBut(filler, 4096);
  const failure = await open().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(StoreFailedError);
  expect((failure as Error).message).toMatch(/its file system has \d+ KB free: free some space/);
  expect((failure as Error).message).not.toContain('restore it from a backup');
  rmSync(filler);
  const again = await open();
  expect((await again.stats()).queued).toBe(1);
  await again.close();
}, 240_000);

test('a store that cannot start for want of inodes is said so, not called damaged; it opens once some are free', async () => {
  const disk = smallDisk('inodes', 3000);
  const directory = join(disk, 'store');
  const open = () => openRevocationOutbox({ store: { directory }, encryptionKeys: [KEY] });
  const outbox = await open();
  await outbox.enqueue({ refreshToken: 'kept-through-a-full-inode-table' });
  await outbox.close();
  // Every inode taken but one, for the lock file: the bytes are free, the file table is not.
  const fillers = join(disk, 'fillers');
  mkdirSync(fillers);
  let count = 0;
  try {
    for (; ; count++) closeSync(openSync(join(fillers, String(count)), 'w'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  rmSync(join(fillers, String(count - 1)));
  const failure = await open().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(StoreFailedError);
  expect((failure as Error).message).toMatch(/its file system has \d+ free inodes: remove some files/);
  rmSync(fillers, { recursive: true });
  const again = await open();
  expect((await again.stats()).queued).toBe(1);
  await again.close();
}, 240_000);

test('close() on a disk too full to compact the job table still closes, says so (an error event, a CLI warning), keeps every job', async () => {
  const disk = smallDisk('compact');
  const directory = join(disk, 'store');
  const events: OutboxEvent[] = [];
  const open = () =>
    openRevocationOutbox({
      store: { directory },
      encryptionKeys: [KEY],
      onEvent: (event) => events.push(event),
    });
  const outbox = await open();
  // A job table of a few MB, more than the space left for its copy.
  for (let batch = 0; batch < 4; batch++)
    await outbox.enqueueBatch(
      Array.from({ length: 1000 }, (_, i) => ({ refreshToken: `b${batch}-${i}-${'x'.repeat(1500)}` })),
    );
  await outbox.close();
  // Room to start and read, not to write the job table's copy.
  const filler = join(disk, 'filler');
  fillDiskBut(filler, 4 << 20);
  const full = await open();
  expect((await full.stats()).queued).toBe(4000);
  await expect(full.close()).resolves.toBeUndefined();
  expect(events).toContainEqual({
    type: 'error',
    message: expect.stringMatching(/^close: could not compact the job table \(.*\); every job is safe/),
  });
  // The CLI's read-only status: its own exit code, and the warning.
  const status = await runCliInProcess(['outbox', 'status', '--store', directory], {
    DIGILOCKER_OUTBOX_KEYS: KEY,
  });
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/^queued: +4000$/m);
  expect(status.stderr).toMatch(/^digilocker-revoke: warning: close: could not compact the job table/m);
  rmSync(filler);
  const again = await open();
  expect((await again.stats()).queued).toBe(4000);
  await again.close();
}, 240_000);

/**
 * Fills the file system but for `freeBytes`: less than a write-ahead log segment (16 MB), which
 * PostgreSQL creates whole, so that the job table can grow while the log cannot.
 */
function fillDiskBut(file: string, freeBytes: number): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  truncateSync(file, statSync(file).size - freeBytes);
}
