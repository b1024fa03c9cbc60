// A rolling key rotation on a real PostgreSQL server: an instance that does not hold a job's key gives
// the job back to the queue (for an instance that does) instead of killing it; a ciphertext that a key
// it holds cannot open (altered) is still dead, 'undecryptable'.
import pg from 'pg';
import { type OutboxEvent, openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, uniqueSchema, waitUntil } from './support';

describeWithPostgres('a rolling key rotation', () => {
  const oldKey = generateEncryptionKey();
  const newKey = generateEncryptionKey();
  let mock: MockDigiLocker;
  let pool: pg.Pool;
  let schema: string;
  const opened: RevocationOutbox[] = [];

  async function open(keys: string[], events: OutboxEvent[]): Promise<RevocationOutbox> {
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

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(() => pool.end());
  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('rotate');
  });
  afterEach(async () => {
    for (const outbox of opened.splice(0)) await outbox.close();
    await mock.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
  });

  test('an old instance gives a new-key job back to the queue; a rotated instance revokes it', async () => {
    const oldEvents: OutboxEvent[] = [];
    const newEvents: OutboxEvent[] = [];
    const old = await open([oldKey], oldEvents);
    const rotated = await open([newKey, oldKey], newEvents);
    const tokens = mock.issueTokens();
    old.start();
    const job = await rotated.enqueue(tokens, { ref: 'user-7' });
    await waitUntil(() => oldEvents.some((event) => event.type === 'retry_scheduled'));
    await old.stop();
    expect(oldEvents.find((event) => event.type === 'retry_scheduled')).toMatchObject({
      jobId: job.id,
      code: 'unknown_key',
      attempt: 1, // its first run, given back unsent
      ref: 'user-7',
    });
    expect(oldEvents.filter((event) => event.type === 'dead')).toEqual([]);
    expect(await old.stats()).toMatchObject({ dead: 0, retrying: 1 });
    expect(mock.revokeRequestsFor(tokens.refreshToken)).toBe(0);

    expect(await rotated.drain()).toMatchObject({ revoked: 1, dead: 0 });
    expect(mock.isActive(tokens.refreshToken)).toBe(false);
    expect(newEvents.find((event) => event.type === 'revoked')).toMatchObject({ jobId: job.id, attempt: 2 });
  });

  test('an old-key instance that restarts while new-key jobs are pending opens and gives them back', async () => {
    const rotated = await open([newKey, oldKey], []);
    const tokens = mock.issueTokens();
    const job = await rotated.enqueue(tokens);
    const oldEvents: OutboxEvent[] = [];
    const restarted = await open([oldKey], oldEvents); // no KeyMismatchError
    restarted.start();
    await waitUntil(() => oldEvents.some((event) => event.type === 'retry_scheduled'));
    await restarted.stop();
    expect(oldEvents.find((event) => event.type === 'retry_scheduled')).toMatchObject({
      jobId: job.id,
      code: 'unknown_key',
    });
    expect(mock.revokeRequestsFor(tokens.refreshToken)).toBe(0);
    expect(await rotated.drain()).toMatchObject({ revoked: 1, dead: 0 });
    expect(mock.isActive(tokens.refreshToken)).toBe(false);
  });

  test('a ciphertext that a key it holds cannot open is dead, undecryptable', async () => {
    const events: OutboxEvent[] = [];
    const outbox = await open([oldKey], events);
    const job = await outbox.enqueue(mock.issueTokens());
    await pool.query(
      `UPDATE ${schema}.job SET data = jsonb_set(data, '{ct}', to_jsonb(reverse(data->>'ct'))) WHERE id = $1`,
      [job.id],
    );
    expect(await outbox.drain()).toMatchObject({ dead: 1 });
    expect(events.find((event) => event.type === 'dead')).toMatchObject({
      jobId: job.id,
      code: 'undecryptable',
    });
  });

  test('a payload that is not an object (a string, null) ends dead, invalid_payload, instead of looping', async () => {
    const events: OutboxEvent[] = [];
    const outbox = await open([oldKey], events);
    const [first, second] = await outbox.enqueueBatch([mock.issueTokens(), mock.issueTokens()]);
    await pool.query(`UPDATE ${schema}.job SET data = '"a string"'::jsonb WHERE id = $1`, [first?.id]);
    await pool.query(`UPDATE ${schema}.job SET data = 'null'::jsonb WHERE id = $1`, [second?.id]);
    expect(await outbox.drain()).toMatchObject({ dead: 2, retrying: 0 });
    expect(events.filter((event) => event.type === 'dead').map((event) => event.code)).toEqual([
      'invalid_payload',
      'invalid_payload',
    ]);
    expect(mock.stats.revokeRequests).toBe(0);
  });
});
