// One pause for the whole cluster: three processes drain one PostgreSQL queue; what DigiLocker tells
// one of them (a 429 with its Retry-After, or refused credentials) pauses all three.
import pg from 'pg';
import { openRevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { ensureBuilt, mockConfig, startChild } from './child-harness';
import { DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

const PROCESSES = 3;
/**
 * How long after the pause's commit a request checked before it may still leave: the time between a
 * worker's read of the pause and its request leaving, on a machine that may be loaded.
 */
const INHERENT_WINDOW_MS = 250;
/** Requests answered slowly before the 429 (fewer than the processes' slots, 3 x 2). */
const DELAYED = 5;

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

  test('a 429 with Retry-After 5 seen by one: no process sends within those 5 s, all resume after', async () => {
    const sessions = await enqueue(60);
    // The first requests (refresh tokens, the first of each sign-out) take 2 s; the next is answered
    // 429 meanwhile: the second request of each of those sign-outs comes due inside the pause.
    mock.inject({ type: 'delay', ms: 2000 }, { times: DELAYED });
    mock.inject({ type: 'status', status: 429, retryAfter: '5' }, { times: 1 });
    const children = Array.from({ length: PROCESSES }, () =>
      startChild({ store, schema, ...mockConfig(mock), concurrency: 2, drain: true, timeline: true }),
    );
    const ends = await Promise.all(children.map((child) => child.done));
    expect(ends).toEqual(children.map(() => ({ code: 0, signal: null })));
    // Each child's own times (see the fixture): when the pause it wrote was committed, and when each of
    // its requests left. The test process's event loop, held up by a garbage collection on a long CI
    // run, once stamped a request that left before the pause as arriving 1.9 s into it.
    const timesOf = (key: string) =>
      children.flatMap((child) => child.lines.flatMap((line) => (key in line ? [line[key] as number] : [])));
    const [pausedAt, ...otherPauses] = timesOf('paused');
    expect(pausedAt).toBeDefined();
    expect(otherPauses).toEqual([]); // one 429, one pause
    const requests = timesOf('request').sort((a, b) => a - b);
    const during = requests.filter(
      (time) => time > (pausedAt as number) && time < (pausedAt as number) + 4900,
    );
    // The only requests that may still leave: those whose pause check, in another process, ran before
    // the pause was committed.
    const late = during.filter((time) => time > (pausedAt as number) + INHERENT_WINDOW_MS);
    process.stdout.write(
      `pause committed at 0; requests that left in its 5 s: ${during.map((time) => `+${time - (pausedAt as number)}`).join(', ')}\n`,
    );
    expect(late).toEqual([]);
    expect(requests.filter((time) => time >= (pausedAt as number) + 4900).length).toBeGreaterThan(0);
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
