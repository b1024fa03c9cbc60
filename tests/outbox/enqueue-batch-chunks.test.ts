// enqueueBatch inserts a batch INSERT_CHUNK jobs per statement (one statement over 10,000 sign-outs of
// long tokens grew the embedded store's memory by a gigabyte, for good), in one transaction: a
// statement that fails after others ran leaves nothing queued, on either store, and the store works on.
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { InputTypeError } from '../../src';
import {
  EnqueueFailedError,
  type OutboxEvent,
  openRevocationOutbox,
  type RevocationOutbox,
  type RevocationOutboxOptions,
} from '../../src/outbox';
import { INSERT_CHUNK } from '../../src/outbox/enqueue';
import { QUEUE_NAME } from '../../src/outbox/queue';
import { DATABASE_URL, describeWithPostgres, KEY, scratchDirectory, uniqueSchema } from './support';

/** `count` sign-outs, each of two tokens of `length` characters (4,096: the longest accepted). */
function signOuts(count: number, length = 16) {
  const token = (kind: string, index: number) => `${kind}${index}-`.padEnd(length, 'x');
  return Array.from({ length: count }, (_, index) => ({
    accessToken: token('at', index),
    refreshToken: token('rt', index),
  }));
}

/**
 * A trigger after each insert statement into the queue: it writes how many jobs the queue holds to
 * `<schema>.totals`, and fails the statement when they are more than `most`.
 */
async function watchInserts(run: (sql: string) => Promise<unknown>, schema: string, most: number) {
  await run(`
    CREATE TABLE ${schema}.totals (jobs bigint);
    CREATE FUNCTION ${schema}.watch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ${schema}.totals SELECT count(*) FROM ${schema}.job;
      IF (SELECT count(*) FROM ${schema}.job) > ${most} THEN RAISE EXCEPTION 'more than ${most} jobs'; END IF;
      RETURN NULL;
    END $$;
    DO $$ BEGIN
      EXECUTE format('CREATE TRIGGER watch AFTER INSERT ON ${schema}.%I FOR EACH STATEMENT
        EXECUTE FUNCTION ${schema}.watch()', (SELECT table_name FROM ${schema}.queue WHERE name = '${QUEUE_NAME}'));
    END $$;`);
}

/** Enqueues a batch whose second statement fails: nothing is queued, and the store works on. */
async function expectNoneThenWorking(outbox: RevocationOutbox, events: OutboxEvent[]) {
  const error = await outbox.enqueueBatch(signOuts(2 * INSERT_CHUNK)).catch((failure: unknown) => failure);
  expect(error).toBeInstanceOf(EnqueueFailedError);
  expect(error).toMatchObject({ committed: false });
  expect((error as Error).message).toMatch(/^enqueueBatch: nothing was committed: .*more than \d+ jobs/);
  expect(events.filter((event) => event.type === 'queued')).toHaveLength(0);
  expect(await outbox.stats()).toMatchObject({ queued: 0 });
  // No transaction was left open: the next batch (one statement) commits, and is seen.
  await outbox.enqueueBatch(signOuts(10));
  expect(await outbox.stats()).toMatchObject({ queued: 10 });
}

describe('embedded store', () => {
  const schema = 'digilocker_outbox';
  let scratch: ReturnType<typeof scratchDirectory>;
  let events: OutboxEvent[];
  let options: RevocationOutboxOptions;

  /** Opens the store's database directly (the outbox closed) for `use`. */
  async function withDatabase<T>(use: (db: PGlite) => Promise<T>): Promise<T> {
    const db = await PGlite.create(join(scratch.path, 'pgdata'));
    try {
      return await use(db);
    } finally {
      await db.close();
    }
  }

  beforeEach(async () => {
    scratch = scratchDirectory();
    events = [];
    options = {
      store: { directory: scratch.path, unsafeSkipFsync: true },
      encryptionKeys: [KEY],
      onEvent: (event) => events.push(event),
    };
    await (await openRevocationOutbox(options)).close();
  });
  afterEach(() => scratch.remove());

  test('the longest tokens: no statement carries more than INSERT_CHUNK jobs', async () => {
    await withDatabase((db) => watchInserts((sql) => db.exec(sql), schema, 10_000));
    const outbox = await openRevocationOutbox(options);
    await outbox.enqueueBatch(signOuts(2 * INSERT_CHUNK + 1, 4096));
    await outbox.close();
    const totals = await withDatabase(
      async (db) => (await db.query(`SELECT jobs FROM ${schema}.totals`)).rows,
    );
    expect(totals.map((row) => Number((row as { jobs: unknown }).jobs))).toEqual([
      INSERT_CHUNK,
      2 * INSERT_CHUNK,
      2 * INSERT_CHUNK + 1,
    ]);
  }, 60_000);

  test('a statement failing after another leaves nothing queued', async () => {
    await withDatabase((db) => watchInserts((sql) => db.exec(sql), schema, INSERT_CHUNK));
    const outbox = await openRevocationOutbox(options);
    try {
      await expectNoneThenWorking(outbox, events);
    } finally {
      await outbox.close();
    }
  }, 60_000);
});

describeWithPostgres('enqueueBatch in chunks on PostgreSQL', () => {
  let pool: pg.Pool;
  let schema: string;
  let events: OutboxEvent[];
  let outbox: RevocationOutbox;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(() => pool.end());
  beforeEach(async () => {
    schema = uniqueSchema('chunks');
    events = [];
    outbox = await openRevocationOutbox({
      store: { connectionString: DATABASE_URL as string, maxConnections: 2 },
      encryptionKeys: [KEY],
      schema,
      onEvent: (event) => events.push(event),
    });
  });
  afterEach(async () => {
    await outbox.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
  });

  test('the longest tokens: no statement carries more than INSERT_CHUNK jobs, all in one transaction', async () => {
    const connection = await pool.connect();
    const jobsPerStatement: number[] = [];
    const db = {
      executeSql(text: string, values?: unknown[]) {
        if (/INSERT INTO/.test(text)) jobsPerStatement.push(JSON.parse(values?.[0] as string).length);
        return connection.query(text, values);
      },
    };
    try {
      await connection.query('BEGIN');
      await outbox.enqueueBatch(signOuts(2 * INSERT_CHUNK + 1, 4096), { db });
      expect(jobsPerStatement).toEqual([INSERT_CHUNK, INSERT_CHUNK, 1]);
      expect(await outbox.stats()).toMatchObject({ queued: 0 }); // the caller's transaction is open
      await connection.query('COMMIT');
      expect(await outbox.stats()).toMatchObject({ queued: 2 * INSERT_CHUNK + 1 });
    } finally {
      connection.release();
    }
  }, 60_000);

  test("a caller's db outside a transaction (a pg Pool): a batch of several statements is refused, nothing queued", async () => {
    // Each statement would commit on its own: the second failing would leave the first's jobs queued
    // while the error said that nothing was committed.
    await watchInserts((sql) => pool.query(sql), schema, INSERT_CHUNK);
    const error = await outbox
      .enqueueBatch(signOuts(2 * INSERT_CHUNK), { db: pool })
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(InputTypeError);
    expect(error).toMatchObject({ code: 'invalid_option', input: 'db' });
    expect((error as Error).message).toMatch(/inside your transaction .*nothing was committed/);
    expect(await outbox.stats()).toMatchObject({ queued: 0 });
    expect(events.filter((event) => event.type === 'queued')).toHaveLength(0);
    // One statement is all or none on its own, as before.
    await outbox.enqueueBatch(signOuts(10), { db: pool });
    expect(await outbox.stats()).toMatchObject({ queued: 10 });
  }, 60_000);

  test("the enqueue pool's transaction: a statement failing after another leaves nothing queued", async () => {
    await watchInserts((sql) => pool.query(sql), schema, INSERT_CHUNK);
    await expectNoneThenWorking(outbox, events);
  }, 60_000);
});
