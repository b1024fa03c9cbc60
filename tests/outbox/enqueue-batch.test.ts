// enqueueBatch on a real PostgreSQL server: inside the caller's transaction (db), its input checked
// before any write (a sparse array too), and `ref` in the events of every job it queued.
import pg from 'pg';
import { InputTypeError } from '../../src';
import { type OutboxEvent, openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

describeWithPostgres('enqueueBatch', () => {
  let mock: MockDigiLocker;
  let pool: pg.Pool;
  let schema: string;
  let events: OutboxEvent[];
  let outbox: RevocationOutbox;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(() => pool.end());
  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('batch');
    events = [];
    outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: DATABASE_URL as string, maxConnections: 3 },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
      retry: { minDelaySeconds: 1, maxDelaySeconds: 1 },
      onEvent: (event) => events.push(event),
    });
  });
  afterEach(async () => {
    await outbox.close();
    await mock.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  test('with db: a ROLLBACK queues nothing, a COMMIT queues the batch', async () => {
    const connection = await pool.connect();
    try {
      await connection.query('BEGIN');
      await outbox.enqueueBatch([{ refreshToken: mock.issueTokens().refreshToken }], { db: connection });
      await connection.query('ROLLBACK');
      expect(await outbox.stats()).toMatchObject({ queued: 0 });

      await connection.query('BEGIN');
      const sessions = [mock.issueTokens(), mock.issueTokens()];
      await outbox.enqueueBatch(sessions, { db: connection });
      expect(await outbox.stats()).toMatchObject({ queued: 0 }); // not visible before the commit
      await connection.query('COMMIT');
      expect(await outbox.stats()).toMatchObject({ queued: 2 });
    } finally {
      connection.release();
    }
  });

  test('a sparse array is an InputTypeError naming the hole, and nothing is stored', async () => {
    // biome-ignore lint/suspicious/noSparseArray: the input under test.
    const sparse = [, { refreshToken: mock.issueTokens().refreshToken }];
    await expect(outbox.enqueueBatch(sparse as never)).rejects.toBeInstanceOf(InputTypeError);
    await expect(outbox.enqueueBatch(sparse as never)).rejects.toMatchObject({
      code: 'invalid_token_input',
      input: 'batch[0]',
      message: 'batch[0] must be an object { accessToken?, refreshToken? }, got undefined',
    });
    expect(await outbox.stats()).toMatchObject({ queued: 0 });
  });

  test('ref is in the events of each job: queued, attempt, revoked, retry_scheduled, dead', async () => {
    const revoked = mock.issueTokens();
    await outbox.enqueueBatch([revoked], { ref: 'user-1' });
    mock.inject({ type: 'status', status: 503 }, { times: 4 });
    expect(await outbox.drain()).toMatchObject({ revoked: 1 });
    mock.inject({ type: 'status', status: 400, body: '{"error":"invalid_request"}' }, { times: 2 });
    await outbox.enqueue({ refreshToken: mock.issueTokens().refreshToken }, { ref: 'user-2' });
    expect(await outbox.drain()).toMatchObject({ dead: 1 });
    const jobEvents = events.filter((event) => 'jobId' in event);
    expect(new Set(jobEvents.map((event) => event.type))).toEqual(
      new Set(['queued', 'attempt', 'retry_scheduled', 'revoked', 'dead']),
    );
    for (const event of jobEvents)
      expect(event).toHaveProperty('ref', event.type === 'dead' ? 'user-2' : expect.any(String));
    expect(jobEvents.filter((event) => event.ref === 'user-1').map((event) => event.type)).toEqual([
      'queued',
      'attempt',
      'retry_scheduled',
      'attempt',
      'revoked',
    ]);
  }, 20_000);
});
