// Opening the outbox on PostgreSQL while its connections are terminated (a restart, a failover, an
// operator's pg_terminate_backend): the open is tried again, bounded by store.connectTimeoutMs, and the
// outbox then works; a refusal that is not a lost connection still fails at once. Before, the first
// terminated connection failed the open (57P01 as it was, or a StoreUnavailableError `store_refused`),
// and the CLI exited 2.
import pg from 'pg';
import { openRevocationOutbox, StoreUnavailableError } from '../../src/outbox';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { runCli, useCliFixture } from '../cli/cli-harness';
import {
  clientOf,
  DATABASE_URL,
  describeWithPostgres,
  KEY,
  uniqueSchema,
  useOwnDatabase,
  waitUntil,
} from './support';
import { startTcpProxy } from './tcp-proxy';

/**
 * Holds the lock the open's carry-over step takes (migrate.ts) on `lockUrl`'s database, and each time a
 * backend whose `column` is `value` waits for it (the open is mid-statement), terminates every such
 * backend, `times` times; then lets the open through (ending its connection releases the lock).
 * Resolves once the lock is held; `stop()` (once the open has ended) resolves with the backends it
 * terminated.
 */
async function terminateMidOpen(
  lockUrl: string,
  schema: string,
  column: 'application_name' | 'datname',
  value: string,
  times = 3,
): Promise<{ stop: () => Promise<number[]> }> {
  const admin = new pg.Client({ connectionString: lockUrl, application_name: 'test-admin' });
  await admin.connect();
  await admin.query('SELECT pg_advisory_lock(hashtext($1))', [`${schema}.digilocker_migrate`]);
  let stopped = false;
  const terminated: number[] = [];
  // A terminated backend may still be listed, waiting, for a moment: it is not waited for again.
  // In an aggregate's FILTER, which runs after WHERE: never this connection's own backend.
  const pids = async (what: string): Promise<number[]> =>
    (
      await admin.query(
        `SELECT coalesce(array_agg(pid) FILTER (WHERE ${what}), '{}') AS pids FROM pg_stat_activity
          WHERE ${column} = $1 AND pid <> pg_backend_pid() AND pid <> ALL($2::int[])`,
        [value, terminated],
      )
    ).rows[0].pids;
  const done = (async () => {
    try {
      for (let round = 0; round < times && !stopped; round++) {
        while (!stopped && (await pids("wait_event_type = 'Lock'")).length === 0)
          await new Promise((resolve) => setTimeout(resolve, 10));
        if (!stopped) terminated.push(...(await pids('pg_terminate_backend(pid)')));
      }
    } finally {
      await admin.end();
    }
    return terminated;
  })();
  return {
    stop() {
      stopped = true;
      return done;
    },
  };
}

describeWithPostgres('opening while PostgreSQL drops the connections', () => {
  let mock: MockDigiLocker;
  let admin: pg.Pool;
  let schema: string;
  beforeAll(() => {
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2, application_name: 'test-admin' });
  });
  afterAll(() => admin.end());
  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('reopen');
  });
  afterEach(async () => {
    await mock.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
  });

  /** The connections of the outbox under test carry the schema as their application name. */
  const connectionString = () => `${DATABASE_URL}?application_name=${schema}`;
  const backends = async () => {
    const { rows } = await admin.query(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [schema],
    );
    return (rows[0] as { n: number }).n;
  };

  test('backends terminated during the open: it opens, queues and revokes, nothing doubled or left open', async () => {
    const terminator = await terminateMidOpen(DATABASE_URL as string, schema, 'application_name', schema);
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store: { connectionString: connectionString(), connectTimeoutMs: 10_000 },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
    }).finally(() => terminator.stop());
    try {
      // Three tries' connections, mid-statement.
      expect((await terminator.stop()).length).toBeGreaterThanOrEqual(3);
      const tokens = mock.issueTokens();
      await outbox.enqueue(tokens);
      expect(await outbox.drain()).toMatchObject({ queued: 0, running: 0, dead: 0, revoked: 1 });
      expect(mock.isActive(tokens.refreshToken)).toBe(false);
      expect(mock.stats.revokeRequests).toBe(2);
      // Each try's schema, queue and pause were made once, whatever try got furthest.
      const { rows } = await admin.query(
        `SELECT (SELECT count(*) FROM ${schema}.queue)::int AS queues,
                (SELECT count(*) FROM ${schema}.version)::int AS versions,
                to_regclass('${schema}_pause.pause') IS NOT NULL AS pause`,
      );
      expect(rows[0]).toEqual({ queues: 1, versions: 1, pause: true });
    } finally {
      await outbox.close();
    }
    // The pools of the failed tries were closed with them, and this one's by close().
    await waitUntil(async () => (await backends()) === 0, 5000);
  }, 60_000);

  test('a server refusing connections (restarting) opens once it is back', async () => {
    const target = new URL(DATABASE_URL as string);
    // A free port, with nothing listening on it until the "restart" ends.
    const port = await startTcpProxy(target.hostname, Number(target.port)).then(async (probe) => {
      await probe.close();
      return probe.port;
    });
    const url = new URL(target);
    url.host = `127.0.0.1:${port}`;
    const startedAt = Date.now();
    const events: unknown[] = [];
    const opening = openRevocationOutbox({
      store: { connectionString: url.toString(), connectTimeoutMs: 10_000 },
      encryptionKeys: [KEY],
      schema,
      onEvent: (event) => events.push(event),
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const proxy = await startTcpProxy(target.hostname, Number(target.port), port);
    try {
      const outbox = await opening;
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(700);
      expect(await outbox.stats()).toMatchObject({ queued: 0 });
      await outbox.close();
    } finally {
      await proxy.close();
    }
    // The wait is said once, as it starts: an open that waits is never silent.
    expect(events).toEqual([
      {
        type: 'error',
        message: expect.stringMatching(
          /^opening the store: no connection to PostgreSQL at postgres:\/\/\S+ \(ECONNREFUSED .*\); trying again for up to 10000 ms \(store\.connectTimeoutMs\)$/,
        ),
      },
    ]);
  }, 30_000);

  test('a refusal that is not a lost connection fails at once, with the error it always had', async () => {
    const server = new URL(DATABASE_URL as string);
    const missing = new URL(server);
    missing.pathname = '/no_such_database';
    const stranger = new URL(server);
    stranger.username = 'nobody_here';
    stranger.password = 'hunter2-secret';
    for (const [url, code] of [
      [missing, 'store_database_missing'],
      [stranger, 'store_auth_failed'],
    ] as const) {
      const startedAt = Date.now();
      const error = await openRevocationOutbox({
        store: { connectionString: url.toString(), connectTimeoutMs: 10_000 },
        encryptionKeys: [KEY],
        schema,
      }).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ code });
      expect((error as Error).message).toMatch(/^Cannot open the PostgreSQL store at postgres:\/\//);
      expect((error as Error).message).not.toContain('hunter2-secret');
      // Not tried again for connectTimeoutMs.
      expect(Date.now() - startedAt).toBeLessThan(3000);
    }
  });
});

describeWithPostgres('outbox status while PostgreSQL drops the connections', () => {
  useCliFixture();
  const store = useOwnDatabase('reopencli');
  const env = { DIGILOCKER_OUTBOX_KEYS: generateEncryptionKey() };

  test('exits 0 with the counts, and one warning that the open waits', async () => {
    const made = await openRevocationOutbox({
      store: { connectionString: store },
      encryptionKeys: [env.DIGILOCKER_OUTBOX_KEYS],
    });
    await made.close();
    const database = new URL(store).pathname.slice(1);
    const terminator = await terminateMidOpen(store, 'digilocker_outbox', 'datname', database);
    const run = await runCli(['outbox', 'status', '--store', store, '--json'], { env }).finally(() =>
      terminator.stop(),
    );
    // One warning, as the wait starts, and nothing else.
    expect(run.stderr).toMatch(
      /^digilocker-revoke: warning: opening the store: no connection to PostgreSQL at postgres:\/\/\S+ \(57P01 [^\n]*\); trying again for up to 10000 ms \(store\.connectTimeoutMs\)\n$/,
    );
    expect(run.code).toBe(0);
    expect((await terminator.stop()).length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(run.stdout).stats).toMatchObject({ queued: 0, revoked: 0 });
    // And again, untouched.
    expect((await runCli(['outbox', 'status', '--store', store], { env })).code).toBe(0);
  }, 60_000);
});
