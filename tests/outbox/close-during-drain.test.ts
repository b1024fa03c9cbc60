// A close() that comes as drain() reads its final counts: the drain resolves with them (close waits for
// that read), instead of failing with the store closed under it. The read is held back here (a slow
// link, as an operator's shutdown meets it) so that close() lands inside it.
import { openRevocationOutbox } from '../../src/outbox';
import * as stats from '../../src/outbox/stats';
import { clientOf, KEY, useMockAndScratch } from './support';

jest.mock('../../src/outbox/stats', () => {
  const actual = jest.requireActual('../../src/outbox/stats');
  return { ...actual, readStats: jest.fn(actual.readStats) };
});

const { mock, scratch } = useMockAndScratch();

test("close() during drain's final count: the drain resolves with its counts", async () => {
  const outbox = await openRevocationOutbox({
    client: clientOf(mock()),
    store: { directory: scratch.path, unsafeSkipFsync: true },
    encryptionKeys: [KEY],
  });
  await outbox.enqueue({ refreshToken: mock().issueTokens().refreshToken });
  const readStats = stats.readStats as jest.MockedFunction<typeof stats.readStats>;
  const actual = jest.requireActual<typeof stats>('../../src/outbox/stats').readStats;
  let closing: Promise<void> | undefined;
  readStats.mockImplementationOnce(async (...args) => {
    closing = outbox.close(); // the shutdown lands while the count is being read
    await new Promise((resolve) => setTimeout(resolve, 200));
    return actual(...args);
  });
  await expect(outbox.drain()).resolves.toMatchObject({ revoked: 1 });
  await closing;
}, 60_000);
