// A job whose process died is put back in the queue due at once, whatever its last backoff was: when
// pg-boss expires it (jobTimeoutSeconds) and when the embedded store finds it left running at open.
// On a real PostgreSQL server, with pg-boss's own expiry statement.
import pg from 'pg';
import { openRevocationOutbox } from '../../src/outbox';
import { requeueRunningJobs } from '../../src/outbox/jobs';
import { loadPgBoss } from '../../src/outbox/load';
import { normalizeOutboxOptions, OUTBOX_DEFAULTS } from '../../src/outbox/options';
import { startQueue } from '../../src/outbox/queue';
import { openServerStore } from '../../src/outbox/store-postgres';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema, waitUntil } from './support';

/** Runs pg-boss's maintenance on the queue now (it fails jobs running longer than their expiry). */
async function superviseNow(schema: string): Promise<void> {
  const { PgBoss } = await loadPgBoss();
  const boss = new PgBoss({
    connectionString: DATABASE_URL as string,
    schema,
    supervise: false,
    schedule: false,
  });
  await boss.start();
  try {
    await boss.supervise('digilocker-revocation');
  } finally {
    await boss.stop({ graceful: false });
  }
}

describeWithPostgres('a job whose process died', () => {
  let mock: MockDigiLocker;
  let pool: pg.Pool;
  let schema: string;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(() => pool.end());
  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('requeue');
  });
  afterEach(async () => {
    await mock.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  /** Seconds until the job is due (negative: overdue). */
  const dueInSeconds = async (id: string) =>
    Number(
      (
        await pool.query(
          `SELECT extract(epoch FROM start_after - now()) AS s FROM ${schema}.job WHERE id = $1`,
          [id],
        )
      ).rows[0].s,
    );

  test('expired by pg-boss after a retry with a long backoff, it is due at once', async () => {
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: DATABASE_URL as string, maxConnections: 3 },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
      retry: { minDelaySeconds: 3000, maxDelaySeconds: 3000 },
    });
    let id = '';
    try {
      mock.inject({ type: 'status', status: 503 }, { times: 4 });
      id = (await outbox.enqueue(mock.issueTokens())).id;
      outbox.start();
      await waitUntil(async () => (await outbox.stats()).retrying === 1);
      expect(await dueInSeconds(id)).toBeGreaterThan(1000); // the backoff is honoured
    } finally {
      await outbox.close();
    }
    // Its retry became due, a worker took it, and its process died.
    await pool.query(
      `UPDATE ${schema}.job SET state = 'active', started_on = now() - interval '1 hour',
         retry_count = retry_count + 1 WHERE id = $1`,
      [id],
    );
    await superviseNow(schema);
    expect((await pool.query(`SELECT state FROM ${schema}.job WHERE id = $1`, [id])).rows[0].state).toBe(
      'retry',
    );
    expect(await dueInSeconds(id)).toBeLessThan(1);
  }, 30_000);

  test('left running with an old retry delay (embedded store, at open), it is due at once', async () => {
    const settings = {
      connectionString: DATABASE_URL as string,
      maxConnections: 2,
      connectTimeoutMs: OUTBOX_DEFAULTS.connectTimeoutMs,
      queryTimeoutMs: OUTBOX_DEFAULTS.queryTimeoutMs,
    };
    const store = await openServerStore(settings);
    const options = normalizeOutboxOptions({ store: settings, encryptionKeys: [KEY], schema });
    const queue = await startQueue((await loadPgBoss()).PgBoss, store, options, () => {});
    try {
      const id = (await queue.boss.send(queue.name, { x: 1 }, { retryLimit: 1_000_000 })) as string;
      await pool.query(
        `UPDATE ${schema}.job SET state = 'active', started_on = now(), retry_count = 1, retry_delay = 3000
         WHERE id = $1`,
        [id],
      );
      await requeueRunningJobs(queue, [id]);
      expect((await pool.query(`SELECT state FROM ${schema}.job WHERE id = $1`, [id])).rows[0].state).toBe(
        'retry',
      );
      expect(await dueInSeconds(id)).toBeLessThan(1);
    } finally {
      await queue.boss.stop({ graceful: false, close: false });
      await store.close();
    }
  });
});
