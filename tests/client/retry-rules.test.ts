// The retry rules that decide what a failed attempt means, each proved through the public API with an
// injected fetch, clock and random source (exact delays, no waiting): which failures count as never
// sent, why each retry happens (the `retry` event's reason), when a 401 is re-sent with a fresh token,
// and which answers pause a revokeMany's other workers.
import { createServer } from 'node:net';
import {
  type Clock,
  createRevocationClient,
  InvalidClientError,
  InvalidTokenError,
  NetworkError,
  RateLimitedError,
  type RevocationClientOptions,
  type RevocationEvent,
  type RevocationOutcome,
  ServerError,
  TimeoutError,
} from '../../src';
import { fakeClock, rejection } from '../support/fixtures';

const BASE = 'https://digilocker.test/public';

type Step = Response | Error | ((clock: ReturnType<typeof fakeClock>) => Response);

/** A fetch that plays `steps` in order, one per request, and counts the requests. */
function scripted(steps: Step[], clock = fakeClock()) {
  const requests: RequestInit[] = [];
  const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
    requests.push(init ?? {});
    const step = steps[Math.min(requests.length, steps.length) - 1];
    if (step === undefined) throw new Error('no step scripted');
    if (step instanceof Error) throw step;
    return typeof step === 'function' ? step(clock) : step.clone();
  };
  return { fetch, requests, clock };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

const invalidToken = () => json(400, { error: 'invalid_token' });

/** A fetch failure as Node's fetch reports it: TypeError('fetch failed') with the system error as cause. */
function fetchFailed(code: string): TypeError {
  const cause = Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
  return new TypeError('fetch failed', { cause });
}

function client(
  fetch: RevocationClientOptions['fetch'],
  clock: Clock,
  extra: Partial<RevocationClientOptions> = {},
) {
  return createRevocationClient({
    baseUrl: BASE,
    credentials: { clientId: 'id', clientSecret: 'secret' },
    fetch,
    clock,
    random: () => 0.5,
    ...extra,
  });
}

/** A port on 127.0.0.1 that nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a failure that proves the request never left counts as never sent', () => {
  it('a real refused connection (ECONNREFUSED), then invalid_token: the token was invalid all along', async () => {
    const port = await closedPort();
    const clock = fakeClock();
    let calls = 0;
    // The first attempt goes to a closed port through Node's own fetch; the retry gets invalid_token.
    const fetch = (_url: string | URL | Request, init?: RequestInit) =>
      ++calls === 1
        ? globalThis.fetch(`http://127.0.0.1:${port}/public/oauth2/1/revoke`, init)
        : Promise.resolve(invalidToken());
    const error = await rejection(client(fetch, clock).revoke('token-0123456789'));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ status: 400, attempts: 2 });
    expect(calls).toBe(2);
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL'])(
    '%s, then invalid_token: InvalidTokenError, not an unconfirmed revocation',
    async (code) => {
      const { fetch, clock } = scripted([fetchFailed(code), invalidToken()]);
      const error = await rejection(client(fetch, clock).revoke('token-0123456789'));
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error).toMatchObject({ attempts: 2 });
    },
  );

  it("undici's connect timeout (UND_ERR_CONNECT_TIMEOUT, the code on the error itself) never sent either", async () => {
    const failure = Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' });
    const { fetch, clock } = scripted([failure, invalidToken()]);
    await expect(client(fetch, clock).revoke('token-0123456789')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it.each([
    ['a reset connection (ECONNRESET)', fetchFailed('ECONNRESET')],
    ['a failure with no code', new TypeError('fetch failed')],
    ['a failure whose code is not a string', Object.assign(new Error('odd'), { code: 42 })],
  ])(
    '%s may have reached DigiLocker: then invalid_token means revoked, unconfirmed',
    async (_label, failure) => {
      const { fetch, clock } = scripted([failure, invalidToken()]);
      await expect(client(fetch, clock).revoke('token-0123456789')).resolves.toEqual({
        outcome: 'revoked',
        confirmed: false,
        status: 400,
        attempts: 2,
        durationMs: 100,
      });
    },
  );

  it('one attempt that may have reached DigiLocker is enough, whatever the later ones say', async () => {
    const { fetch, clock } = scripted(
      [fetchFailed('ECONNRESET'), fetchFailed('ECONNREFUSED'), invalidToken()],
      fakeClock(),
    );
    await expect(client(fetch, clock).revoke('token-0123456789')).resolves.toMatchObject({
      outcome: 'revoked',
      confirmed: false,
      attempts: 3,
    });
  });

  it('a NetworkError names the system error code and keeps the failure as its cause', async () => {
    const failure = fetchFailed('ECONNREFUSED');
    const { fetch, clock } = scripted([failure]);
    const error = await rejection(client(fetch, clock, { retry: false }).revoke('token-0123456789'));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toBe('The request to DigiLocker failed (ECONNREFUSED)');
    expect((error as Error).cause).toBe(failure);
    expect(error).toMatchObject({ attempts: 1, retryable: true, status: undefined });
  });

  it('a NetworkError without a code says so in plain words', async () => {
    const failure = new TypeError('fetch failed');
    const { fetch, clock } = scripted([failure]);
    const error = await rejection(client(fetch, clock, { retry: false }).revoke('token-0123456789'));
    expect((error as Error).message).toBe('The request to DigiLocker failed');
    expect((error as Error).cause).toBe(failure);
  });
});

describe("the retry event's reason", () => {
  async function reasons(steps: Step[], extra: Partial<RevocationClientOptions> = {}) {
    const events: RevocationEvent[] = [];
    const { fetch, clock } = scripted(steps);
    await client(fetch, clock, { onEvent: (event) => events.push(event), ...extra })
      .revoke('token-0123456789')
      .catch(() => undefined);
    return events.flatMap((event) =>
      event.type === 'retry'
        ? [{ attempt: event.attempt, delayMs: event.delayMs, reason: event.reason }]
        : [],
    );
  }

  it.each([
    [408, 'timeout'],
    [429, 'rate_limited'],
    [500, 'server_error'],
    [502, 'server_error'],
    [503, 'server_error'],
    [504, 'server_error'],
  ])('is what a %i stands for (%s)', async (status, reason) => {
    expect(await reasons([new Response('', { status }), new Response('', { status: 200 })])).toEqual([
      { attempt: 1, delayMs: 100, reason },
    ]);
  });

  it('is network_error for a failed connection', async () => {
    expect(await reasons([fetchFailed('ECONNRESET'), new Response('')])).toEqual([
      { attempt: 1, delayMs: 100, reason: 'network_error' },
    ]);
  });

  it('is invalid_client for a 401 re-sent with a fresh token, at once', async () => {
    const tokens = ['stale', 'fresh'];
    const steps = [new Response('', { status: 401 }), new Response('')];
    expect(
      await reasons(steps, { credentials: undefined, accessToken: () => tokens.shift() ?? 'x' }),
    ).toEqual([{ attempt: 1, delayMs: 0, reason: 'invalid_client' }]);
  });

  it('is never sent for an answer that is not retried', async () => {
    expect(await reasons([new Response('', { status: 404 })])).toEqual([]);
  });
});

describe('a 401 to a fresh-token function is re-sent once, only while attempts and time remain', () => {
  function withTokenFunction(steps: Step[], retry: RevocationClientOptions['retry'], clock = fakeClock()) {
    const forced: boolean[] = [];
    const script = scripted(steps, clock);
    const revoker = client(script.fetch, clock, {
      credentials: undefined,
      accessToken: (context) => {
        forced.push(context.forceRefresh);
        return context.forceRefresh ? 'fresh' : 'stale';
      },
      retry,
    });
    return { revoker, forced, requests: script.requests };
  }

  it('not after the last attempt allowed: a 503 then a 401 with maxAttempts 2 ends in InvalidClientError', async () => {
    const { revoker, forced, requests } = withTokenFunction(
      [new Response('', { status: 503 }), new Response('', { status: 401 }), new Response('')],
      { maxAttempts: 2 },
    );
    const error = await rejection(revoker.revoke('token-0123456789'));
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ status: 401, attempts: 2 });
    expect(requests).toHaveLength(2);
    expect(forced).toEqual([false, false]);
  });

  it('the next call after a 401 that could not be re-sent asks for a fresh token', async () => {
    const { revoker, forced } = withTokenFunction(
      [new Response('', { status: 401 }), new Response('')],
      false,
    );
    await expect(revoker.revoke('token-0123456789')).rejects.toBeInstanceOf(InvalidClientError);
    await expect(revoker.revoke('token-0123456789')).resolves.toMatchObject({ outcome: 'revoked' });
    expect(forced).toEqual([false, true]);
  });

  it('not when the 401 arrives just as the time budget ends', async () => {
    // The attempt takes exactly the whole budget (1000 ms of virtual time): nothing is left to re-send in.
    const { revoker, requests } = withTokenFunction(
      [
        (clock) => {
          clock.advance(1000);
          return new Response('', { status: 401 });
        },
        new Response(''),
      ],
      { maxAttempts: 3, maxElapsedMs: 1000 },
    );
    const error = await rejection(revoker.revoke('token-0123456789'));
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ status: 401, attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('once only: a second 401 is final even with attempts left', async () => {
    const { revoker, forced, requests } = withTokenFunction(
      [new Response('', { status: 401 }), new Response('', { status: 401 }), new Response('')],
      { maxAttempts: 5 },
    );
    const error = await rejection(revoker.revoke('token-0123456789'));
    expect(error).toMatchObject({ code: 'invalid_client', status: 401, attempts: 2 });
    expect(requests).toHaveLength(2);
    expect(forced).toEqual([false, true]);
  });

  it('a 401 with fixed client credentials is final at once', async () => {
    const { fetch, clock, requests } = scripted([new Response('', { status: 401 }), new Response('')]);
    await expect(client(fetch, clock).revoke('token-0123456789')).rejects.toMatchObject({
      code: 'invalid_client',
      attempts: 1,
    });
    expect(requests).toHaveLength(1);
  });
});

describe('retries stop at the attempt and time budgets', () => {
  it('a network failure on the last attempt allowed is final', async () => {
    const { fetch, clock, requests } = scripted([fetchFailed('ECONNRESET')]);
    const error = await rejection(
      client(fetch, clock, { retry: { maxAttempts: 2 } }).revoke('token-0123456789'),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ attempts: 2 });
    expect(requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([100]);
  });

  it('a network failure whose backoff would reach exactly to the end of the budget is final', async () => {
    // random 0.5 of 200 ms is a 100 ms wait; the attempt left exactly 100 ms of the budget.
    const { fetch, clock, requests } = scripted([
      (c) => {
        c.advance(900);
        throw fetchFailed('ECONNRESET');
      },
      new Response(''),
    ]);
    const error = await rejection(
      client(fetch, clock, { retry: { maxAttempts: 3, maxElapsedMs: 1000 } }).revoke('token-0123456789'),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('a network failure with a little more time left than the backoff is retried', async () => {
    const { fetch, clock, requests } = scripted([
      (c) => {
        c.advance(899);
        throw fetchFailed('ECONNRESET');
      },
      new Response(''),
    ]);
    await expect(
      client(fetch, clock, { retry: { maxAttempts: 3, maxElapsedMs: 1000 } }).revoke('token-0123456789'),
    ).resolves.toMatchObject({ outcome: 'revoked', attempts: 2 });
    expect(requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([100]);
  });

  it('a 503 with Retry-After: 0 is retried at once, with no sleep', async () => {
    const { fetch, clock, requests } = scripted([
      new Response('', { status: 503, headers: { 'retry-after': '0' } }),
      new Response(''),
    ]);
    await expect(client(fetch, clock).revoke('token-0123456789')).resolves.toMatchObject({ attempts: 2 });
    expect(requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([]);
  });

  it('Retry-After is read only on a retryable answer', async () => {
    const events: RevocationEvent[] = [];
    const { fetch, clock } = scripted([json(400, { error: 'invalid_request' }, { 'retry-after': '5' })]);
    const error = await rejection(
      client(fetch, clock, { onEvent: (e) => events.push(e) }).revoke('token-0123456789'),
    );
    expect(error).toMatchObject({ code: 'unexpected_response', retryAfterMs: undefined, retryable: false });
  });

  it('a call whose budget is spent before an attempt could start fails with a TimeoutError and no request', async () => {
    // The access-token function takes the whole budget: no time is left to send the request in.
    const clock = fakeClock();
    const { fetch, requests } = scripted([new Response('')], clock);
    const events: RevocationEvent[] = [];
    const error = await rejection(
      client(fetch, clock, {
        credentials: undefined,
        accessToken: () => {
          clock.advance(1000);
          return 'bearer';
        },
        retry: { maxElapsedMs: 1000 },
        onEvent: (event) => events.push(event),
      }).revoke('token-0123456789'),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ attempts: 0, retryable: true, status: undefined });
    expect((error as Error).message).toBe(
      "The call's time budget (retry.maxElapsedMs) was spent before the next attempt",
    );
    expect(requests).toHaveLength(0);
    expect(events.map((e) => e.type)).toEqual(['error']);
    expect(events[0]).toMatchObject({ type: 'error', attempt: 0, code: 'timeout' });
  });
});

describe('only a 429 pauses the other workers of a revokeMany', () => {
  async function collect(outcomes: AsyncIterable<RevocationOutcome>) {
    const all: RevocationOutcome[] = [];
    for await (const outcome of outcomes) all.push(outcome);
    return all;
  }

  function batch(first: Response) {
    const clock = fakeClock();
    const { fetch, requests } = scripted([first, new Response('')], clock);
    const revoker = client(fetch, clock, { retry: false });
    return { revoker, clock, requests };
  }

  it('a 429 with Retry-After: 5 makes the next call wait 5 s before sending', async () => {
    const { revoker, clock, requests } = batch(
      new Response('', { status: 429, headers: { 'retry-after': '5' } }),
    );
    const outcomes = await collect(revoker.revokeMany(['a', 'b'], { concurrency: 1 }));
    expect(outcomes.map((o) => o.ok)).toEqual([false, true]);
    expect((outcomes[0] as Extract<RevocationOutcome, { ok: false }>).error).toBeInstanceOf(RateLimitedError);
    expect(clock.sleeps).toEqual([5000]);
    expect(requests).toHaveLength(2);
  });

  it('a 429 without Retry-After pauses the others for the backoff it drew', async () => {
    const { revoker, clock } = batch(new Response('', { status: 429 }));
    await collect(revoker.revokeMany(['a', 'b'], { concurrency: 1 }));
    expect(clock.sleeps).toEqual([100]);
  });

  it.each([503, 500, 408])('a %i with Retry-After: 5 pauses nobody', async (status) => {
    const { revoker, clock, requests } = batch(new Response('', { status, headers: { 'retry-after': '5' } }));
    const outcomes = await collect(revoker.revokeMany(['a', 'b'], { concurrency: 1 }));
    expect((outcomes[0] as Extract<RevocationOutcome, { ok: false }>).error).toBeInstanceOf(
      status === 408 ? TimeoutError : ServerError,
    );
    expect(outcomes[1]?.ok).toBe(true);
    expect(clock.sleeps).toEqual([]);
    expect(requests).toHaveLength(2);
  });

  it('a single revoke has no pause to set or wait on', async () => {
    const { revoker, clock } = batch(new Response('', { status: 429, headers: { 'retry-after': '5' } }));
    await expect(revoker.revoke('a')).rejects.toBeInstanceOf(RateLimitedError);
    await expect(revoker.revoke('b')).resolves.toMatchObject({ outcome: 'revoked' });
    expect(clock.sleeps).toEqual([]);
  });
});
