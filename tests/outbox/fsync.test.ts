// The embedded store flushes every commit to the disk: SHOW fsync is on, and strace, attached to
// this process, sees fsync calls while jobs are enqueued (at least one per enqueue); with
// unsafeSkipFsync, none. Needs strace (CI: apt-get install strace; attaching needs ptrace rights).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRevocationOutbox } from '../../src/outbox';
import { openEmbeddedStore } from '../../src/outbox/store-pglite';
import { KEY, scratchDirectory, waitUntil } from './support';

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

const ENQUEUES = 20;

/** Counts the fsync and fdatasync calls of this process (all its threads) while `work` runs. */
async function syncCallsDuring(work: () => Promise<void>): Promise<number> {
  const lines = await callsDuring('fsync,fdatasync', work);
  return lines.filter((line) => /\b(fsync|fdatasync)\(/.test(line)).length;
}

/** The `syscalls` of this process (all its threads) while `work` runs, as strace prints them (paths of descriptors too). */
async function callsDuring(syscalls: string, work: () => Promise<void>): Promise<string[]> {
  const log = join(scratch.path, `strace-${Date.now()}.txt`);
  const strace: ChildProcess = spawn(
    'strace',
    ['-f', '-qq', '-y', '-e', `trace=${syscalls}`, '-o', log, '-p', String(process.pid)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let attached = '';
  strace.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    attached += chunk;
  });
  // strace writes the output file once it has attached to the first thread.
  await waitUntil(() => {
    try {
      readFileSync(log);
      return true;
    } catch {
      return strace.exitCode !== null;
    }
  });
  expect(strace.exitCode).toBeNull();
  await new Promise((resolve) => setTimeout(resolve, 500)); // the other threads
  try {
    await work();
  } finally {
    strace.kill('SIGINT');
    await new Promise((resolve) => strace.once('close', resolve));
  }
  expect(attached).not.toMatch(/Operation not permitted/);
  return readFileSync(log, 'utf8').split('\n');
}

async function enqueueSome(directory: string, unsafeSkipFsync: boolean): Promise<number> {
  const outbox = await openRevocationOutbox({
    store: { directory, unsafeSkipFsync },
    encryptionKeys: [KEY],
  });
  try {
    return await syncCallsDuring(async () => {
      for (let i = 0; i < ENQUEUES; i++) await outbox.enqueue({ refreshToken: `refresh-${i}` });
    });
  } finally {
    await outbox.close();
  }
}

test('strace is installed (the durability tests below need it)', () => {
  expect(() => execFileSync('strace', ['-V'])).not.toThrow();
});

test('a store opened with the defaults has fsync on; unsafeSkipFsync has it off', async () => {
  for (const [unsafeSkipFsync, expected] of [
    [false, 'on'],
    [true, 'off'],
  ] as const) {
    const store = await openEmbeddedStore({
      directory: join(scratch.path, `show-${expected}`),
      unsafeSkipFsync,
    });
    try {
      const { rows } = await store.db.executeSql('SHOW fsync');
      expect(rows).toEqual([{ fsync: expected }]);
    } finally {
      await store.close();
    }
  }
}, 120_000);

test('every enqueue is flushed to the disk: fsync calls, at least one per enqueue', async () => {
  expect(await enqueueSome(join(scratch.path, 'durable'), false)).toBeGreaterThanOrEqual(ENQUEUES);
}, 120_000);

test('with unsafeSkipFsync, enqueues issue no fsync at all', async () => {
  expect(await enqueueSome(join(scratch.path, 'unsafe'), true)).toBe(0);
}, 120_000);

test('a new store is flushed to the disk before it is renamed pgdata: a power cut cannot leave it half written', async () => {
  const directory = join(scratch.path, 'created');
  const lines = await callsDuring('fsync,rename,renameat,renameat2', async () => {
    await (await openEmbeddedStore({ directory, unsafeSkipFsync: false })).close();
  });
  const renamed = lines.findIndex((line) => /rename[^(]*\(.*\/pgdata\.creating", ".*\/pgdata"/.test(line));
  expect(renamed).toBeGreaterThan(0);
  const flushedBefore = lines
    .slice(0, renamed)
    .filter((line) => /fsync\(\d+<[^>]*pgdata\.creating\//.test(line));
  // Every relation file of the new database (hundreds), the catalog's among them.
  expect(flushedBefore.length).toBeGreaterThan(100);
  expect(flushedBefore.some((line) => /pgdata\.creating\/global\/pg_control>/.test(line))).toBe(true);
}, 120_000);
