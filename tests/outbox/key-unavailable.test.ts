// A job sealed with a key no instance holds (a lost key, a rotation rolled back): given back a bounded
// number of times, then dead with code 'key_unavailable' (issue 21 item 10), so that drain() ends; it
// keeps its ciphertext, and retryDead() from an instance given the key sends it.
import pg from 'pg';
import { type OutboxEvent, openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { MAX_KEY_MISSES } from '../../src/outbox/runner';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema, waitUntil } from './support';

describeWithPostgres('a job under a key no instance holds', () => {
  const lostKey = generateEncryptionKey();
  let mock: MockDigiLocker;
  let schema: string;
  const opened: RevocationOutbox[] = [];

  async function open(keys: string[], events: OutboxEvent[] = []): Promise<RevocationOutbox> {
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: DATABASE_URL as string, maxConnections: 3 },
      encryptionKeys: keys,
      schema,
      pollIntervalMs: 100,
      retry: { minDelaySeconds: 1, maxDelaySeconds: 1 },
      onEvent: (event) => events.push(event),
    });
    opened.push(outbox);
    return outbox;
  }

  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('lostkey');
  });
  afterEach(async () => {
    for (const outbox of opened.splice(0)) await outbox.close();
    await mock.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
    await pool.end();
  });

  test(`given back ${MAX_KEY_MISSES - 1} times, then dead (key_unavailable); retryDead with the key sends it`, async () => {
    const tokens = mock.issueTokens();
    const sealer = await open([lostKey]);
    const job = await sealer.enqueue(tokens);
    await sealer.close();
    const events: OutboxEvent[] = [];
    const worker = await open([KEY], events);
    worker.start();
    await waitUntil(async () => (await worker.stats()).dead === 1, 60_000);
    await worker.stop();
    const givenBack = events.filter((event) => event.type === 'retry_scheduled');
    expect(givenBack).toHaveLength(MAX_KEY_MISSES - 1);
    for (const event of givenBack) expect(event).toMatchObject({ jobId: job.id, code: 'unknown_key' });
    expect(events.filter((event) => event.type === 'dead')).toEqual([
      expect.objectContaining({ jobId: job.id, code: 'key_unavailable' }),
    ]);
    expect(mock.stats.revokeRequests).toBe(0);
    // drain() ends: the job is dead, not waiting.
    expect(await worker.drain()).toMatchObject({ queued: 0, retrying: 0, running: 0, dead: 1 });
    const recovered = await open([KEY, lostKey]);
    expect(await recovered.retryDead()).toBe(1);
    expect(await recovered.drain()).toMatchObject({ revoked: 1, dead: 0 });
    expect(mock.isActive(tokens.refreshToken)).toBe(false);
  }, 90_000);
});
