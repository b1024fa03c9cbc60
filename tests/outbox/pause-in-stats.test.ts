// stats() and `outbox status` show the pause in effect on the queue, whatever credentials it holds: an
// instance opened without the refused credentialsId (an operator's, the CLI's status) sees an
// invalid_client pause and its reason, and `holdsThisInstance` says whether it holds that instance.
// Sending still follows the credentials rule. Embedded and PostgreSQL; the CLI in process.
import pg from 'pg';
import {
  openRevocationOutbox,
  PausedForCredentialsError,
  type RevocationOutboxOptions,
} from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { runCliInProcess } from '../support/cli-in-process';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, scratchDirectory, uniqueSchema } from './support';

let mock: MockDigiLocker;
beforeAll(async () => {
  mock = await startMockDigiLocker();
});
afterAll(() => mock.close());

/** Queues a job, then drains it with refused credentials under `credentialsId`: the queue is paused. */
async function pauseForCredentials(store: RevocationOutboxOptions['store'], schema: string): Promise<void> {
  const outbox = await openRevocationOutbox({
    client: clientOf(mock, { credentials: { clientId: mock.clientId, clientSecret: 'wrong' } }),
    store,
    encryptionKeys: [KEY],
    schema,
    credentialsId: 'refused',
    pollIntervalMs: 500,
  });
  try {
    await outbox.enqueue({ refreshToken: mock.issueTokens().refreshToken });
    const refused = await outbox.drain().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PausedForCredentialsError);
    // What ends the pause (a restart with working credentials and the same credentialsId does not).
    expect((refused as Error).message).toMatch(/resumed \(resume\(\), digilocker-revoke outbox resume\)/);
    expect((refused as Error).message).toContain('another credentialsId');
  } finally {
    await outbox.close();
  }
}

/** stats().pause of an instance opened with `credentialsId` (none when undefined). */
async function pauseSeenBy(
  store: RevocationOutboxOptions['store'],
  schema: string,
  credentialsId: string | undefined,
) {
  const outbox = await openRevocationOutbox({
    store,
    encryptionKeys: [KEY],
    schema,
    ...(credentialsId ? { credentialsId } : {}),
  });
  try {
    return (await outbox.stats()).pause;
  } finally {
    await outbox.close();
  }
}

const REFUSED = { reason: 'invalid_client', since: expect.any(String) };

describe('embedded store', () => {
  const scratch = scratchDirectory();
  afterAll(() => scratch.remove());
  const store = { directory: scratch.path, unsafeSkipFsync: true };

  test('stats() shows an invalid_client pause to an instance without the refused credentialsId', async () => {
    await pauseForCredentials(store, 'digilocker_outbox');
    expect(await pauseSeenBy(store, 'digilocker_outbox', undefined)).toEqual({
      ...REFUSED,
      holdsThisInstance: false,
    });
    expect(await pauseSeenBy(store, 'digilocker_outbox', 'refused')).toEqual({
      ...REFUSED,
      holdsThisInstance: true,
    });
  }, 30_000);

  test('an instance with other credentials still sends while the pause stays in stats()', async () => {
    const tokens = mock.issueTokens();
    const outbox = await openRevocationOutbox({
      client: clientOf(mock),
      store,
      encryptionKeys: [KEY],
      credentialsId: 'working',
      pollIntervalMs: 500,
    });
    try {
      await outbox.enqueue({ refreshToken: tokens.refreshToken });
      const stats = await outbox.drain();
      expect(mock.isActive(tokens.refreshToken)).toBe(false);
      expect(stats.pause).toEqual({ ...REFUSED, holdsThisInstance: false });
    } finally {
      await outbox.close();
    }
  }, 30_000);
});

describeWithPostgres('PostgreSQL store', () => {
  const schema = uniqueSchema('pausestats');
  const store = { connectionString: DATABASE_URL as string };
  afterAll(async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
    await pool.end();
  });

  test('stats() shows an invalid_client pause to an instance without the refused credentialsId', async () => {
    await pauseForCredentials(store, schema);
    expect(await pauseSeenBy(store, schema, undefined)).toEqual({ ...REFUSED, holdsThisInstance: false });
  }, 30_000);

  test("a pause row with times no Date holds (written by hand: 'infinity', year 280000) reads as a pause with no end", async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    try {
      await pool.query(
        `UPDATE ${schema}_pause.pause SET reason = 'rate_limited', until = 'infinity', since = '-infinity'`,
      );
      const pause = await pauseSeenBy(store, schema, undefined);
      expect(pause).toEqual({ reason: 'rate_limited', since: expect.any(String), holdsThisInstance: true });
      expect(Math.abs(Date.parse(pause?.since ?? '') - Date.now())).toBeLessThan(60_000);
      // Finite for PostgreSQL, beyond what a Date holds.
      await pool.query(`UPDATE ${schema}_pause.pause SET until = '280000-01-01', since = '280000-01-01'`);
      expect(await pauseSeenBy(store, schema, undefined)).toEqual({
        reason: 'rate_limited',
        since: expect.any(String),
        holdsThisInstance: true,
      });
      await pool.query(`UPDATE ${schema}_pause.pause SET until = '-infinity', since = now()`);
      expect(await pauseSeenBy(store, schema, undefined)).toBeNull();
    } finally {
      await pool.end();
    }
  }, 30_000);
});

describe('outbox status (the CLI, in process)', () => {
  const scratch = scratchDirectory();
  afterAll(() => scratch.remove());

  /** Runs the CLI in this process with the test's key and `env`. */
  const run = (argv: string[], env: NodeJS.ProcessEnv) =>
    runCliInProcess(argv, { DIGILOCKER_OUTBOX_KEYS: KEY, ...env });

  test('after a drain refused for its credentials, status shows the pause with or without them', async () => {
    const store = { directory: scratch.path, unsafeSkipFsync: true };
    const queued = await openRevocationOutbox({ store, encryptionKeys: [KEY] });
    await queued.enqueue({ refreshToken: mock.issueTokens().refreshToken });
    await queued.close();
    const refused = { DIGILOCKER_CLIENT_ID: mock.clientId, DIGILOCKER_CLIENT_SECRET: 'wrong' };
    const drain = await run(
      ['outbox', 'drain', '--store', scratch.path, '--base-url', mock.baseUrl],
      refused,
    );
    expect(drain.code).toBe(2);

    const json = await run(['outbox', 'status', '--store', scratch.path, '--json'], refused);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).stats.pause).toEqual({ ...REFUSED, holdsThisInstance: true });

    const other = await run(['outbox', 'status', '--store', scratch.path], {
      DIGILOCKER_CLIENT_ID: mock.clientId,
      DIGILOCKER_CLIENT_SECRET: mock.clientSecret,
    });
    expect(other.stdout).toMatch(
      /paused: +invalid_client until the credentials change or: outbox resume \(other credentials/,
    );

    const none = await run(['outbox', 'status', '--store', scratch.path, '--json'], {});
    expect(JSON.parse(none.stdout).stats.pause).toEqual({ ...REFUSED, holdsThisInstance: false });
    // Without credentials, what the pause holds is said: not the queue, the refused credentials.
    const unknown = await run(['outbox', 'status', '--store', scratch.path], {});
    expect(unknown.stdout).toMatch(/invalid_client until .* \(only for the credentials DigiLocker refused/);
  }, 60_000);
});
