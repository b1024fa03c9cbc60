// One pause for the whole cluster: three processes drain one PostgreSQL queue; what DigiLocker tells
// one of them (a 429 with its Retry-After, or refused credentials) pauses all three.
import pg from 'pg';
import { openRevocationOutbox } from '../../src/outbox';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { ensureBuilt, mockConfig, startChild } from './child-harness';
import { DATABASE_URL, describeWithPostgres, KEY, uniqueSchema } from './support';

const PROCESSES = 3;
/**
 * How long after the pause's commit a request checked before it may still arrive: the time between a
 * worker's read of the pause and its request reaching the server, on a machine that may be loaded.
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

  /**
   * The time of each revoke request's arrival, and of the 429's answer, exactly: the mock counts both
   * on its live stats object, whose counters are turned into setters here.
   */
  function recordArrivals(): { arrivals: number[]; limitedAt: () => number } {
    const arrivals: number[] = [];
    let limitedAt = 0;
    const live = mock.stats as unknown as Record<string, number>;
    const onIncrement = (name: string, onChange: () => void) => {
      let value = live[name] as number;
      Object.defineProperty(live, name, {
        get: () => value,
        set: (next: number) => {
          value = next;
          onChange();
        },
      });
    };
    onIncrement('revokeRequests', () => arrivals.push(Date.now()));
    // A fault is taken, and the 429 answered, in the same turn as the request's arrival.
    onIncrement('faults', () => {
      if (live.faults === DELAYED + 1) limitedAt = Date.now();
    });
    return { arrivals, limitedAt: () => limitedAt };
  }

  /**
   * When the pause became visible to other connections: its `since` is when the writing statement
   * began, and its commit may come much later on a busy disk (an fsync held up by a checkpoint), so the
   * table is watched from a connection of the test's own.
   */
  function watchForPause(): { seenAt: () => number; stop: () => Promise<void> } {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    let seenAt = 0;
    let stopped = false;
    const watching = (async () => {
      while (!stopped && seenAt === 0) {
        const found = await pool.query(`SELECT 1 FROM ${schema}_pause.pause`).then(
          ({ rows }) => rows.length > 0,
          () => false,
        ); // no table until a process opens
        if (found) seenAt = Date.now();
        else await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    return {
      seenAt: () => seenAt,
      stop: async () => {
        stopped = true;
        await watching;
        await pool.end();
      },
    };
  }

  test('a 429 with Retry-After 5 seen by one: no process sends within those 5 s, all resume after', async () => {
    const sessions = await enqueue(60);
    // The first requests (refresh tokens, the first of each sign-out) take 2 s; the next is answered
    // 429 meanwhile: the second request of each of those sign-outs comes due inside the pause.
    mock.inject({ type: 'delay', ms: 2000 }, { times: DELAYED });
    mock.inject({ type: 'status', status: 429, retryAfter: '5' }, { times: 1 });
    const recorded = recordArrivals();
    const watcher = watchForPause();
    const children = Array.from({ length: PROCESSES }, () =>
      startChild({ store, schema, ...mockConfig(mock), concurrency: 2, drain: true }),
    );
    const ends = await Promise.all(children.map((child) => child.done));
    await watcher.stop();
    expect(ends).toEqual(children.map(() => ({ code: 0, signal: null })));
    const limitedAt = recorded.limitedAt();
    expect(limitedAt).toBeGreaterThan(0);
    const pausedAt = watcher.seenAt();
    expect(pausedAt).toBeGreaterThan(0);
    const during = recorded.arrivals.filter((time) => time > limitedAt && time < limitedAt + 4900);
    // The only requests that may still arrive: those whose pause check, in another process, ran
    // before the pause was committed, and that were on their way meanwhile.
    const late = during.filter((time) => time > pausedAt + INHERENT_WINDOW_MS);
    process.stdout.write(
      `429 at +0: pause visible at +${pausedAt - limitedAt} ms; requests after the 429: ${during
        .map((time) => `+${time - limitedAt}`)
        .join(', ')}\n`,
    );
    expect(late).toEqual([]);
    expect(recorded.arrivals.filter((time) => time >= limitedAt + 4900).length).toBeGreaterThan(0);
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
