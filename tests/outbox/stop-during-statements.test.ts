// stop(), close() and a drain's abort that come while the workers wait for the store (here: the pause
// table locked by another session, as a slow statement or a server under load holds them) take effect
// as soon as that statement ends. Before, the wake-up they send went to no one: the workers were not
// asleep yet, and slept a whole poll interval after the statement (up to 60 s), holding up stop() and
// close(); a stop() that came while the workers read the pause even started them, and the jobs they
// fetched were sent after stop() had been called.
import pg from 'pg';
import { openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import {
  clientOf,
  DATABASE_URL,
  describeWithPostgres,
  KEY,
  uniqueSchema,
  waitUntil,
  within,
} from './support';

/** Longer than any test waits: a wait of a whole poll interval shows as a call still pending. */
const POLL_INTERVAL_MS = 60_000;

describeWithPostgres('stop(), close() and abort while the workers wait for a statement', () => {
  const schema = uniqueSchema('stopst');
  let mock: MockDigiLocker;
  let admin: pg.Pool;
  let outbox: RevocationOutbox;

  beforeAll(async () => {
    mock = await startMockDigiLocker();
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await admin.query(
      `DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_pause CASCADE`,
    );
    await admin.end();
    await mock.close();
  });
  beforeEach(async () => {
    outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: DATABASE_URL as string },
      schema,
      encryptionKeys: [KEY],
      pollIntervalMs: POLL_INTERVAL_MS,
    });
  });
  afterEach(async () => {
    await within(outbox.close(), 10_000);
    await admin.query(`DELETE FROM ${schema}.job`);
  });

  /**
   * Runs `during` while the pause table is locked and a statement of the outbox waits on that lock
   * (what the workers read first each poll); then releases the lock.
   */
  async function whilePauseReadWaits(start: () => void, during: () => void): Promise<void> {
    const locker = await admin.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${schema}_pause.pause IN ACCESS EXCLUSIVE MODE`);
      start();
      await waitUntil(async () => {
        const { rows } = await admin.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
          [`%FROM ${schema}_pause.pause%`],
        );
        return rows.length > 0;
      });
      during();
      await locker.query('COMMIT');
    } finally {
      locker.release();
    }
  }

  test('stop() while the workers first read the pause: no job is sent after it', async () => {
    await outbox.enqueueBatch(Array.from({ length: 3 }, () => mock.issueTokens()));
    const sent = mock.stats.revokeRequests;
    let stopped: Promise<void> | undefined;
    await whilePauseReadWaits(
      () => outbox.start(),
      () => {
        stopped = outbox.stop();
      },
    );
    expect(await within(stopped as Promise<void>, 5000)).toBe('resolved');
    expect(mock.stats.revokeRequests).toBe(sent);
    expect((await outbox.stats()).queued).toBe(3);
  }, 30_000);

  test("a drain's signal aborted during its statements: rejects once they end", async () => {
    await outbox.enqueueBatch(Array.from({ length: 3 }, () => mock.issueTokens()));
    const controller = new AbortController();
    const reason = new Error('interrupted');
    let draining: Promise<unknown> | undefined;
    await whilePauseReadWaits(
      () => {
        draining = outbox.drain({ signal: controller.signal });
        draining.catch(() => {});
      },
      () => controller.abort(reason),
    );
    expect(await within(draining as Promise<unknown>, 5000)).toBe(reason);
  }, 30_000);

  test('close() while the workers first read the pause, the queue empty: resolves once the read ends', async () => {
    let closed: Promise<void> | undefined;
    await whilePauseReadWaits(
      () => outbox.start(),
      () => {
        closed = outbox.close();
      },
    );
    expect(await within(closed as Promise<void>, 5000)).toBe('resolved');
  }, 30_000);
});
