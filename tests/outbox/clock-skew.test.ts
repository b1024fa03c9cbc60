// Expiry on the database's clock (issue 21 item 11): a worker whose clock is off by hours ends no valid
// job as expired, and still ends an expired one, because the age of a job is read from the times the
// database set (created, fetched) and compared with the lifetime it was given when it was queued.
import pg from 'pg';
import { type OutboxEvent, openRevocationOutbox, type RevocationOutboxOptions } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

const HOURS_2 = 2 * 3600_000;

describeWithPostgres("a worker whose clock is wrong, and the database's clock", () => {
  let mock: MockDigiLocker;
  let schema: string;
  let events: OutboxEvent[];
  const realNow = Date.now.bind(Date);
  const options = (): RevocationOutboxOptions => ({
    store: { connectionString: DATABASE_URL as string, maxConnections: 4 },
    encryptionKeys: [KEY],
    schema,
    pollIntervalMs: 100,
    onEvent: (event) => events.push(event),
  });

  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('clock');
    events = [];
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await mock.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
    await pool.end();
  });

  /** Runs the queue to its end with this process's clock moved by `skewMs`. */
  async function drainWithClockOff(skewMs: number) {
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
    const worker = await openRevocationOutbox({ ...options(), client: clientOf(mock) });
    try {
      return await worker.drain();
    } finally {
      await worker.close();
    }
  }

  test('a worker 2 h ahead sends access-token jobs that live an hour: none ends expired', async () => {
    const enqueuer = await openRevocationOutbox(options());
    const sessions = Array.from({ length: 5 }, () => mock.issueTokens());
    // Only access tokens: each job lives an hour from its enqueue.
    await enqueuer.enqueueBatch(sessions.map(({ accessToken }) => ({ accessToken })));
    await enqueuer.close();
    const stats = await drainWithClockOff(HOURS_2);
    expect(stats).toMatchObject({ revoked: 5, expired: 0 });
    expect(events.filter((event) => event.type === 'expired')).toEqual([]);
    for (const { accessToken } of sessions) expect(mock.isActive(accessToken)).toBe(false);
  }, 60_000);

  test('a worker 2 h behind ends a job whose lifetime has passed as expired, with no request', async () => {
    const enqueuer = await openRevocationOutbox(options());
    const tokens = mock.issueTokens();
    await enqueuer.enqueue(tokens, { expiresAt: realNow() + 1000 });
    await enqueuer.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stats = await drainWithClockOff(-HOURS_2);
    expect(stats).toMatchObject({ revoked: 0, expired: 1 });
    expect(mock.stats.revokeRequests).toBe(0);
  }, 60_000);
});
