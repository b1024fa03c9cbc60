// What each attempt reports, exactly, with a virtual clock: a response's duration, an `error` event for
// every failed attempt (retried or not) and none for an abort, a status no response can have, an
// attempt's own timeout, a failing access-token function, and a shared pause already in force when an
// attempt fails.
import {
  createRevocationClient,
  InvalidClientError,
  type RevocationClientOptions,
  type RevocationEvent,
  type RevocationOutcome,
  TimeoutError,
  UnexpectedResponseError,
} from '../../src';
import { fakeClock, rejection } from '../support/fixtures';

function observed(fetch: RevocationClientOptions['fetch'], extra: Partial<RevocationClientOptions> = {}) {
  const events: RevocationEvent[] = [];
  const clock = (extra.clock as ReturnType<typeof fakeClock> | undefined) ?? fakeClock(1_000_000);
  const client = createRevocationClient({
    baseUrl: 'https://digilocker.test/public',
    credentials: { clientId: 'id', clientSecret: 'secret' },
    fetch,
    clock,
    random: () => 0.5,
    onEvent: (event) => events.push(event),
    ...extra,
  });
  const summary = () =>
    events.map((event) => {
      const { fingerprint: _fingerprint, ...rest } = event;
      return rest;
    });
  return { client, events, clock, summary };
}

const fetchFailed = (code: string) => new TypeError('fetch failed', { cause: { code } });

describe('events of each attempt', () => {
  it('a response reports how long the attempt took, not when it ended', async () => {
    const clock = fakeClock(1_000_000);
    let calls = 0;
    const fetch = async () => {
      clock.advance(calls++ === 0 ? 250 : 40);
      return new Response('', { status: calls === 1 ? 503 : 200 });
    };
    const { client, summary } = observed(fetch, { clock });
    await client.revoke('token-0123456789');
    expect(summary().filter((event) => event.type === 'response')).toEqual([
      { type: 'response', attempt: 1, status: 503, durationMs: 250 },
      { type: 'response', attempt: 2, status: 200, durationMs: 40 },
    ]);
  });

  it('every failed attempt is reported as an error at once, the retried ones too', async () => {
    let calls = 0;
    const fetch = async () => {
      if (calls++ === 0) throw fetchFailed('ECONNRESET');
      return new Response('');
    };
    const { client, summary } = observed(fetch);
    await expect(client.revoke('token-0123456789')).resolves.toMatchObject({ attempts: 2 });
    expect(summary()).toEqual([
      { type: 'request', attempt: 1, method: 'POST', url: 'https://digilocker.test/public/oauth2/1/revoke' },
      { type: 'error', attempt: 1, code: 'network_error' },
      { type: 'retry', attempt: 1, delayMs: 100, reason: 'network_error', mayHaveRevoked: true },
      { type: 'request', attempt: 2, method: 'POST', url: 'https://digilocker.test/public/oauth2/1/revoke' },
      { type: 'response', attempt: 2, status: 200, durationMs: 0 },
    ]);
  });

  it('an abort is no error of the call: no error event', async () => {
    const controller = new AbortController();
    const fetch = (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        queueMicrotask(() => controller.abort(new Error('user left')));
      });
    const { client, summary } = observed(fetch);
    await expect(client.revoke('token-0123456789', { signal: controller.signal })).rejects.toThrow(
      'user left',
    );
    expect(summary().map((event) => event.type)).toEqual(['request']);
  });

  it('a response with a status no response can have (a browser opaque redirect) is an unexpected response, reported', async () => {
    const { client, summary } = observed(async () => Response.error());
    const error = await rejection(client.revoke('token-0123456789'));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ status: 0, attempts: 1, retryable: false });
    expect(summary().at(-1)).toEqual({ type: 'error', attempt: 1, code: 'unexpected_response' });
  });
});

describe("an attempt's own timeout", () => {
  it('says how long it waited, may have reached DigiLocker, and is retried with reason timeout', async () => {
    const fetch = (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const { client, summary } = observed(fetch, {
      timeoutMs: 30,
      retry: { maxAttempts: 2 },
      clock: undefined,
      random: () => 0,
    });
    const error = await rejection(client.revoke('token-0123456789'));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('No complete answer from DigiLocker within 30 ms');
    expect(error).toMatchObject({ attempts: 2, retryable: true, status: undefined });
    expect(summary().filter((event) => event.type !== 'request')).toEqual([
      { type: 'error', attempt: 1, code: 'timeout' },
      { type: 'retry', attempt: 1, delayMs: 0, reason: 'timeout', mayHaveRevoked: true },
      { type: 'error', attempt: 2, code: 'timeout' },
    ]);
  });
});

describe('an access-token function', () => {
  it('that fails with a revocation error fails the call, reported', async () => {
    const refused = new InvalidClientError('token endpoint said no', { attempts: 0, retryable: false });
    const { client, summary } = observed(async () => new Response(''), {
      credentials: undefined,
      accessToken: async () => {
        throw refused;
      },
    });
    expect(await rejection(client.revoke('token-0123456789'))).toBe(refused);
    expect(summary()).toEqual([{ type: 'error', attempt: 0, code: 'invalid_client' }]);
  });

  it('that fails with another error fails the call with InvalidClientError, reported once', async () => {
    const bug = new RangeError('a bug in the function');
    const { client, summary } = observed(async () => new Response(''), {
      credentials: undefined,
      accessToken: async () => {
        throw bug;
      },
    });
    const error = await rejection(client.revoke('token-0123456789'));
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ attempts: 0, retryable: true, cause: bug });
    expect(summary()).toEqual([{ type: 'error', attempt: 0, code: 'invalid_client' }]);
  });

  it('that is aborted while it works: the abort reason, no error event', async () => {
    const controller = new AbortController();
    const { client, summary } = observed(async () => new Response(''), {
      credentials: undefined,
      accessToken: () =>
        new Promise<string>(() => {
          queueMicrotask(() => controller.abort(new Error('user left')));
        }),
    });
    await expect(client.revoke('token-0123456789', { signal: controller.signal })).rejects.toThrow(
      'user left',
    );
    expect(summary()).toEqual([]);
  });

  it('is not asked once the budget is spent: a slow observer used the rest of it', async () => {
    const clock = fakeClock(1_000_000);
    const asked: boolean[] = [];
    let calls = 0;
    const { client } = observed(async () => new Response('', { status: calls++ === 0 ? 401 : 200 }), {
      clock,
      credentials: undefined,
      retry: { maxElapsedMs: 1000 },
      accessToken: (context) => {
        asked.push(context.forceRefresh);
        return 'bearer';
      },
      onEvent: (event) => {
        if (event.type === 'retry') clock.advance(1000);
      },
    });
    const error = await rejection(client.revoke('token-0123456789'));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ attempts: 1 });
    expect(asked).toEqual([false]);
    expect(calls).toBe(1);
  });
});

describe('a pause already in force when an attempt fails', () => {
  async function collect(outcomes: AsyncIterable<RevocationOutcome>) {
    const all: RevocationOutcome[] = [];
    for await (const outcome of outcomes) all.push(outcome);
    return all.sort((a, b) => a.index - b.index);
  }

  /** a's answer (a 503) is held until b's 429 (Retry-After: 2) has been handled. */
  function pauseFirst(clock: ReturnType<typeof fakeClock>, maxElapsedMs = 30_000) {
    let releaseA: () => void = () => {};
    const aHeld = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const tokens: string[] = [];
    const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
      const token = new URLSearchParams(String(init?.body)).get('token') ?? '';
      tokens.push(token);
      if (token === 'a' && tokens.length === 1) {
        await aHeld;
        return new Response('', { status: 503 });
      }
      if (token === 'b') return new Response('', { status: 429, headers: { 'retry-after': '2' } });
      return new Response('');
    };
    const client = createRevocationClient({
      baseUrl: 'https://digilocker.test/public',
      credentials: { clientId: 'id', clientSecret: 'secret' },
      fetch,
      clock,
      random: () => 0.5,
      retry: { maxAttempts: 2, maxElapsedMs },
      onEvent: (event) => {
        if (event.type === 'response' && event.status === 429) setTimeout(releaseA, 1);
      },
    });
    return { client, tokens };
  }

  it('waits the pause instead of its shorter backoff, in one sleep', async () => {
    const clock = fakeClock(1_000_000);
    const { client, tokens } = pauseFirst(clock);
    const outcomes = await collect(client.revokeMany(['a', 'b'], { concurrency: 2 }));
    expect(outcomes[0]?.ok).toBe(true);
    expect(tokens.filter((token) => token === 'a')).toHaveLength(2);
    expect(clock.sleeps[0]).toBe(2000);
  });

  it('gives up at once when the pause reaches past its budget', async () => {
    const clock = fakeClock(1_000_000);
    const { client, tokens } = pauseFirst(clock, 1500);
    const outcomes = await collect(client.revokeMany(['a', 'b'], { concurrency: 2 }));
    expect((outcomes[0] as Extract<RevocationOutcome, { ok: false }>).error).toMatchObject({
      code: 'server_error',
      attempts: 1,
    });
    expect(tokens.filter((token) => token === 'a')).toHaveLength(1);
  });
});
