// A database hiccup mid-drain (issue 21 item 7): backends terminated while jobs are sent. Every job
// ends once, within seconds of the hiccup, with no second request for a job already answered, and
// drain() resolves instead of rejecting with the driver's error.
import pg from 'pg';
import { type OutboxEvent, openRevocationOutbox, StoreUnavailableError } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';
import { startTcpProxy } from './tcp-proxy';

const JOBS = 120;

describeWithPostgres('a database hiccup mid-drain', () => {
  let mock: MockDigiLocker;
  let admin: pg.Pool;
  let schema: string;
  beforeAll(() => {
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(() => admin.end());
  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('hiccup');
  });
  afterEach(async () => {
    await mock.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
  });

  /** The store's connection string, under an application name of this test's own (terminated below). */
  const storeOf = (connectTimeoutMs = 10_000) => ({
    connectionString: `${DATABASE_URL}?application_name=${schema}`,
    connectTimeoutMs,
  });

  /** Terminates every backend of the outbox under test; resolves with how many. */
  async function terminateBackends(): Promise<number> {
    const { rows } = await admin.query(
      'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [schema],
    );
    return rows[0].n;
  }

  test('backends terminated while jobs are sent: each job ends once, no request twice, drain resolves', async () => {
    const events: OutboxEvent[] = [];
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: storeOf(),
      encryptionKeys: [KEY],
      schema,
      concurrency: 8,
      pollIntervalMs: 100,
      onEvent: (event) => events.push(event),
    });
    try {
      const sessions = Array.from({ length: JOBS }, () => mock.issueTokens());
      await outbox.enqueueBatch(sessions);
      // Each request takes a while, so that terminations find statements and jobs in flight.
      mock.inject({ type: 'delay', ms: 40 }, { times: 4 * JOBS });
      const drained = outbox.drain();
      let terminated = 0;
      for (let round = 0; round < 8; round++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        terminated += await terminateBackends();
      }
      const hiccupEnded = Date.now();
      const stats = await drained;
      const recoveryMs = Date.now() - hiccupEnded;
      expect(terminated).toBeGreaterThan(0);
      expect(stats).toMatchObject({ queued: 0, running: 0, retrying: 0, dead: 0, revoked: JOBS });
      // Within seconds of the hiccup, not after pg-boss's expiry (jobTimeoutSeconds, 180 s).
      expect(recoveryMs).toBeLessThan(30_000);
      const ended = events.filter((event) => event.type === 'revoked').map((event) => event.jobId);
      expect(new Set(ended).size).toBe(JOBS);
      expect(ended.length).toBe(JOBS);
      // signOut sends two requests per session: any job sent twice would add to them.
      expect(mock.stats.revokeRequests).toBe(2 * JOBS);
      for (const tokens of sessions) expect(mock.isActive(tokens.refreshToken)).toBe(false);
    } finally {
      await outbox.close();
    }
  }, 120_000);

  test('a server that stays away: drain rejects with a StoreUnavailableError once connectTimeoutMs has passed', async () => {
    const url = new URL(DATABASE_URL as string);
    const proxy = await startTcpProxy(url.hostname, Number(url.port));
    url.host = `127.0.0.1:${proxy.port}`;
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: url.toString(), connectTimeoutMs: 1000 },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
    });
    try {
      mock.inject({ type: 'delay', ms: 5000 }, { times: 10 });
      await outbox.enqueue(mock.issueTokens());
      const drained = outbox.drain().catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Every connection is destroyed and new ones are refused: the server is gone for good.
      await proxy.close();
      const startedAt = Date.now();
      const error = await drained;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ code: 'store_unavailable' });
      expect((error as Error).message).toContain('store.connectTimeoutMs');
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    } finally {
      await outbox.close().catch(() => {});
    }
  }, 60_000);
});
