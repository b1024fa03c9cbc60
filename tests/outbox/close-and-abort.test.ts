// Promises of the outbox's API: every close() resolves once the store is closed (a signal handler and
// a shutdown hook may both call it, then reopen the directory), after every enqueue in flight has
// settled (on PostgreSQL too, with more enqueues than connections); a drain given an aborted signal
// does no work at all.
import { OutboxStateError, openRevocationOutbox } from '../../src/outbox';
import {
  clientOf,
  DATABASE_URL,
  describeWithPostgres,
  KEY,
  uniqueSchema,
  useMockAndScratch,
  within,
} from './support';

const { mock, scratch } = useMockAndScratch();

const open = () =>
  openRevocationOutbox({
    client: clientOf(mock()),
    store: { directory: scratch.path, unsafeSkipFsync: true },
    encryptionKeys: [KEY],
  });

test('a second close() resolves only once the store is closed: the directory reopens at once', async () => {
  const outbox = await open();
  await outbox.enqueue({ refreshToken: mock().issueTokens().refreshToken });
  void outbox.close();
  await outbox.close();
  const again = await open();
  await again.close();
}, 60_000);

test('drain with an aborted signal rejects with its reason, and sends nothing', async () => {
  const outbox = await open();
  try {
    await outbox.enqueue({ refreshToken: mock().issueTokens().refreshToken });
    const requestsBefore = mock().stats.revokeRequests;
    const queuedBefore = (await outbox.stats()).queued;
    const reason = new Error('already aborted');
    await expect(outbox.drain({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a worker that had started would send by now
    expect(mock().stats.revokeRequests).toBe(requestsBefore);
    expect((await outbox.stats()).queued).toBe(queuedBefore);
  } finally {
    await outbox.close();
  }
}, 60_000);

describeWithPostgres('close() on PostgreSQL', () => {
  test('waits for the enqueues in flight, more than its connections: each is queued; later ones are refused', async () => {
    const schema = uniqueSchema('close');
    const outbox = await openRevocationOutbox({
      store: { connectionString: DATABASE_URL as string, enqueueConnections: 1 },
      encryptionKeys: [KEY],
      schema,
    });
    const enqueues = Array.from({ length: 5 }, (_, i) =>
      outbox.enqueue({ refreshToken: `close-token-${i}` }),
    );
    const settled: PromiseSettledResult<unknown>[] = [];
    void Promise.allSettled(enqueues).then((results) => settled.push(...results));
    await outbox.close();
    await new Promise((resolve) => setImmediate(resolve));
    // Before, close() resolved with an enqueue still waiting for a connection of the pool it ended:
    // that enqueue never settled, or failed with a bare "Cannot use a pool after calling end".
    expect(settled.map((result) => result.status)).toEqual(Array(5).fill('fulfilled'));
    await expect(outbox.enqueue({ refreshToken: 'too-late' })).rejects.toThrow(OutboxStateError);
    const reopened = await openRevocationOutbox({
      store: { connectionString: DATABASE_URL as string },
      encryptionKeys: [KEY],
      schema,
    });
    try {
      expect((await reopened.stats()).queued).toBe(5);
    } finally {
      await reopened.close();
    }
  }, 60_000);

  test("does not wait for an enqueue in the caller's own transaction, which it does not end", async () => {
    const outbox = await openRevocationOutbox({
      store: { connectionString: DATABASE_URL as string },
      encryptionKeys: [KEY],
      schema: uniqueSchema('close'),
    });
    // The caller's connection never answers (a blackholed database, a client with no query timeout).
    const stuck = { executeSql: () => new Promise<never>(() => {}) };
    void outbox.enqueue({ refreshToken: 'in-a-stuck-transaction' }, { db: stuck }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await within(outbox.close(), 10_000)).toBe('resolved');
  }, 60_000);
});
