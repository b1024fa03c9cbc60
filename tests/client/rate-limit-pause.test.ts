// A 429 pauses every worker of a revokeMany, but never beyond each call's own time budget, which counts
// from when the pool started the call: a pause longer than what is left fails the call at once with
// RateLimitedError and the wait DigiLocker asked for (against a real local server, then measured exactly
// with a virtual clock: how long the pause lasts, which of two pauses wins, a pause exactly as long as
// what is left, the wait rounded up). That no timer is armed beyond 2^31 - 1 ms: tests/process.
import {
  type Clock,
  RateLimitedError,
  type RevocationClientOptions,
  type RevocationEvent,
  type RevocationOutcome,
} from '../../src';
import { scriptedClient, testClient } from '../support/clients';
import { fakeClock } from '../support/fixtures';
import { useLocalServer } from '../support/local-server';

const server = useLocalServer();

const client = (extra: Partial<RevocationClientOptions> = {}) =>
  testClient({
    baseUrl: server.baseUrl,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxElapsedMs: 2000 },
    ...extra,
  });

async function collect(outcomes: AsyncIterable<RevocationOutcome>): Promise<RevocationOutcome[]> {
  const all: RevocationOutcome[] = [];
  for await (const outcome of outcomes) all.push(outcome);
  return all;
}

/** Answers the first request with a 429 and `retryAfter`, every other one with 200 after `delayMs`. */
function firstRateLimited(retryAfter: string, delayMs = 20) {
  server.handle((_request, response, count) => {
    if (count === 1) {
      response.writeHead(429, { 'retry-after': retryAfter }).end();
      return;
    }
    setTimeout(() => response.end(), delayMs);
  });
}

describe('the shared rate-limit pause of revokeMany', () => {
  it('fails the waiting calls at once when DigiLocker asks for an hour and the budget is 2 s', async () => {
    firstRateLimited('3600');
    const tokens = Array.from({ length: 20 }, (_, i) => `token-${i}`);
    const started = performance.now();
    const outcomes = await collect(client().revokeMany(tokens, { concurrency: 4 }));
    const elapsed = performance.now() - started;

    expect(outcomes).toHaveLength(20);
    expect(elapsed).toBeLessThan(5000);
    const limited = outcomes.filter((o) => !o.ok);
    expect(limited.length).toBeGreaterThanOrEqual(16); // all but the three sent alongside the first
    for (const outcome of limited) {
      const { error } = outcome as Extract<RevocationOutcome, { ok: false }>;
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(3_590_000);
      expect((error as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(3_600_000);
    }
    // Only what was in flight with the 429 reached the server: nobody kept sending during the pause.
    expect(server.requests.length).toBeLessThanOrEqual(4);
  });

  it('waits out a pause shorter than the budget, then sends', async () => {
    firstRateLimited('1', 0);
    const outcomes = await collect(client().revokeMany(['a', 'b', 'c'], { concurrency: 1 }));
    // The first call retried after its Retry-After; the others waited for the same pause.
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    expect(server.requests).toHaveLength(4);
  });

  it('counts the time spent waiting on the pause against the budget of a call the pool started', async () => {
    // a gets a 429 with Retry-After: 1 s; b, sent alongside, succeeds after 50 ms; c starts then, with
    // 950 ms of pause left and 850 ms of its 900 ms budget: it fails at once instead of waiting.
    firstRateLimited('1', 50);
    const tight = client({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxElapsedMs: 900 } });
    const started = performance.now();
    const outcomes = await collect(tight.revokeMany(['a', 'b', 'c'], { concurrency: 2 }));
    expect(performance.now() - started).toBeLessThan(700);
    const byIndex = outcomes.sort((x, y) => x.index - y.index);
    expect(byIndex.map((o) => o.ok)).toEqual([false, true, false]);
    const c = byIndex[2] as Extract<RevocationOutcome, { ok: false }>;
    expect(c.error).toBeInstanceOf(RateLimitedError);
    expect(c.error).toMatchObject({ attempts: 0, retryable: true });
    expect(server.requests).toHaveLength(2);
  });

  it('rejects a single revoke at once when Retry-After outlasts the budget, with the wait asked for', async () => {
    firstRateLimited('3600');
    const started = performance.now();
    const error = await client()
      .revoke('tok')
      .catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(3_600_000);
    expect((error as RateLimitedError).status).toBe(429);
  });
});

/** A fetch that answers the n-th request with `answers[n]` (a 200 past the end), recording bodies. */
function answering(answers: Array<() => Response>) {
  const tokens: string[] = [];
  const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
    tokens.push(new URLSearchParams(String(init?.body)).get('token') ?? '');
    return (answers[tokens.length - 1] ?? (() => new Response('')))();
  };
  return { fetch, tokens };
}

const limited = (retryAfter?: string) => () =>
  new Response('', { status: 429, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } });

/** The outcomes, in input order. */
async function collectByIndex(outcomes: AsyncIterable<RevocationOutcome>) {
  const all: RevocationOutcome[] = [];
  for await (const outcome of outcomes) all.push(outcome);
  return all.sort((a, b) => a.index - b.index);
}

const scriptedPoolClient = (
  fetch: RevocationClientOptions['fetch'],
  clock: Clock,
  extra: Partial<RevocationClientOptions>,
) => scriptedClient(fetch, clock, { retry: false, ...extra });

const errorOf = (outcome: RevocationOutcome | undefined) =>
  (outcome as Extract<RevocationOutcome, { ok: false }>).error;

describe('the pause a 429 sets', () => {
  it('lasts exactly its Retry-After, measured from when it was set', async () => {
    const clock = fakeClock(1_000_000);
    const { fetch, tokens } = answering([limited('5')]);
    const outcomes = await collectByIndex(
      scriptedPoolClient(fetch, clock, {}).revokeMany(['a', 'b'], { concurrency: 1 }),
    );
    expect(outcomes.map((o) => o.ok)).toEqual([false, true]);
    expect(clock.sleeps).toEqual([5000]);
    expect(tokens).toEqual(['a', 'b']);
  });

  it('counts down while time passes: a call started 2 s later waits the 3 s left', async () => {
    const clock = fakeClock(1_000_000);
    const { fetch } = answering([limited('5')]);
    const onEvent = (event: RevocationEvent) => {
      if (event.type === 'error') clock.advance(2000); // a's failure is reported 2 s after the 429
    };
    await collectByIndex(
      scriptedPoolClient(fetch, clock, { onEvent }).revokeMany(['a', 'b'], { concurrency: 1 }),
    );
    expect(clock.sleeps).toEqual([3000]);
  });

  it('the longer of two pauses wins, whichever came last', async () => {
    // a and b are in flight together: a asks for 5 s, then b for 1 s; c, started after both, waits 5 s.
    const clock = fakeClock(1_000_000);
    const { fetch, tokens } = answering([limited('5'), limited('1')]);
    const outcomes = await collectByIndex(
      scriptedPoolClient(fetch, clock, {}).revokeMany(['a', 'b', 'c'], { concurrency: 2 }),
    );
    expect(outcomes.map((o) => o.ok)).toEqual([false, false, true]);
    expect(clock.sleeps).toEqual([5000]);
    expect(tokens).toEqual(['a', 'b', 'c']);
  });

  it('a later, longer pause extends the one in force', async () => {
    const clock = fakeClock(1_000_000);
    const { fetch } = answering([limited('1'), limited('5')]);
    await collectByIndex(
      scriptedPoolClient(fetch, clock, {}).revokeMany(['a', 'b', 'c'], { concurrency: 2 }),
    );
    expect(clock.sleeps).toEqual([5000]);
  });
});

describe('a pause that would outlast what is left of a call budget', () => {
  it('fails the call at once when the pause is exactly as long as what is left, sending nothing', async () => {
    const clock = fakeClock(1_000_000);
    const { fetch, tokens } = answering([limited('5')]);
    const events: RevocationEvent[] = [];
    const revoker = scriptedPoolClient(fetch, clock, {
      retry: { maxAttempts: 1, maxElapsedMs: 5000 },
      onEvent: (event) => events.push(event),
    });
    const outcomes = await collectByIndex(revoker.revokeMany(['a', 'b'], { concurrency: 1 }));
    const error = errorOf(outcomes[1]);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ status: 429, attempts: 0, retryable: true, retryAfterMs: 5000 });
    expect(error.message).toBe(
      "DigiLocker asked to wait 5 s, longer than what is left of the call's time budget",
    );
    expect(tokens).toEqual(['a']);
    expect(clock.sleeps).toEqual([]);
    expect(events.filter((e) => e.type === 'error').map((e) => e.type === 'error' && e.code)).toEqual([
      'rate_limited',
      'rate_limited',
    ]);
  });

  it('waits a pause 1 ms shorter than what is left, then sends', async () => {
    const clock = fakeClock(1_000_000);
    const { fetch, tokens } = answering([limited('5')]);
    const revoker = scriptedPoolClient(fetch, clock, { retry: { maxAttempts: 1, maxElapsedMs: 5001 } });
    const outcomes = await collectByIndex(revoker.revokeMany(['a', 'b'], { concurrency: 1 }));
    expect(outcomes[1]?.ok).toBe(true);
    expect(clock.sleeps).toEqual([5000]);
    expect(tokens).toEqual(['a', 'b']);
  });

  it('rounds the wait it reports up: to the millisecond in retryAfterMs, to the second in the message', async () => {
    // a's 429 has no Retry-After: the pause is its backoff, 0.5 x 3000 = 1500 ms. b starts 0.25 ms
    // later with a 1000 ms budget: 1499.75 ms of pause left, reported as 1500 ms and "2 s".
    const clock = fakeClock(1_000_000);
    const { fetch } = answering([limited()]);
    const onEvent = (event: RevocationEvent) => {
      if (event.type === 'error' && event.attempt === 1) clock.advance(0.25);
    };
    const revoker = scriptedPoolClient(fetch, clock, {
      retry: { maxAttempts: 1, baseDelayMs: 3000, maxElapsedMs: 1000 },
      onEvent,
    });
    const outcomes = await collectByIndex(revoker.revokeMany(['a', 'b'], { concurrency: 1 }));
    const error = errorOf(outcomes[1]);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 1500, attempts: 0 });
    expect(error.message).toMatch(/^DigiLocker asked to wait 2 s, /);
  });

  it('a retry waits out the pause another worker set after its own failure, then sends', async () => {
    // a gets a 503 (backoff 100 ms); b, in flight alongside, gets a 429 asking 2 s: a's retry waits 2 s.
    const clock = fakeClock(1_000_000);
    const { fetch, tokens } = answering([() => new Response('', { status: 503 }), limited('2')]);
    const revoker = scriptedPoolClient(fetch, clock, { retry: { maxAttempts: 2 } });
    const outcomes = await collectByIndex(revoker.revokeMany(['a', 'b'], { concurrency: 2 }));
    expect(outcomes[0]?.ok).toBe(true);
    expect(tokens.slice(0, 2)).toEqual(['a', 'b']);
    expect(clock.sleeps).toEqual([100, 2000]); // its backoff, then the pause b set when it ended
  });
});
