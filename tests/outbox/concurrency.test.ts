// `concurrency` bounds the requests in flight, while the workers hold a batch more (fetched while the
// others are sent): on a real PostgreSQL server, against the mock answering slowly, counting the
// requests the client has in flight.
import pg from 'pg';
import { openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

describeWithPostgres('outbox concurrency', () => {
  let mock: MockDigiLocker;
  let schema: string;
  let outbox: RevocationOutbox | undefined;

  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('conc');
  });
  afterEach(async () => {
    await outbox?.close();
    await mock.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  test.each([1, 3, 6])('concurrency %i: that many requests in flight, never more', async (concurrency) => {
    let inFlight = 0;
    let most = 0;
    const counting: typeof fetch = async (input, init) => {
      most = Math.max(most, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    outbox = await openRevocationOutbox({
      client: clientOf(mock, { fetch: counting }),
      store: { connectionString: DATABASE_URL as string },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
      concurrency,
    });
    const jobs = concurrency * 6;
    await outbox.enqueueBatch(
      Array.from({ length: jobs }, () => ({ refreshToken: mock.issueTokens().refreshToken })),
    );
    mock.inject({ type: 'delay', ms: 40 }, { times: jobs });
    const stats = await outbox.drain();
    expect(stats).toMatchObject({ queued: 0, retrying: 0, dead: 0 });
    expect(mock.stats).toMatchObject({ revokeRequests: jobs, revoked: jobs });
    expect(most).toBe(concurrency);
  });
});
