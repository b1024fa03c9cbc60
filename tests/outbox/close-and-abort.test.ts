// Two promises of the outbox's API, on the embedded store: every close() resolves once the store is
// closed (a signal handler and a shutdown hook may both call it, then reopen the directory), and a
// drain given an aborted signal does no work at all.
import { openRevocationOutbox } from '../../src/outbox';
import { clientOf, KEY, useMockAndScratch } from './support';

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
