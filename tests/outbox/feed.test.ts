// Jobs fetched ahead of the free slots (src/outbox/feed.ts): stop() gives back the ones not started
// (none is left marked running, on either store), a job held too long is given back rather than run
// late, a given-back job is charged nothing, and pg-boss's fetch reads the fetch-order index.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { createRevocationClient } from '../../src';
import { type OutboxEvent, openRevocationOutbox, type RevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { ensureBuilt, freshDirectory, mockConfig } from './child-harness';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema, waitUntil } from './support';

let mock: MockDigiLocker;
beforeEach(async () => {
  mock = await startMockDigiLocker();
});
afterEach(() => mock.close());

/** Refresh tokens the mock no longer knows: each sign-out ends `already_invalid`, unless a lost run is assumed. */
async function revokedTokens(count: number): Promise<string[]> {
  const tokens = Array.from({ length: count }, () => mock.issueTokens().refreshToken);
  const client = createRevocationClient({
    baseUrl: mock.baseUrl,
    credentials: { clientId: mock.clientId, clientSecret: mock.clientSecret },
  });
  for (const token of tokens) await client.revoke(token, { tokenTypeHint: 'refresh_token' });
  return tokens;
}

/** Runs fixtures/feed-child.mjs (the built outbox) with this configuration; resolves its JSON lines. */
function runFeedChild(config: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(__dirname, 'fixtures/feed-child.mjs'), JSON.stringify(config)],
      { env: { PATH: process.env.PATH ?? '' }, timeout: 100_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stdout}\n${stderr}`));
        else
          resolve(
            stdout
              .trim()
              .split('\n')
              .map((line) => JSON.parse(line)),
          );
      },
    );
  });
}

describe('jobs fetched ahead, embedded store', () => {
  beforeAll(() => ensureBuilt(), 240_000);

  test('stop() gives back the jobs fetched and not started: none stays running; each token is then sent once, charged nothing', async () => {
    const store = await freshDirectory();
    try {
      const tokens = await revokedTokens(40);
      mock.inject({ type: 'delay', ms: 300 }, { times: 4 });
      const lines = await runFeedChild({
        store: { directory: store.path },
        ...mockConfig(mock),
        keys: [KEY],
        tokens,
        concurrency: 2,
        stopAfterAttempts: 2,
      });
      const stopped = lines.find((line) => 'stopped' in line)?.stopped as {
        running: number;
        queued: number;
        alreadyInvalid: number;
      };
      expect(stopped.running).toBe(0);
      expect(stopped.queued).toBeGreaterThan(0); // fetched ahead, given back
      expect(stopped.queued + stopped.alreadyInvalid).toBe(40);
      const end = lines.find((line) => 'drained' in line) as {
        drained: Record<string, number>;
        events: { type: string; outcome?: string; confirmed?: boolean }[];
      };
      expect(end.drained).toMatchObject({ queued: 0, running: 0, retrying: 0, alreadyInvalid: 40 });
      // A given-back job is not taken for a lost run: it ends already_invalid, not revoked unconfirmed.
      expect(end.events.filter((event) => event.type === 'revoked')).toEqual(
        Array(40).fill({ type: 'revoked', outcome: 'already_invalid', confirmed: true }),
      );
      for (const token of tokens) expect(mock.revokeRequestsFor(token)).toBe(2); // ours, then the outbox's
    } finally {
      store.remove();
    }
  }, 120_000);
});

describeWithPostgres('jobs fetched ahead, PostgreSQL', () => {
  let pool: pg.Pool;
  let schema: string;
  let events: OutboxEvent[];
  let outbox: RevocationOutbox | undefined;

  const open = async (options: { concurrency: number; jobTimeoutSeconds?: number }) => {
    outbox = await openRevocationOutbox({
      client: clientOf(mock, { retry: { maxAttempts: 2, maxElapsedMs: 8000 }, timeoutMs: 8000 }),
      store: { connectionString: DATABASE_URL as string, maxConnections: 4 },
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
      onEvent: (event) => events.push(event),
      ...options,
    });
    return outbox;
  };
  const revokedEvents = () =>
    events.filter((event): event is Extract<OutboxEvent, { type: 'revoked' }> => event.type === 'revoked');

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(() => pool.end());
  beforeEach(() => {
    schema = uniqueSchema('feed');
    events = [];
  });
  afterEach(async () => {
    await outbox?.close();
    outbox = undefined;
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  test('stop() gives back the jobs fetched and not started: none stays running, none is charged', async () => {
    const tokens = await revokedTokens(60);
    const box = await open({ concurrency: 2 });
    await box.enqueueBatch(tokens.map((refreshToken) => ({ refreshToken })));
    mock.inject({ type: 'delay', ms: 300 }, { times: 4 });
    box.start();
    await waitUntil(() => events.some((event) => event.type === 'attempt'));
    await box.stop();
    const stopped = await box.stats();
    expect(stopped.running).toBe(0);
    expect(stopped.queued).toBeGreaterThan(0);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM ${schema}.job WHERE state = 'created' AND (data->>'r')::int = 1`,
    );
    expect(rows[0].n).toBeGreaterThan(0); // given back, counted as a run given back uncharged

    expect(await box.drain()).toMatchObject({ queued: 0, running: 0, alreadyInvalid: 60 });
    expect(revokedEvents().every((event) => event.outcome === 'already_invalid' && event.confirmed)).toBe(
      true,
    );
    for (const token of tokens) expect(mock.revokeRequestsFor(token)).toBe(2);
  }, 60_000);

  test('a job held ahead longer than a quarter of jobTimeoutSeconds is given back, then run once', async () => {
    const tokens = await revokedTokens(3);
    // One slot: the first job takes 3.5 s; the two fetched with it wait past 2.5 s (10 s / 4).
    const box = await open({ concurrency: 1, jobTimeoutSeconds: 10 });
    await box.enqueueBatch(tokens.map((refreshToken) => ({ refreshToken })));
    mock.inject({ type: 'delay', ms: 3500 }, { times: 1 });
    expect(await box.drain()).toMatchObject({ queued: 0, running: 0, alreadyInvalid: 3 });
    const { rows } = await pool.query(
      `SELECT retry_count FROM ${schema}.job ORDER BY retry_count, created_on`,
    );
    // The first ran as fetched; the other two were given back and fetched again (a run each).
    expect(rows.map((row) => row.retry_count)).toEqual([0, 1, 1]);
    expect(revokedEvents().map((event) => [event.outcome, event.confirmed])).toEqual(
      Array(3).fill(['already_invalid', true]),
    );
    for (const token of tokens) expect(mock.revokeRequestsFor(token)).toBe(2);
  }, 60_000);
});
