// enqueueBatch under database faults on a real PostgreSQL server (a short statement_timeout on the
// role, a backend terminated while it waits on a lock or after its insert, a lock held then released,
// the connection cut at an exact point by a proxy): the result tells the truth, all or none: it
// rejects with no row committed and no `queued` event, or resolves with every row committed and one
// `queued` event each. A rejection says `committed: false` unless the connection was lost once COMMIT
// was sent (then 'unknown': it may have reached the server, and been carried out, or not).
import pg from 'pg';
import {
  EnqueueFailedError,
  type OutboxEvent,
  openRevocationOutbox,
  type RevocationOutbox,
} from '../../src/outbox';
import { QUEUE_NAME } from '../../src/outbox/queue';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { DATABASE_URL, describeWithPostgres, KEY, uniqueSchema, waitUntil } from './support';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

const BATCH = 2000;
const ROLE = `batch_faults_${process.pid}`;

describeWithPostgres('enqueueBatch under faults: all or none, reported as it happened', () => {
  let mock: MockDigiLocker;
  let admin: pg.Pool;
  const schema = uniqueSchema('bfault');
  let events: OutboxEvent[] = [];
  let table: string;

  /** An outbox whose connections log in as ROLE (its enqueue pool connects at the first enqueue). */
  async function open(port?: number): Promise<RevocationOutbox> {
    const url = new URL(DATABASE_URL as string);
    url.username = ROLE;
    if (port !== undefined) url.port = String(port);
    return openRevocationOutbox({
      store: { connectionString: url.toString(), maxConnections: 2, enqueueConnections: 1 },
      encryptionKeys: [KEY],
      schema,
      onEvent: (event) => events.push(event),
    });
  }

  const count = async () => (await admin.query(`SELECT count(*)::int AS n FROM ${schema}.job`)).rows[0].n;
  const batch = () => Array.from({ length: BATCH }, () => mock.issueTokens());

  /** Runs one batch and asserts that what it reported is what the database holds. */
  async function truthful(outbox: RevocationOutbox, during?: () => Promise<void>): Promise<'all' | 'none'> {
    const before = await count();
    events = [];
    const settled = outbox.enqueueBatch(batch()).then(
      (jobs) => ({ jobs }),
      (error: unknown) => ({ error }),
    );
    await during?.();
    const result = await settled;
    const queued = events.filter((event) => event.type === 'queued');
    if ('jobs' in result) {
      expect(await count()).toBe(before + BATCH);
      expect(queued.map((event) => (event as { jobId: string }).jobId)).toEqual(
        result.jobs.map((job) => job.id),
      );
      return 'all';
    }
    expect(await count()).toBe(before);
    expect(queued).toHaveLength(0);
    // The server refused the statement: the error says that nothing was committed.
    expect(result.error).toBeInstanceOf(EnqueueFailedError);
    expect(result.error).toMatchObject({ code: 'enqueue_failed', committed: false });
    expect((result.error as Error).message).toMatch(/^enqueueBatch: nothing was committed: .*SQLSTATE 57/);
    return 'none';
  }

  /** The backend of the outbox's enqueue pool, once it runs (or waits on) an insert. */
  async function enqueueBackend(waiting: 'Lock' | 'Timeout'): Promise<number> {
    let pid = 0;
    await waitUntil(async () => {
      const { rows } = await admin.query(
        `SELECT pid FROM pg_stat_activity WHERE usename = $1 AND state = 'active'
           AND query LIKE '%INSERT%' AND wait_event_type = $2`,
        [ROLE, waiting],
      );
      pid = rows[0]?.pid ?? 0;
      return pid !== 0;
    });
    return pid;
  }

  beforeAll(async () => {
    mock = await startMockDigiLocker();
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin.query(`CREATE ROLE ${ROLE} LOGIN SUPERUSER`);
    const outbox = await open(); // creates the schema
    await outbox.close();
    const { rows } = await admin.query(`SELECT table_name FROM ${schema}.queue WHERE name = $1`, [
      QUEUE_NAME,
    ]);
    table = `${schema}.${rows[0].table_name}`;
  });
  afterAll(async () => {
    await mock.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin.end();
  });

  test('a statement_timeout on the role, from too short to enough: each batch all or none', async () => {
    const seen = new Set<string>();
    // From 3 ms: a batch is INSERT_CHUNK jobs per statement, each faster than a statement of them all.
    for (const timeout of ['1ms', '3ms', '5ms', '10ms', '30ms', '100ms', '300ms', '0']) {
      await admin.query(`ALTER ROLE ${ROLE} SET statement_timeout = '${timeout}'`);
      const outbox = await open().catch(() => undefined);
      if (!outbox) continue; // too short for pg-boss to start: nothing to enqueue with
      try {
        seen.add(await truthful(outbox));
      } finally {
        await outbox.close();
      }
    }
    await admin.query(`ALTER ROLE ${ROLE} RESET statement_timeout`);
    // The shortest stops the batch (or pg-boss's start), the last one has no timeout.
    expect([...seen].sort()).toEqual(['all', 'none']);
  }, 120_000);

  test('the backend terminated while it waits on a lock: none', async () => {
    const outbox = await open();
    const holder = await admin.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${table} IN SHARE MODE`);
      const result = await truthful(outbox, async () => {
        const pid = await enqueueBackend('Lock');
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await holder.query('ROLLBACK');
      });
      expect(result).toBe('none');
      // The pool replaces the lost connection: the next batch commits.
      expect(await truthful(outbox)).toBe('all');
    } finally {
      holder.release();
      await outbox.close();
    }
  }, 60_000);

  test('the backend terminated after its insert, before its commit: none', async () => {
    await admin.query(`CREATE OR REPLACE FUNCTION ${schema}.linger() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$`);
    await admin.query(
      `CREATE TRIGGER linger AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.linger()`,
    );
    const outbox = await open();
    try {
      const result = await truthful(outbox, async () => {
        const pid = await enqueueBackend('Timeout'); // pg_sleep, after the rows were written
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      });
      expect(result).toBe('none');
    } finally {
      await admin.query(`DROP TRIGGER linger ON ${table}`);
      await outbox.close();
    }
  }, 60_000);

  test('a lock held for a while, then released: all', async () => {
    const outbox = await open();
    const holder = await admin.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${table} IN SHARE MODE`);
      const result = await truthful(outbox, async () => {
        await enqueueBackend('Lock');
        await new Promise((resolve) => setTimeout(resolve, 500));
        await holder.query('COMMIT');
      });
      expect(result).toBe('all');
    } finally {
      holder.release();
      await outbox.close();
    }
  }, 60_000);

  test('the connection lost during an insert, before COMMIT: none, and it says so', async () => {
    const url = new URL(DATABASE_URL as string);
    const proxy = await startTcpProxy(url.hostname, Number(url.port));
    const outbox = await open(proxy.port);
    const holder = await admin.connect();
    try {
      const before = await count();
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${table} IN SHARE MODE`);
      events = [];
      const settled = outbox.enqueueBatch(batch()).catch((error: unknown) => error);
      const pid = await enqueueBackend('Lock');
      await proxy.close(); // the network drops every connection; the backend still waits on the lock
      expectNoneCommitted(await settled, /lost \(.+\) before COMMIT was sent/);
      await holder.query('COMMIT'); // the insert runs, and its transaction, without COMMIT, ends
      await waitUntil(
        async () =>
          (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0,
      );
      expect(await count()).toBe(before);
    } finally {
      await holder.query('ROLLBACK').catch(() => {}); // the lock, if the test failed before its COMMIT
      holder.release();
      await outbox.close().catch(() => {});
    }
  }, 60_000);

  /**
   * A batch through a proxy that `fault` sets to fail a connection of the enqueue pool (`cutOn`,
   * `terminateWhenReady`). Returns its error, and how many of its jobs the store holds once every
   * connection of the outbox is gone.
   */
  async function faultyBatch(fault: (proxy: TcpProxy) => Promise<void>) {
    const url = new URL(DATABASE_URL as string);
    const proxy = await startTcpProxy(url.hostname, Number(url.port));
    const outbox = await open(proxy.port);
    const before = await count();
    events = [];
    const faulted = fault(proxy);
    const error = await outbox.enqueueBatch(batch()).catch((reason: unknown) => reason);
    await faulted; // it failed there, not elsewhere
    await outbox.close().catch(() => {});
    await proxy.close();
    const backends = 'SELECT 1 FROM pg_stat_activity WHERE usename = $1';
    await waitUntil(async () => (await admin.query(backends, [ROLE])).rowCount === 0);
    expect(events.filter((event) => event.type === 'queued')).toHaveLength(0);
    return { error, stored: (await count()) - before };
  }

  const cutBatch = (pattern: string | Buffer, options: { forward: boolean; skip?: number }) =>
    faultyBatch((proxy) => proxy.cutOn(pattern, options));

  test('the backend terminated the moment its connection was made: none, and no uncaught error', async () => {
    // The client reads the connection's ReadyForQuery and the FATAL error in one chunk: the error
    // comes while node-postgres hands the connection out, before an awaited connect() resumes. An
    // 'error' event nobody heard then ended the process (seen as a CLI run with no summary).
    const { error, stored } = await faultyBatch((proxy) => proxy.terminateWhenReady('I'));
    expectNoneCommitted(error, /lost \(terminating connection due to administrator command\) before COMMIT/);
    expect(stored).toBe(0);
  }, 60_000);

  test('the backend terminated as its last insert was answered: none, COMMIT not sent', async () => {
    // BEGIN and the batch's 4 inserts each end with a ReadyForQuery in a transaction: after the 5th,
    // COMMIT would be next. Sent on a connection known lost, it was never written, yet said 'unknown'.
    const { error, stored } = await faultyBatch((proxy) => proxy.terminateWhenReady('T', BATCH / 500));
    expectNoneCommitted(error, /SQLSTATE 57P01: terminating connection due to administrator command/);
    expect(stored).toBe(0);
  }, 60_000);

  function expectNoneCommitted(error: unknown, why: RegExp) {
    expect(error).toBeInstanceOf(EnqueueFailedError);
    expect(error).toMatchObject({ code: 'enqueue_failed', committed: false });
    expect((error as Error).message).toMatch(/^enqueueBatch: nothing was committed: /);
    expect((error as Error).message).toMatch(why);
  }

  /** node-postgres's COMMIT: a simple query message ('Q', its length, the text and a NUL). */
  const COMMIT = Buffer.from('Q\0\0\0\x0bCOMMIT\0', 'latin1');

  test('the connection cut during the second insert, before COMMIT: none, and it says so', async () => {
    // The first insert of the batch was answered; the start of the second reached the server. Its
    // parameter marks pg-boss's insert (its maintenance inserts into the job table too, without one).
    const insert = 'json_to_recordset($1::text::json)';
    const { error, stored } = await cutBatch(insert, { forward: true, skip: 1 });
    expectNoneCommitted(error, /lost \(.+\) before COMMIT was sent/);
    expect(stored).toBe(0);
  }, 60_000);

  test('the connection cut once COMMIT reached the server, before its answer: unknown (here, all)', async () => {
    const { error, stored } = await cutBatch(COMMIT, { forward: true });
    expect(error).toBeInstanceOf(EnqueueFailedError);
    expect(error).toMatchObject({ code: 'enqueue_failed', committed: 'unknown' });
    expect((error as Error).message).toMatch(/may have been committed, all of them, or none/);
    expect(stored).toBe(BATCH); // why 'unknown' is the truth: the server committed, the client never heard
  }, 60_000);

  test('COMMIT sent, and lost on its way: unknown too (here, none), as the client cannot tell', async () => {
    const { error, stored } = await cutBatch(COMMIT, { forward: false });
    expect(error).toMatchObject({ code: 'enqueue_failed', committed: 'unknown' });
    expect(stored).toBe(0);
  }, 60_000);
});
