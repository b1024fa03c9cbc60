// A store made by release 0.1 (pg-boss 10, PGlite 0.5; fixtures/v10, see its README) opens under this
// release: every queued, retrying and dead job is carried over with its id, so its ciphertext still
// decrypts and its tokens are sent; ended jobs are not carried over.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { RevocationClient } from '../../src';
import { type OutboxEvent, openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import type { SignOutTokens } from '../../src/results';
import { DATABASE_URL, describeWithPostgres, scratchDirectory } from './support';

const FIXTURES = join(__dirname, 'fixtures', 'v10');
const KEY = 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';
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
      encryptionKeys: [KEY],
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

describeWithPostgres('upgrade of a PostgreSQL queue', () => {
  test('a queue in the pg-boss 10 schema made by release 0.1 is carried over on open', async () => {
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const database = `upgrade_${Date.now().toString(36)}`;
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(DATABASE_URL as string);
    url.pathname = `/${database}`;
    try {
      execFileSync(
        'psql',
        ['-q', '-v', 'ON_ERROR_STOP=1', '-f', join(FIXTURES, 'postgres-v10.sql'), url.href],
        {
          env: { ...process.env, PATH: `${process.env.PATH}:/usr/lib/postgresql/15/bin` },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      await expectCarriedOver({ connectionString: url.href }, expected.postgres);
      const check = new pg.Pool({ connectionString: url.href, max: 1 });
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
});
