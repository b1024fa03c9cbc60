// A store made by release 0.1 (pg-boss 10, PGlite 0.5; fixtures/v10, see its README) opens under this
// release: every queued, retrying and dead job is carried over with its id, so its ciphertext still
// decrypts and its tokens are sent; ended jobs are not carried over.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { RevocationClient } from '../../src';
import {
  generateEncryptionKey,
  type OutboxEvent,
  openRevocationOutbox,
  type RevocationOutbox,
} from '../../src/outbox';
import type { SignOutTokens } from '../../src/results';
import { ensureBuilt, startChild } from './child-harness';
import { DATABASE_URL, describeWithPostgres, scratchDirectory } from './support';

const FIXTURES = join(__dirname, 'fixtures', 'v10');
const KEY = 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';
/**
 * The keys the carried-over store is opened with. The fixtures' test key is a placeholder (one byte
 * repeated), which never seals new jobs: a real key comes first, and the fixtures' key opens the jobs
 * it sealed.
 */
const KEYS = [generateEncryptionKey(), KEY];
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<
  'embedded' | 'postgres',
  Record<'queued' | 'retrying' | 'dead' | 'completed', string[]>
>;

/** A client that revokes whatever it is given and records it. */
function recordingClient(sent: SignOutTokens[]): RevocationClient {
  return {
    async signOut(tokens: SignOutTokens) {
      sent.push(tokens);
      return { complete: true, refreshToken: { ok: true, result: { outcome: 'revoked', confirmed: true } } };
    },
  } as unknown as RevocationClient;
}

/** Opens the carried-over store, checks its counts, then revokes every job (the dead ones retried). */
async function expectCarriedOver(
  store: { directory: string } | { connectionString: string },
  ids: Record<'queued' | 'retrying' | 'dead' | 'completed', string[]>,
): Promise<void> {
  const sent: SignOutTokens[] = [];
  const events: OutboxEvent[] = [];
  let box: RevocationOutbox | undefined;
  try {
    box = await openRevocationOutbox({
      client: recordingClient(sent),
      store,
      encryptionKeys: KEYS,
      pollIntervalMs: 100,
      onEvent: (event) => events.push(event),
    });
    expect(await box.stats()).toMatchObject({ queued: 2, retrying: 2, dead: 2, running: 0 });
    expect(await box.retryDead()).toBe(2);
    await box.drain();
    const revoked = events.flatMap((event) => (event.type === 'revoked' ? [event.jobId] : []));
    expect(revoked.sort()).toEqual([...ids.queued, ...ids.retrying, ...ids.dead].sort());
    expect(sent.map((tokens) => tokens.refreshToken).sort()).toEqual(
      ['dead', 'queued', 'retry'].flatMap((state) => [1, 2].map((n) => `${state}-refresh-token-${n}`)),
    );
  } finally {
    await box?.close();
  }
}

test('an embedded store made by release 0.1 (pg-boss 10, PGlite 0.5) is carried over on open', async () => {
  const scratch = scratchDirectory();
  try {
    execFileSync('tar', ['-xzf', join(FIXTURES, 'embedded-v10.tar.gz'), '-C', scratch.path]);
    await expectCarriedOver({ directory: scratch.path }, expected.embedded);
  } finally {
    scratch.remove();
  }
}, 120_000);

/** A new database on the test server holding release 0.1's PostgreSQL fixture; `url` reaches it. */
async function databaseWithFixture(admin: pg.Pool): Promise<{ name: string; url: string }> {
  const name = `upgrade_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(DATABASE_URL as string);
  url.pathname = `/${name}`;
  execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-f', join(FIXTURES, 'postgres-v10.sql'), url.href], {
    env: { ...process.env, PATH: `${process.env.PATH}:/usr/lib/postgresql/15/bin` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return { name, url: url.href };
}

describeWithPostgres('upgrade of a PostgreSQL queue', () => {
  beforeAll(() => ensureBuilt(), 240_000);
  test('a queue in the pg-boss 10 schema made by release 0.1 is carried over on open', async () => {
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const { name: database, url } = await databaseWithFixture(admin);
    try {
      await expectCarriedOver({ connectionString: url }, expected.postgres);
      const check = new pg.Pool({ connectionString: url, max: 1 });
      const schemas = await check.query(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'digilocker_outbox%' ORDER BY 1",
      );
      await check.end();
      // The old schema is gone once its jobs are copied.
      expect(schemas.rows.map((row) => row.nspname)).toEqual([
        'digilocker_outbox',
        'digilocker_outbox_pause',
      ]);
    } finally {
      // Without FORCE: it waits for the closed outbox's sessions to end (a leak would fail it).
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.end();
    }
  }, 120_000);

  test("a pg-boss 10 schema shared with another application's queues is refused, unchanged", async () => {
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const { name: database, url } = await databaseWithFixture(admin);
    const other = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await other.query(`SELECT digilocker_outbox.create_queue('billing-emails', '{"policy":"standard"}')`);
      await other.query(
        `INSERT INTO digilocker_outbox.job (name, data) VALUES ('billing-emails', '{"to":"a"}')`,
      );
      const opening = openRevocationOutbox({
        client: recordingClient([]),
        store: { connectionString: url },
        encryptionKeys: KEYS,
      });
      await expect(opening).rejects.toMatchObject({
        name: 'StoreDamagedError',
        message: expect.stringContaining('"billing-emails"'),
      });
      const kept = await other.query(
        "SELECT name, count(*)::int AS n FROM digilocker_outbox.job WHERE state <> 'completed' GROUP BY 1 ORDER BY 1",
      );
      expect(kept.rows).toEqual([
        { name: 'billing-emails', n: 1 },
        { name: 'digilocker-revocation', n: 6 },
      ]);
      const schemas = await other.query(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'digilocker_outbox%'",
      );
      expect(schemas.rows).toEqual([{ nspname: 'digilocker_outbox' }]);
    } finally {
      await other.end();
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.end();
    }
  }, 120_000);

  test("another application's schema named <schema>_v10 is neither copied from nor dropped", async () => {
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const { name: database, url } = await databaseWithFixture(admin);
    const other = new pg.Pool({ connectionString: url, max: 1 });
    let box: RevocationOutbox | undefined;
    try {
      // Release 0.1's queue, as another application's pg-boss 10 schema that happens to have that name.
      await other.query('ALTER SCHEMA digilocker_outbox RENAME TO digilocker_outbox_v10');
      box = await openRevocationOutbox({
        client: recordingClient([]),
        store: { connectionString: url },
        encryptionKeys: KEYS,
      });
      expect(await box.stats()).toMatchObject({ queued: 0, retrying: 0, dead: 0 });
      const kept = await other.query(
        "SELECT count(*)::int AS n FROM digilocker_outbox_v10.job WHERE state <> 'completed'",
      );
      expect(kept.rows).toEqual([{ n: 6 }]);
    } finally {
      await box?.close();
      await other.end();
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.end();
    }
  }, 120_000);

  test('an open that fails after pg-boss started stops it: the process still ends by itself', async () => {
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const { name: database, url } = await databaseWithFixture(admin);
    const other = new pg.Pool({ connectionString: url, max: 1 });
    try {
      // A carry-over stopped between its two steps, whose old job table then lost a column: the copy,
      // which runs once pg-boss 12 has started, fails.
      await other.query('ALTER SCHEMA digilocker_outbox RENAME TO digilocker_outbox_v10');
      await other.query(
        "COMMENT ON SCHEMA digilocker_outbox_v10 IS 'digilocker-revocation: a release 0.1 outbox queue, being carried over'",
      );
      await other.query('ALTER TABLE digilocker_outbox_v10.job DROP COLUMN data');
      // The child awaits nothing after the failed open: it exits only once no timer holds it.
      const child = startChild({
        store: { connectionString: url },
        baseUrl: 'http://127.0.0.1:9/public',
        clientId: 'client',
        clientSecret: 'secret',
      });
      expect(await child.done).toEqual({ code: 1, signal: null });
      expect(child.lines.at(-1)).toMatchObject({ error: { message: expect.stringContaining('data') } });
    } finally {
      await other.end();
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.end();
    }
  }, 60_000);
});
