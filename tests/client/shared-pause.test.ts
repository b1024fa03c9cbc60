// The pause a 429 sets for the other workers of a revokeMany, measured exactly with a virtual clock:
// how long it lasts, which of two pauses wins, and that a call whose budget the pause would outlast
// fails at once (a pause exactly as long as what is left included) with the wait rounded up.
import {
  type Clock,
  createRevocationClient,
  RateLimitedError,
  type RevocationClientOptions,
  type RevocationEvent,
  type RevocationOutcome,
} from '../../src';
import { fakeClock } from '../support/fixtures';

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

async function collect(outcomes: AsyncIterable<RevocationOutcome>) {
  const all: RevocationOutcome[] = [];
  for await (const outcome of outcomes) all.push(outcome);
  return all.sort((a, b) => a.index - b.index);
}

function client(
  fetch: RevocationClientOptions['fetch'],
  clock: Clock,
  extra: Partial<RevocationClientOptions>,
) {
  return createRevocationClient({
    baseUrl: 'https://digilocker.test/public',
    credentials: { clientId: 'id', clientSecret: 'secret' },
    fetch,
    clock,
    random: () => 0.5,
    retry: false,
    ...extra,
  });
}

const errorOf = (outcome: RevocationOutcome | undefined) =>
  (outcome as Extract<RevocationOutcome, { ok: false }>).error;

describe('the pause a 429 sets', () => {
  it('lasts exactly its Retry-After, measured from when it was set', async () => {
    const clock = fakeClock(1_000_000);
    const { fetch, tokens } = answering([limited('5')]);
    const outcomes = await collect(client(fetch, clock, {}).revokeMany(['a', 'b'], { concurrency: 1 }));
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
    await collect(client(fetch, clock, { onEvent }).revokeMany(['a', 'b'], { concurrency: 1 }));
    expect(clock.sleeps).toEqual([3000]);
  });

  it('the longer of two pauses wins, whichever came last', async () => {
    // a and b are in flight together: a asks for 5 s, then b for 1 s; c, started after both, waits 5 s.
    const clock = fakeClock(1_000_000);
    const { fetch, tokens } = answering([limited('5'), limited('1')]);
    const outcomes = await collect(client(fetch, clock, {}).revokeMany(['a', 'b', 'c'], { concurrency: 2 }));
    expect(outcomes.map((o) => o.ok)).toEqual([false, false, true]);
    expect(clock.sleeps).toEqual([5000]);
    expect(tokens).toEqual(['a', 'b', 'c']);
  });

  it('a later, longer pause extends the one in force', async () => {
    const clock = fakeClock(1_000_000);
    const { fetch } = answering([limited('1'), limited('5')]);
    await collect(client(fetch, clock, {}).revokeMany(['a', 'b', 'c'], { concurrency: 2 }));
    expect(clock.sleeps).toEqual([5000]);
  });
});

describe('a pause that would outlast what is left of a call budget', () => {
  it('fails the call at once when the pause is exactly as long as what is left, sending nothing', async () => {
    const clock = fakeClock(1_000_000);
    const { fetch, tokens } = answering([limited('5')]);
    const events: RevocationEvent[] = [];
    const revoker = client(fetch, clock, {
      retry: { maxAttempts: 1, maxElapsedMs: 5000 },
      onEvent: (event) => events.push(event),
    });
    const outcomes = await collect(revoker.revokeMany(['a', 'b'], { concurrency: 1 }));
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
    const revoker = client(fetch, clock, { retry: { maxAttempts: 1, maxElapsedMs: 5001 } });
    const outcomes = await collect(revoker.revokeMany(['a', 'b'], { concurrency: 1 }));
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
    const revoker = client(fetch, clock, {
      retry: { maxAttempts: 1, baseDelayMs: 3000, maxElapsedMs: 1000 },
      onEvent,
    });
    const outcomes = await collect(revoker.revokeMany(['a', 'b'], { concurrency: 1 }));
    const error = errorOf(outcomes[1]);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 1500, attempts: 0 });
    expect(error.message).toMatch(/^DigiLocker asked to wait 2 s, /);
  });

  it('a retry waits out the pause another worker set after its own failure, then sends', async () => {
    // a gets a 503 (backoff 100 ms); b, in flight alongside, gets a 429 asking 2 s: a's retry waits 2 s.
    const clock = fakeClock(1_000_000);
    const { fetch, tokens } = answering([() => new Response('', { status: 503 }), limited('2')]);
    const revoker = client(fetch, clock, { retry: { maxAttempts: 2 } });
    const outcomes = await collect(revoker.revokeMany(['a', 'b'], { concurrency: 2 }));
    expect(outcomes[0]?.ok).toBe(true);
    expect(tokens.slice(0, 2)).toEqual(['a', 'b']);
    expect(clock.sleeps).toEqual([100, 2000]); // its backoff, then the pause b set when it ended
  });
});
