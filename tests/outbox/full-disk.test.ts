// The embedded store can never freeze the application that embeds it: PGlite runs in a worker
// thread, every call has a deadline (store.queryTimeoutMs), and a call not answered in time fails
// the store (StoreFailedError naming it) and every later call, while an HTTP server in this very
// process answers throughout. Then a small tmpfs filled until the write-ahead log cannot grow:
// enqueue rejects with the disk's error, every call settles within the deadline, and once space
// returns jobs are queued again. Needs root (mount); CI runs as root.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openRevocationOutbox, StoreFailedError } from '../../src/outbox';
import { openEmbeddedStore } from '../../src/outbox/store-pglite';
import { KEY, scratchDirectory, within } from './support';

const scratch = scratchDirectory();
const mountPoint = join(scratch.path, 'small-disk');
const DEADLINE_MS = 2000;
let server: Server;
let url: string;

beforeAll(async () => {
  mkdirSync(mountPoint);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountPoint]);
  server = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  execFileSync('umount', ['-l', mountPoint]);
  scratch.remove();
});

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
        'space, errors in the system log), then restart the process: the jobs committed before are kept',
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

test('a full disk: enqueue rejects, every call settles within the deadline, jobs queue again once space returns', async () => {
  const directory = join(mountPoint, 'store');
  const open = () =>
    openRevocationOutbox({ store: { directory, queryTimeoutMs: DEADLINE_MS }, encryptionKeys: [KEY] });
  let outbox = await open();
  try {
    await outbox.enqueue({ refreshToken: 'before-the-disk-filled' });
    const filler = join(mountPoint, 'filler');
    fillDiskBut(filler, 15 << 20);

    let failure: unknown;
    while (failure === undefined) {
      const batch = Array.from({ length: 200 }, (_, i) => ({ refreshToken: `r-${i}-${'x'.repeat(2000)}` }));
      const call = outbox.enqueueBatch(batch);
      expect(await serverAnswers()).toBe('ok');
      const outcome = await within(call, DEADLINE_MS + 8000);
      expect(outcome).not.toBe('pending');
      if (outcome !== 'resolved') failure = outcome;
    }
    expect(String(failure)).toMatch(/No space left on device|stopped working/);
    for (let i = 0; i < 3; i++) {
      const next = outbox.enqueue({ refreshToken: `after-the-failure-${i}` });
      expect(await serverAnswers()).toBe('ok');
      await expect(within(next, DEADLINE_MS + 8000)).resolves.toBeInstanceOf(Error);
    }

    rmSync(filler);
    if (
      await outbox.stats().then(
        () => false,
        (error) => error instanceof StoreFailedError,
      )
    ) {
      await outbox.close();
      outbox = await open(); // a failed store is reopened; its committed jobs are there
    }
    await expect(outbox.enqueue({ refreshToken: 'after-space-returned' })).resolves.toHaveProperty('id');
  } finally {
    await outbox.close().catch(() => {});
  }
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
