// The outbox on a real PostgreSQL server (scripts/start-postgres.sh), in this process: enqueue and
// drain, transactions, retries, expiry, refused credentials, rate limits, dead jobs, keys, stop().
import pg from 'pg';
import {
  KeyMismatchError,
  type OutboxEvent,
  openRevocationOutbox,
  PausedForCredentialsError,
  type RevocationOutbox,
  type RevocationOutboxOptions,
} from '../../src/outbox';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema, waitUntil } from './support';

describeWithPostgres('outbox on PostgreSQL', () => {
  let mock: MockDigiLocker;
  let pool: pg.Pool;
  let schema: string;
  let events: OutboxEvent[];
  const opened: RevocationOutbox[] = [];

  async function open(options: Partial<RevocationOutboxOptions> = {}): Promise<RevocationOutbox> {
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: DATABASE_URL as string, maxConnections: 4 },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
      retry: { minDelaySeconds: 1, maxDelaySeconds: 1 },
      onEvent: (event) => events.push(event),
      ...options,
    });
    opened.push(outbox);
    return outbox;
  }

  const rows = async (sql: string) => (await pool.query(sql)).rows;
  const ofType = <T extends OutboxEvent['type']>(type: T) =>
    events.filter((event): event is Extract<OutboxEvent, { type: T }> => event.type === type);

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(() => pool.end());
  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema();
    events = [];
  });
  afterEach(async () => {
    for (const outbox of opened.splice(0)) await outbox.close();
    await mock.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
  });

  test('enqueue commits a job; drain revokes the refresh token, then the access token; nothing of them remains', async () => {
    const outbox = await open();
    const tokens = mock.issueTokens();
    const job = await outbox.enqueue(tokens, { ref: 'user-42' });
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await outbox.stats()).toMatchObject({ queued: 1, revoked: 0 });

    expect(await outbox.drain()).toMatchObject({ queued: 0, running: 0, retrying: 0, revoked: 1 });
    expect(mock.isActive(tokens.refreshToken)).toBe(false);
    expect(mock.isActive(tokens.accessToken)).toBe(false);
    expect(events.map((event) => event.type)).toEqual(['queued', 'attempt', 'revoked']);
    expect(ofType('queued')[0]).toMatchObject({
      jobId: job.id,
      ref: 'user-42',
      fingerprints: job.fingerprints,
    });
    expect(ofType('revoked')[0]).toMatchObject({
      jobId: job.id,
      outcome: 'revoked',
      confirmed: true,
      attempt: 1,
    });

    const [stored] = await rows(`SELECT state, data, output FROM ${schema}.job`);
    expect(stored.state).toBe('completed');
    expect(Object.keys(stored.data).sort()).toEqual(['exp', 'fp', 'outcome', 'ref', 'v']);
    expect(JSON.stringify(events)).not.toContain(tokens.refreshToken);
  });

  test('in a transaction: a rollback queues nothing, a commit queues a job that is revoked', async () => {
    const outbox = await open();
    const connection = await pool.connect();
    try {
      const rolledBack = mock.issueTokens();
      await connection.query('BEGIN');
      await outbox.enqueue(rolledBack, { db: connection });
      await connection.query('ROLLBACK');
      expect(await outbox.stats()).toMatchObject({ queued: 0 });

      const committed = mock.issueTokens();
      await connection.query('BEGIN');
      await outbox.enqueue(committed, { db: connection });
      expect(await outbox.stats()).toMatchObject({ queued: 0 }); // not visible before the commit
      await connection.query('COMMIT');
      expect(await outbox.drain()).toMatchObject({ revoked: 1 });
      expect(mock.isActive(committed.refreshToken)).toBe(false);
      expect(mock.isActive(rolledBack.refreshToken)).toBe(true);
    } finally {
      connection.release();
    }
  });

  test('a failed attempt is retried after a backoff delay until the job is revoked', async () => {
    const outbox = await open();
    // Two attempts of the job fail: each sends two tokens, each tried twice by the client.
    mock.inject({ type: 'status', status: 503 }, { times: 8 });
    const tokens = mock.issueTokens();
    await outbox.enqueue(tokens);
    expect(await outbox.drain()).toMatchObject({ revoked: 1, retrying: 0 });
    const retries = ofType('retry_scheduled');
    expect(retries.map((event) => [event.attempt, event.code])).toEqual([
      [1, 'server_error'],
      [2, 'server_error'],
    ]);
    expect(ofType('revoked')[0]).toMatchObject({ attempt: 3 });
  }, 30_000);

  test('a job whose expiresAt passes ends expired, without a request, and keeps no ciphertext', async () => {
    const outbox = await open();
    mock.inject({ type: 'status', status: 503 }, { times: 1000 });
    await outbox.enqueue(mock.issueTokens(), { expiresAt: Date.now() + 1500 });
    expect(await outbox.drain()).toMatchObject({ expired: 1, revoked: 0, retrying: 0 });
    expect(ofType('expired')).toHaveLength(1);
    const sent = mock.stats.revokeRequests;
    expect(await rows(`SELECT 1 FROM ${schema}.job WHERE data ? 'ct'`)).toHaveLength(0);
    expect(mock.stats.revokeRequests).toBe(sent);
  }, 30_000);

  test('a job with only an access token expires after an hour by default', async () => {
    const outbox = await open();
    const before = Date.now();
    const job = await outbox.enqueue({ accessToken: mock.issueTokens().accessToken });
    expect(job.expiresAt.getTime() - before).toBeGreaterThanOrEqual(3600_000 - 1000);
    expect(job.expiresAt.getTime() - before).toBeLessThanOrEqual(3600_000 + 1000);
    const full = await outbox.enqueue(mock.issueTokens());
    expect(Math.round((full.expiresAt.getTime() - before) / 86_400_000)).toBe(30);
  });

  test('invalid_client: the queue pauses until the credentials change; an outbox with working ones revokes', async () => {
    const refused = await open({
      client: clientOf(mock, { credentials: { clientId: mock.clientId, clientSecret: 'wrong' } }),
      credentialsId: 'v1',
    });
    const tokens = mock.issueTokens();
    await refused.enqueue(tokens);
    await expect(refused.drain()).rejects.toBeInstanceOf(PausedForCredentialsError);
    expect(ofType('paused')).toEqual([{ type: 'paused', reason: 'invalid_client' }]);
    expect(ofType('retry_scheduled')).toHaveLength(0);
    expect((await refused.stats()).pause).toMatchObject({ reason: 'invalid_client' });
    // Paused for every instance with these credentials, until an operator resumes.
    const sameCredentials = await open({ credentialsId: 'v1' });
    await expect(sameCredentials.drain()).rejects.toBeInstanceOf(PausedForCredentialsError);
    await refused.close();
    await sameCredentials.close();

    const working = await open({ credentialsId: 'v2' });
    // Shown to every instance, holding only those with the refused credentials.
    expect((await working.stats()).pause).toMatchObject({
      reason: 'invalid_client',
      holdsThisInstance: false,
    });
    expect(await working.drain()).toMatchObject({ revoked: 1 });
    expect(mock.isActive(tokens.refreshToken)).toBe(false);
    expect(await working.resume()).toBe(true);
    expect(await working.resume()).toBe(false);
  }, 30_000);

  test('429 pauses this instance for its Retry-After, then the job is revoked', async () => {
    const outbox = await open({ client: clientOf(mock, { retry: false }) });
    mock.inject({ type: 'status', status: 429, retryAfter: '1' }, { times: 2 });
    await outbox.enqueue(mock.issueTokens());
    const startedAt = Date.now();
    expect(await outbox.drain()).toMatchObject({ revoked: 1 });
    expect(ofType('paused')[0]).toEqual({ type: 'paused', reason: 'rate_limited', delayMs: 1000 });
    expect(ofType('retry_scheduled')[0]).toMatchObject({ code: 'rate_limited' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  test('a refusal no retry can fix makes the job dead; retryDead queues it again, purgeDead deletes it', async () => {
    const outbox = await open();
    const invalidRequest = { type: 'status', status: 400, body: '{"error":"invalid_request"}' } as const;
    mock.inject(invalidRequest, { times: 2 });
    const tokens = mock.issueTokens();
    await outbox.enqueue(tokens);
    expect(await outbox.drain()).toMatchObject({ dead: 1, revoked: 0 });
    expect(ofType('dead')[0]).toMatchObject({ code: 'unexpected_response', attempt: 1 });
    expect(await outbox.retryDead()).toBe(1);
    expect(await outbox.drain()).toMatchObject({ dead: 0, revoked: 1 });
    expect(mock.isActive(tokens.refreshToken)).toBe(false);

    mock.inject(invalidRequest, { times: 2 });
    await outbox.enqueue(mock.issueTokens());
    expect(await outbox.drain()).toMatchObject({ dead: 1 });
    expect(await outbox.purgeDead()).toBe(1);
    expect(await outbox.stats()).toMatchObject({ dead: 0 });
    expect(await rows(`SELECT 1 FROM ${schema}.job WHERE data ? 'ct'`)).toHaveLength(0);
  }, 30_000);

  test('keys: a wrong key opens but its drain refuses and loses nothing; rotation decrypts old jobs and encrypts new ones with the new key', async () => {
    const oldKey = generateEncryptionKey();
    const newKey = generateEncryptionKey();
    const first = await open({ encryptionKeys: [oldKey] });
    const before = mock.issueTokens();
    await first.enqueue(before);
    await first.close();

    const wrong = await open({ encryptionKeys: [newKey] });
    const refused = wrong.drain();
    await expect(refused).rejects.toBeInstanceOf(KeyMismatchError);
    await expect(refused).rejects.toMatchObject({ code: 'key_mismatch', jobs: 1 });
    expect(ofType('retry_scheduled').map((event) => event.code)).toEqual(['unknown_key']);
    expect(mock.stats.revokeRequests).toBe(0);
    expect(await rows(`SELECT state FROM ${schema}.job`)).toEqual([{ state: 'retry' }]);
    await wrong.close();

    const rotated = await open({ encryptionKeys: [newKey, oldKey] });
    const after = mock.issueTokens();
    await rotated.enqueue(after);
    expect(new Set((await rows(`SELECT data->>'k' AS k FROM ${schema}.job`)).map((row) => row.k)).size).toBe(
      2,
    );
    expect(await rotated.drain()).toMatchObject({ revoked: 2 });
    await rotated.close();
    // Every job ended: the old key is no longer needed.
    await open({ encryptionKeys: [newKey] });
    expect(mock.isActive(before.refreshToken) || mock.isActive(after.refreshToken)).toBe(false);
  }, 30_000);

  test('stop() during a job lets it finish and records it', async () => {
    const outbox = await open();
    mock.inject({ type: 'delay', ms: 800 });
    await outbox.enqueue(mock.issueTokens());
    outbox.start();
    await waitUntil(() => ofType('attempt').length === 1);
    await outbox.stop();
    expect(ofType('revoked')).toHaveLength(1);
    expect(await outbox.stats()).toMatchObject({ running: 0, revoked: 1 });
  });

  test('an onEvent that throws does not stop the queue', async () => {
    const outbox = await open({
      onEvent: () => {
        throw new Error('faulty logger');
      },
    });
    await outbox.enqueue(mock.issueTokens());
    expect(await outbox.drain()).toMatchObject({ revoked: 1 });
  });

  test('enqueueBatch commits many sign-outs in one statement', async () => {
    const outbox = await open();
    const batch = Array.from({ length: 50 }, () => mock.issueTokens());
    const ids = await outbox.enqueueBatch(batch);
    expect(new Set(ids).size).toBe(50);
    expect(await outbox.drain()).toMatchObject({ revoked: 50 });
    expect(batch.every((tokens) => !mock.isActive(tokens.refreshToken))).toBe(true);
  });
});
