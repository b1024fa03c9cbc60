// drain() while stop() or close() is called (e.g. a SIGTERM handler), on a real PostgreSQL server:
// drain settles at once, rejecting with an OutboxStateError that says which.
import pg from 'pg';
import { OutboxStateError, openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema, within } from './support';

describeWithPostgres('drain() interrupted', () => {
  let mock: MockDigiLocker;
  let schema: string;
  let outbox: RevocationOutbox;

  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('drainstop');
    outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: DATABASE_URL as string, maxConnections: 4 },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
      concurrency: 1,
    });
    await outbox.enqueueBatch(
      Array.from({ length: 40 }, () => ({ refreshToken: mock.issueTokens().refreshToken })),
    );
    mock.inject({ type: 'delay', ms: 100 }, { times: 40 });
  });
  afterEach(async () => {
    await outbox.close();
    await mock.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  test('by stop(): drain rejects with OutboxStateError "stopped" once stop() resolves', async () => {
    const drained = outbox.drain();
    drained.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    await outbox.stop();
    const error = await within(drained, 1000);
    expect(error).toBeInstanceOf(OutboxStateError);
    expect(error).toMatchObject({ code: 'stopped', message: expect.stringMatching(/stopped/) });
    expect((await outbox.stats()).queued).toBeGreaterThan(0);
  });

  test('by close(): drain rejects with OutboxStateError "closed"', async () => {
    const drained = outbox.drain();
    drained.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    await outbox.close();
    const error = await within(drained, 1000);
    expect(error).toBeInstanceOf(OutboxStateError);
    expect(error).toMatchObject({ code: 'closed', message: expect.stringMatching(/closed/) });
  });
});
