// The embedded store's worker thread (pglite-thread.ts), driven from the main thread: a call that
// cannot be sent to it leaves nothing behind, and a close after the thread died (terminated for real:
// its Worker is found through Worker.prototype.postMessage) says so.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type OutboxEvent, openRevocationOutbox } from '../../src/outbox';
import { openEmbeddedStore } from '../../src/outbox/store-pglite';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { runCliInProcess } from '../support/cli-in-process';
import { clientOf, KEY, scratchDirectory } from './support';

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

test('a call whose values cannot be sent to the thread rejects, and leaves no deadline to fail the store', async () => {
  const queryTimeoutMs = 2000;
  const store = await openEmbeddedStore({ directory: join(scratch.path, 'uncloneable'), queryTimeoutMs });
  try {
    for (const value of [() => 1, Symbol('s')]) {
      const error = await store.db.executeSql('SELECT $1::text AS x', [value]).catch((reason) => reason);
      expect(error).toMatchObject({ name: 'DataCloneError' });
    }
    // Past the deadline the calls above had: the store still works.
    await new Promise((resolve) => setTimeout(resolve, queryTimeoutMs + 500));
    await expect(store.db.executeSql('SELECT $1::text AS x', ['ok'])).resolves.toMatchObject({
      rows: [{ x: 'ok' }],
    });
  } finally {
    await store.close();
  }
}, 60_000);

describe('a close after the thread died', () => {
  let mock: MockDigiLocker;
  beforeAll(async () => {
    mock = await startMockDigiLocker();
  });
  afterAll(() => mock.close());
  afterEach(() => jest.restoreAllMocks());

  test('says the store stopped working and why, not that the job table could not be compacted; the jobs committed before are there at the next open', async () => {
    const directory = join(scratch.path, 'dead-thread');
    const events: OutboxEvent[] = [];
    const options = {
      client: clientOf(mock),
      store: { directory },
      encryptionKeys: [KEY],
      pollIntervalMs: 100,
      onEvent: (event: OutboxEvent) => events.push(event),
    };
    // Every call to the thread goes through its Worker's postMessage: its `this` is the thread.
    const postMessage = jest.spyOn(Worker.prototype, 'postMessage');
    const outbox = await openRevocationOutbox(options);
    const thread = postMessage.mock.contexts.at(-1) as Worker;
    const jobs = 40;
    await outbox.enqueueBatch(Array.from({ length: jobs }, () => mock.issueTokens()));
    await outbox.drain();
    // Terminated once idle: what is tested is the close that follows, and the jobs' survival, not a
    // death in the middle of a statement (the thread would be killed in the Jest process itself).
    await thread.terminate();
    await expect(outbox.close()).resolves.toBeUndefined();

    const errors = events.flatMap((event) => (event.type === 'error' ? [event.message] : []));
    expect(errors.filter((message) => message.startsWith('close:'))).toEqual([
      'close: the store stopped working before the job table was compacted: its thread ended (exit code 1). ' +
        'The jobs committed before it did are kept in its files, for the next open',
    ]);
    const again = await openRevocationOutbox({ ...options, client: undefined });
    const { pause, ...counts } = await again.stats();
    await again.close();
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(jobs);
  }, 60_000);

  test("the thread dying during the close's compaction: the CLI's warning says so", async () => {
    const directory = join(scratch.path, 'dead-at-close');
    const outbox = await openRevocationOutbox({ store: { directory }, encryptionKeys: [KEY] });
    await outbox.enqueueBatch([mock.issueTokens(), mock.issueTokens()]);
    await outbox.close();
    // The thread is terminated instead of being sent the compaction.
    const postMessage = Worker.prototype.postMessage;
    jest.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, call, ...rest) {
      if (String((call as { text?: unknown }).text).startsWith('VACUUM FULL')) return void this.terminate();
      return postMessage.call(this, call, ...rest);
    });
    const status = await runCliInProcess(['outbox', 'status', '--store', directory], {
      DIGILOCKER_OUTBOX_KEYS: KEY,
    });
    jest.restoreAllMocks();
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^queued: +2$/m);
    expect(status.stderr).toBe(
      'digilocker-revoke: warning: close: the store stopped working before the job table was compacted: ' +
        'its thread ended (exit code 1). The jobs committed before it did are kept in its files, for the next open\n',
    );
    const again = await openRevocationOutbox({ store: { directory }, encryptionKeys: [KEY] });
    expect((await again.stats()).queued).toBe(2);
    await again.close();
  }, 60_000);
});
