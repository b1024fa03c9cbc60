// One pause for the whole cluster: three processes drain one PostgreSQL queue; what DigiLocker tells
// one of them (a 429 with its Retry-After, or refused credentials) pauses all three.
import pg from 'pg';
import { openRevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { ensureBuilt, mockConfig, startChild } from './child-harness';
import { DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

const PROCESSES = 3;

describeWithPostgres('one pause for every process on a PostgreSQL queue', () => {
  let mock: MockDigiLocker;
  let schema: string;
  const store = { connectionString: DATABASE_URL as string };
  beforeAll(() => ensureBuilt(), 240_000);
  beforeEach(async () => {
    mock = await startMockDigiLocker();
    schema = uniqueSchema('pause');
  });
  afterEach(async () => {
    await mock.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema}, ${schema}_pause CASCADE`);
    await pool.end();
  });

  async function enqueue(count: number) {
    const outbox = await openRevocationOutbox({ store, encryptionKeys: [KEY], schema });
    const sessions = Array.from({ length: count }, () => mock.issueTokens());
    await outbox.enqueueBatch(sessions);
    await outbox.close();
    return sessions;
  }

  /** The times (ms since `since`) at which the mock's count of revoke requests grew, sampled. */
  function sampleRequests(since: number): { times: number[]; stop: () => void } {
    const times: number[] = [];
    let seen = mock.stats.revokeRequests;
    const timer = setInterval(() => {
      for (; seen < mock.stats.revokeRequests; seen++) times.push(Date.now() - since);
    }, 20);
    return { times, stop: () => clearInterval(timer) };
  }

  test('a 429 with Retry-After 5 seen by one: no process sends within those 5 s, all resume after', async () => {
    const sessions = await enqueue(60);
    mock.inject({ type: 'status', status: 429, retryAfter: '5' }, { times: 1 });
    let limitedAt = 0;
    const watch = setInterval(() => {
      if (!limitedAt && mock.stats.faults === 1) limitedAt = Date.now();
    }, 5);
    const startedAt = Date.now();
    const requests = sampleRequests(startedAt);
    const children = Array.from({ length: PROCESSES }, () =>
      startChild({ store, schema, ...mockConfig(mock), concurrency: 2, drain: true }),
    );
    const ends = await Promise.all(children.map((child) => child.done));
    requests.stop();
    clearInterval(watch);
    expect(ends).toEqual(children.map(() => ({ code: 0, signal: null })));
    const from = limitedAt - startedAt;
    // Requests past their read of the pause before it was committed may still leave: a statement's
    // time on a busy machine.
    const during = requests.times.filter((time) => time > from + 1000 && time < from + 4900);
    expect(during).toEqual([]);
    expect(requests.times.filter((time) => time >= from + 4900).length).toBeGreaterThan(0);
    for (const tokens of sessions) expect(mock.isActive(tokens.refreshToken)).toBe(false);
    // Every process worked after the pause.
    const revokedBy = children.map((child) => child.lines.some((line) => 'stats' in line));
    expect(revokedBy).toEqual(children.map(() => true));
  }, 120_000);

  test('invalid_client: at most one sign-out per process before every process stops', async () => {
    await enqueue(30);
    const children = Array.from({ length: PROCESSES }, () =>
      startChild({ store, schema, ...mockConfig(mock), clientSecret: 'wrong', concurrency: 1, drain: true }),
    );
    const ends = await Promise.all(children.map((child) => child.done));
    expect(ends).toEqual(children.map(() => ({ code: 1, signal: null })));
    for (const child of children)
      expect(child.lines.at(-1)).toEqual({
        error: expect.objectContaining({ name: 'PausedForCredentialsError' }),
      });
    expect(mock.stats.revokeRequests).toBeGreaterThan(0);
    // One sign-out each at most: signOut sends the access token even after the refresh token's refusal.
    expect(mock.stats.revokeRequests).toBeLessThanOrEqual(2 * PROCESSES);
  }, 120_000);
});
