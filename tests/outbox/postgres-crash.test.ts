// A process draining a PostgreSQL queue is killed with SIGKILL while it holds jobs: another instance
// runs them again within seconds (pg-boss's heartbeat of running jobs lapses), not after the jobs'
// expiry (jobTimeoutSeconds, 180 s by default), and every token ends revoked.
import pg from 'pg';
import { openRevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { ensureBuilt, mockConfig, startChild } from './child-harness';
import { clientOf, DATABASE_URL, describeWithPostgres, KEY, uniqueSchema, waitUntil } from './support';

const SIGN_OUTS = 40;

describeWithPostgres('SIGKILL mid-drain on PostgreSQL', () => {
  let mock: MockDigiLocker;
  let schema: string;
  beforeAll(() => ensureBuilt(), 240_000);
  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('kill');
  });
  afterEach(async () => {
    await mock.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
    await pool.end();
  });

  test('the jobs the killed process held are run again by another instance within a minute', async () => {
    const store = { connectionString: DATABASE_URL as string };
    const survivor = await openRevocationOutbox({
      client: clientOf(mock),
      store,
      encryptionKeys: [KEY],
      schema,
      pollIntervalMs: 100,
    });
    try {
      const sessions = Array.from({ length: SIGN_OUTS }, () => mock.issueTokens());
      await survivor.enqueueBatch(sessions);
      // Every request hangs: the child holds its jobs when it is killed.
      mock.inject({ type: 'delay', ms: 60_000 }, { times: 8 });
      const child = startChild({ store, schema, ...mockConfig(mock), concurrency: 8, drain: true });
      await waitUntil(() => mock.stats.revokeRequests >= 8, 60_000);
      child.process.kill('SIGKILL');
      await child.done;
      // 8 requests in flight, and up to one batch (4) fetched ahead, waiting for a slot.
      const held = (await survivor.stats()).running;
      expect(held).toBeGreaterThanOrEqual(8);
      expect(held).toBeLessThanOrEqual(12);
      const killedAt = Date.now();
      const stats = await survivor.drain();
      expect(stats).toMatchObject({ running: 0, queued: 0, retrying: 0, dead: 0, revoked: SIGN_OUTS });
      const recoveryMs = Date.now() - killedAt;
      process.stdout.write(`all ${SIGN_OUTS} jobs ended ${recoveryMs} ms after the kill\n`);
      expect(recoveryMs).toBeLessThan(60_000);
      for (const tokens of sessions) expect(mock.isActive(tokens.refreshToken)).toBe(false);
    } finally {
      await survivor.close();
    }
  }, 300_000);
});
