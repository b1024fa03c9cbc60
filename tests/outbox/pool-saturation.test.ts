// A flood of enqueues on a real PostgreSQL server whose inserts are slow (a trigger sleeps in each):
// the enqueue pool saturates. The flood is refused at once, past a bounded wait, with an error that
// says so (not a timeout of a dead server); the workers and stats() keep their own pool; a slow but
// healthy enqueue still succeeds.
import pg from 'pg';
import {
  type OutboxEvent,
  openRevocationOutbox,
  type RevocationOutbox,
  StoreSaturatedError,
  StoreTimeoutError,
} from '../../src/outbox';
import { QUEUE_NAME } from '../../src/outbox/queue';
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

const MAX_WAITING = 10;

describeWithPostgres('a saturated enqueue pool', () => {
  let mock: MockDigiLocker;
  let pool: pg.Pool;
  let outbox: RevocationOutbox;
  const schema = uniqueSchema('sat');
  const events: OutboxEvent[] = [];

  beforeAll(async () => {
    mock = await startMockDigiLocker();
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: {
        connectionString: DATABASE_URL as string,
        maxConnections: 4,
        enqueueConnections: 1,
        maxWaiting: MAX_WAITING,
        connectTimeoutMs: 60_000,
      },
      encryptionKeys: [KEY],
      schema,
      concurrency: 2,
      pollIntervalMs: 100,
      onEvent: (event) => events.push(event),
    });
  });
  afterAll(async () => {
    await outbox.close();
    await mock.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
    await pool.end();
  });

  /** Makes every insert into the queue's table sleep `seconds` (a slow, healthy server). */
  async function slowInserts(seconds: number): Promise<void> {
    const { rows } = await pool.query(`SELECT table_name FROM ${schema}.queue WHERE name = $1`, [QUEUE_NAME]);
    const table = `${schema}.${rows[0].table_name}`;
    await pool.query(`CREATE OR REPLACE FUNCTION ${schema}.slow() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN PERFORM pg_sleep(${seconds}); RETURN NULL; END $$`);
    await pool.query(`DROP TRIGGER IF EXISTS slow ON ${table}`);
    await pool.query(
      `CREATE TRIGGER slow BEFORE INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.slow()`,
    );
  }

  const revoked = () => events.filter((event) => event.type === 'revoked').length;

  test('a flood is refused past maxWaiting with store_saturated; workers and stats() go on', async () => {
    await outbox.enqueueBatch(Array.from({ length: 10 }, () => mock.issueTokens()));
    await slowInserts(0.5);

    const flood = Array.from({ length: 400 }, () => outbox.enqueue(mock.issueTokens()));
    const settled = Promise.allSettled(flood);
    // The workers' pool is not behind the flood: stats() answers and the jobs queued before it end.
    expect(await within(outbox.stats(), 5000)).toBe('resolved');
    outbox.start();
    await waitUntil(() => revoked() >= 10, 10_000);

    const results = await settled;
    const rejected = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    const accepted = results.length - rejected.length;
    // At most one running and MAX_WAITING waiting at any time, plus those that ended during the flood.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(60);
    for (const error of rejected) {
      expect(error).toBeInstanceOf(StoreSaturatedError);
      expect(error).not.toBeInstanceOf(StoreTimeoutError);
      expect(error).toMatchObject({
        code: 'store_saturated',
        retryable: true,
        option: 'store.enqueueConnections',
      });
    }
    expect(rejected[0].message).toMatch(/enqueue pool .* is saturated/);
    expect(rejected[0].message).toMatch(/store\.maxWaiting.*raise store\.enqueueConnections/);
    expect(rejected[0].message).not.toContain('did not answer');
  }, 60_000);

  test('a slow but healthy enqueue still succeeds, and so does a burst within maxWaiting', async () => {
    await slowInserts(1);
    const slow = await outbox.enqueue(mock.issueTokens());
    expect(slow.id).toMatch(/^[0-9a-f-]{36}$/);
    const burst = await Promise.all(
      Array.from({ length: MAX_WAITING }, () => outbox.enqueue(mock.issueTokens())),
    );
    expect(burst).toHaveLength(MAX_WAITING);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM ${schema}.job WHERE id = ANY($1::uuid[])`,
      [[slow.id, ...burst.map((job) => job.id)]],
    );
    expect(rows[0].n).toBe(MAX_WAITING + 1);
  }, 60_000);

  test('a wait for a connection past connectTimeoutMs, while the server answers, says saturated', async () => {
    const second = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: DATABASE_URL as string, enqueueConnections: 1, connectTimeoutMs: 1000 },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
    });
    try {
      second.start(); // its workers poll: the server answers meanwhile
      await slowInserts(3);
      const results = await Promise.allSettled([1, 2, 3].map(() => second.enqueue(mock.issueTokens())));
      const rejected = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      expect(rejected.length).toBeGreaterThan(0);
      for (const error of rejected) {
        expect(error).toBeInstanceOf(StoreSaturatedError);
        expect(error.message).toMatch(
          /came free within 1000 ms \(store\.connectTimeoutMs\) while the server answered/,
        );
      }
    } finally {
      await second.close();
    }
  }, 60_000);

  test('maxWaiting 0: a statement runs when a connection is free, and never waits for one', async () => {
    const strict = await openRevocationOutbox({
      store: { connectionString: DATABASE_URL as string, enqueueConnections: 1, maxWaiting: 0 },
      encryptionKeys: [KEY],
      schema,
    });
    try {
      await slowInserts(0.3);
      await strict.enqueue(mock.issueTokens());
      await strict.enqueue(mock.issueTokens()); // the connection is idle again: it runs
      const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => strict.enqueue(mock.issueTokens())));
      const rejected = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected.length).toBeLessThan(5);
      for (const error of rejected) expect(error).toBeInstanceOf(StoreSaturatedError);
    } finally {
      await strict.close();
    }
  }, 60_000);

  test('a busy workers pool does not hold enqueue up', async () => {
    const narrow = await openRevocationOutbox({
      store: { connectionString: DATABASE_URL as string, maxConnections: 1, connectTimeoutMs: 60_000 },
      encryptionKeys: [KEY],
      schema,
    });
    await slowInserts(0);
    const holder = await pool.connect();
    try {
      // stats() reads the pause table: locked, it holds the only connection of pg-boss's pool.
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${schema}_pause.pause IN ACCESS EXCLUSIVE MODE`);
      const stats = [1, 2, 3].map(() => narrow.stats());
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await within(narrow.enqueue(mock.issueTokens()), 10_000)).toBe('resolved');
      await holder.query('COMMIT');
      await Promise.all(stats);
    } finally {
      holder.release();
      await narrow.close();
    }
  }, 60_000);
});
