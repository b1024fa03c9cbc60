// Three processes share one PostgreSQL queue of 5,000 sign-outs: pg-boss hands each job to one of
// them (SKIP LOCKED), so every token is revoked and each is sent exactly once.
import pg from 'pg';
import { openRevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { ensureBuilt, mockConfig, startChild } from './child-harness';
import { DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

const SIGN_OUTS = 5000;
const PROCESSES = 3;

describeWithPostgres('many processes on one PostgreSQL queue', () => {
  let mock: MockDigiLocker;
  const schema = uniqueSchema('many');
  beforeAll(async () => {
    ensureBuilt();
    mock = await startMockDigiLocker();
  }, 240_000);
  afterAll(async () => {
    await mock.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  test(`${PROCESSES} processes drain ${SIGN_OUTS} jobs: every token revoked, each sent exactly once`, async () => {
    const store = { connectionString: DATABASE_URL as string };
    const outbox = await openRevocationOutbox({ store, encryptionKeys: [KEY], schema });
    const sessions = Array.from({ length: SIGN_OUTS }, () => mock.issueTokens());
    for (let start = 0; start < SIGN_OUTS; start += 1000)
      await outbox.enqueueBatch(sessions.slice(start, start + 1000));
    await outbox.close();

    const startedAt = Date.now();
    const children = Array.from({ length: PROCESSES }, () =>
      startChild({ store, schema, ...mockConfig(mock), concurrency: 8, drain: true }),
    );
    const ends = await Promise.all(children.map((child) => child.done));
    const seconds = (Date.now() - startedAt) / 1000;
    expect(ends).toEqual(children.map(() => ({ code: 0, signal: null })));
    // Nothing on stderr: no warning either (KeyObject.from of a CryptoKey printed DEP0204 on Node 24).
    expect(children.map((child) => child.stderr())).toEqual(children.map(() => ''));
    const perProcess = children.map((child) =>
      Math.max(0, ...child.lines.map((line) => Number((line as { revoked?: number }).revoked ?? 0))),
    );
    process.stdout.write(
      `${SIGN_OUTS} jobs drained by ${PROCESSES} processes in ${seconds.toFixed(1)} s (${Math.round(SIGN_OUTS / seconds)} jobs/s); per process: ${perProcess.join(', ')}\n`,
    );
    expect(perProcess.reduce((sum, count) => sum + count, 0)).toBe(SIGN_OUTS);
    for (const count of perProcess) expect(count).toBeGreaterThan(0);
    for (const child of children)
      expect(child.lines.at(-1)).toEqual({
        stats: expect.objectContaining({ revoked: SIGN_OUTS, queued: 0, running: 0 }),
      });

    for (const tokens of sessions) {
      expect(mock.isActive(tokens.refreshToken)).toBe(false);
      expect(mock.revokeRequestsFor(tokens.refreshToken)).toBe(1);
      expect(mock.revokeRequestsFor(tokens.accessToken)).toBe(1);
    }
  }, 300_000);
});
