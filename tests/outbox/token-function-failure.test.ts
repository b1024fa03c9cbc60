// An access-token function that fails (here: it returns a token no header can carry) is not DigiLocker
// refusing the credentials: no request was sent. The job is retried; no instance is paused.
import { type OutboxEvent, openRevocationOutbox } from '../../src/outbox';
import { clientOf, KEY, useMockAndScratch, waitUntil } from './support';

const { mock, scratch } = useMockAndScratch();

test('a failing access-token function retries the job and pauses nothing', async () => {
  const events: OutboxEvent[] = [];
  const outbox = await openRevocationOutbox({
    client: clientOf(mock(), { credentials: undefined, accessToken: () => '' }),
    store: { directory: scratch.path, unsafeSkipFsync: true },
    encryptionKeys: [KEY],
    pollIntervalMs: 100,
    onEvent: (event) => events.push(event),
  });
  try {
    await outbox.enqueue({ refreshToken: mock().issueTokens().refreshToken });
    outbox.start();
    await waitUntil(() => events.some((event) => event.type === 'retry_scheduled'), 30_000);
    expect(events.find((event) => event.type === 'retry_scheduled')).toMatchObject({
      code: 'invalid_client',
    });
    expect(events.filter((event) => event.type === 'paused')).toEqual([]);
    expect((await outbox.stats()).pause).toBeNull();
    expect(mock().stats.revokeRequests).toBe(0);
  } finally {
    await outbox.close();
  }
}, 60_000);
