// start() while a drain() runs (a boot-time drain, then the application's workers): start() holds the
// workers until stop() or close(), so the drain's end leaves them running and a later job is sent.
import { openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, KEY, scratchDirectory, waitUntil } from './support';

describe('start() during drain()', () => {
  let mock: MockDigiLocker;
  let directory: ReturnType<typeof scratchDirectory>;
  let outbox: RevocationOutbox;

  beforeEach(async () => {
    mock = await startMockDigiLocker();
    directory = scratchDirectory();
    outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { directory: directory.path, unsafeSkipFsync: true },
      encryptionKeys: [KEY],
      pollIntervalMs: 500,
    });
  });
  afterEach(async () => {
    await outbox.close();
    await mock.close();
    directory.remove();
  });

  test('the workers keep running after the drain ends, and send a job queued later', async () => {
    const first = Array.from({ length: 3 }, () => mock.issueTokens());
    await outbox.enqueueBatch(first.map(({ refreshToken }) => ({ refreshToken })));
    mock.inject({ type: 'delay', ms: 500 }, { times: 3 });
    const drained = outbox.drain();
    await new Promise((resolve) => setTimeout(resolve, 100));
    outbox.start();
    await drained;
    expect(first.every((tokens) => !mock.isActive(tokens.refreshToken))).toBe(true);

    const later = mock.issueTokens();
    await outbox.enqueue({ refreshToken: later.refreshToken });
    await waitUntil(() => !mock.isActive(later.refreshToken), 5000);
  });

  test('a drain without start() still stops the workers it ran', async () => {
    const first = mock.issueTokens();
    await outbox.enqueue({ refreshToken: first.refreshToken });
    await outbox.drain();
    const later = mock.issueTokens();
    await outbox.enqueue({ refreshToken: later.refreshToken });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(mock.isActive(later.refreshToken)).toBe(true);
    expect((await outbox.stats()).queued).toBe(1);
  });

  test('two drains at once: the first to end does not stop the workers the other needs', async () => {
    await outbox.enqueueBatch(
      Array.from({ length: 4 }, () => ({ refreshToken: mock.issueTokens().refreshToken })),
    );
    mock.inject({ type: 'delay', ms: 300 }, { times: 4 });
    const one = outbox.drain();
    const two = outbox.drain();
    await expect(Promise.all([one, two])).resolves.toHaveLength(2);
    expect((await outbox.stats()).revoked).toBe(4);
  });
});
