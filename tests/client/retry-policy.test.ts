// The retry policy (src/retry-policy.ts), proved through the public API with an injected clock and
// random source (exact delays, no waiting): what is retried, how long the client waits, Retry-After,
// the attempt and time budgets; which failures count as never sent, why each retry happens (the
// `retry` event's reason), when a 401 is re-sent with a fresh token, and which answers pause a
// revokeMany's other workers.

import { createServer } from 'node:net';
import nock from 'nock';
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
  UnauthorizedClientError,
  UnexpectedResponseError,
  UnsupportedTokenTypeError,
} from '../../src';
import {
  backoffDelay,
  codeOfRetryableStatus,
  codeOfStatus,
  decideRetry,
  isRetryableStatus,
  mayHaveReachedServer,
  parseRetryAfter,
  shouldResendAfter401,
  systemErrorCode,
} from '../../src/retry-policy';
import { scriptedClient, testClient } from '../support/clients';
import { BASE, fakeClock, PATH, rejection } from '../support/fixtures';
import { useNock } from '../support/use-nock';

const client = (clock: Clock, extra: Partial<RevocationClientOptions> = {}) =>
  testClient({ clock, random: () => 0.5, ...extra });

useNock();

describe('the retry policy', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries %i', (status) =>
    expect(isRetryableStatus(status)).toBe(true),
  );
  it.each([400, 401, 403, 404, 405, 409, 413, 422, 501, 505])('never retries %i', (status) =>
    expect(isRetryableStatus(status)).toBe(false),
  );

  it('backs off exponentially with full jitter, capped by maxDelayMs', () => {
    const settings = { baseDelayMs: 200, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, settings, () => 0.5))).toEqual([
      100, 200, 400, 500, 500,
    ]);
    expect(backoffDelay(3, settings, () => 0)).toBe(0);
    expect(backoffDelay(3, settings, () => 0.999)).toBe(799);
  });

  it('reads Retry-After as delta-seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('revoke retries', () => {
  it.each([408, 429, 500, 502, 503, 504])(
    'retries a %i and succeeds, waiting the backoff delay',
    async (status) => {
      nock(BASE).post(PATH).reply(status).post(PATH).reply(200);
      const clock = fakeClock();
      const result = await client(clock).revoke('token-0123456789');
      expect(result).toMatchObject({ outcome: 'revoked', attempts: 2, status: 200 });
      expect(clock.sleeps).toEqual([100]);
    },
  );

  it('waits 100, 200 ms (random 0.5 of 200 * 2^n) and gives up after maxAttempts with a ServerError', async () => {
    nock(BASE).post(PATH).times(3).reply(503, { error: 'repository_service_unavailable' });
    const clock = fakeClock();
    const error = await client(clock)
      .revoke('token-0123456789')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({
      status: 503,
      attempts: 3,
      retryable: true,
      oauthError: 'repository_service_unavailable',
    });
    expect(clock.sleeps).toEqual([100, 200]);
    expect(nock.isDone()).toBe(true);
  });

  it('honours maxAttempts, baseDelayMs and maxDelayMs', async () => {
    nock(BASE).post(PATH).times(5).reply(500);
    const clock = fakeClock();
    const error = await client(clock, { retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 } })
      .revoke('token-0123456789')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ attempts: 5 });
    expect(clock.sleeps).toEqual([50, 100, 150, 150]);
  });

  it('makes one attempt with retry: false', async () => {
    nock(BASE).post(PATH).reply(503);
    const clock = fakeClock();
    await expect(client(clock, { retry: false }).revoke('token-0123456789')).rejects.toMatchObject({
      attempts: 1,
    });
    expect(clock.sleeps).toEqual([]);
  });

  it.each([
    [400, { error: 'invalid_request' }, UnexpectedResponseError],
    [400, { error: 'unsupported_token_type' }, UnsupportedTokenTypeError],
    [400, { error: 'unauthorized_client' }, UnauthorizedClientError],
    [
      400,
      {
        error: 'invalid_request',
        error_description: 'client is not authorized to revoke the presented token',
      },
      UnauthorizedClientError,
    ],
    [403, { error: 'unauthorized_client' }, UnauthorizedClientError],
    [401, { error: 'invalid_client' }, InvalidClientError],
    [403, {}, InvalidClientError],
    [404, {}, UnexpectedResponseError],
    [501, {}, ServerError],
  ])('never retries a %i', async (status, body, ErrorClass) => {
    nock(BASE).post(PATH).reply(status, body);
    const clock = fakeClock();
    const error = await client(clock)
      .revoke('token-0123456789')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ attempts: 1, retryable: false });
    expect(clock.sleeps).toEqual([]);
  });

  it('a 408 that persists ends in a TimeoutError with its status', async () => {
    nock(BASE).post(PATH).times(3).reply(408);
    await expect(client(fakeClock()).revoke('token-0123456789')).rejects.toMatchObject({
      name: 'TimeoutError',
      status: 408,
      attempts: 3,
    });
  });

  it('waits what Retry-After says (seconds) instead of the backoff', async () => {
    nock(BASE).post(PATH).reply(429, {}, { 'Retry-After': '3' }).post(PATH).reply(200);
    const clock = fakeClock();
    await client(clock).revoke('token-0123456789');
    expect(clock.sleeps).toEqual([3000]);
  });

  it('waits until the HTTP date of Retry-After', async () => {
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    nock(BASE).post(PATH).reply(503, '', { 'Retry-After': inTwoSeconds }).post(PATH).reply(200);
    const clock = fakeClock();
    await client(clock).revoke('token-0123456789');
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThan(0);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(2000);
  });

  it('stops at once when Retry-After is longer than what is left of maxElapsedMs, with retryAfterMs', async () => {
    nock(BASE).post(PATH).reply(429, { error: 'rate_limited' }, { 'Retry-After': '120' });
    const clock = fakeClock();
    const error = await client(clock)
      .revoke('token-0123456789')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ retryAfterMs: 120_000, attempts: 1, retryable: true });
    expect(clock.sleeps).toEqual([]);
  });

  it('never starts an attempt past maxElapsedMs', async () => {
    // Each attempt takes 400 ms of virtual time, each wait 50 ms; the budget is 1000 ms.
    const clock = fakeClock();
    const starts: number[] = [];
    const fetch = async () => {
      starts.push(clock.now());
      clock.advance(400);
      return new Response('', { status: 503 });
    };
    const error = await client(clock, {
      fetch,
      retry: { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 100, maxElapsedMs: 1000 },
    })
      .revoke('token-0123456789')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    // Attempts start at 0, 450 and 900; after the third, 1300 + 50 is past the budget: no fourth.
    expect(starts).toEqual([0, 450, 900]);
    expect(clock.sleeps).toEqual([50, 50]);
  });

  it('bounds each attempt by what is left of the budget', async () => {
    const fetch = (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const started = Date.now();
    const error = await createRevocationClient({
      credentials: { clientId: 'id', clientSecret: 'secret' },
      fetch,
      timeoutMs: 10_000,
      retry: { maxAttempts: 3, maxElapsedMs: 150 },
    })
      .revoke('token-0123456789')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('the retry policy, at its edges', () => {
  const settings = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5000, random: () => 0.5 };

  it('reads delta-seconds with surrounding spaces, caps them, and refuses anything but digits', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(parseRetryAfter(' 7 ', now)).toBe(7000);
    expect(parseRetryAfter('12', now)).toBe(12_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    // Capped at the latest date a Date holds: new Date(now + ms) never throws.
    const huge = parseRetryAfter('99999999999999999999', now) as number;
    expect(huge).toBe(8.64e15 - now);
    expect(new Date(now + huge).toISOString()).toBe('+275760-09-13T00:00:00.000Z');
    expect(parseRetryAfter('7.5', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    // Digits and dashes are no HTTP-date (which always names a day or a month): not a wait.
    expect(parseRetryAfter('2026-11-24 10:00:30', now)).toBeUndefined();
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:01 GMT', now)).toBe(1000);
  });

  it('reads the three HTTP-date forms of RFC 9110, and no other text Date.parse would take', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tuesday, 24-Nov-26 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue Nov 24 10:00:05 2026', now)).toBe(5000);
    expect(parseRetryAfter('Tue Nov  4 10:00:05 2026', now)).toBe(0); // a past date: no wait
    // Date.parse reads these as dates (the first as 2001); a server sending them said nothing usable.
    expect(parseRetryAfter('a 1', now)).toBeUndefined();
    expect(parseRetryAfter('Nov 2026', now)).toBeUndefined();
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:05 +0530', now)).toBeUndefined();
  });

  it('waits what the server asked for, or else the backoff, and at least the shared pause', () => {
    const base = { ...settings, attempt: 1, timeLeftMs: 10_000, pausedMs: 0 };
    expect(decideRetry({ ...base, retryAfterMs: 3000 })).toEqual({
      retry: true,
      delayMs: 3000,
      waitMs: 3000,
    });
    expect(decideRetry({ ...base, retryAfterMs: 0 })).toEqual({ retry: true, delayMs: 0, waitMs: 0 });
    expect(decideRetry({ ...base, retryAfterMs: undefined })).toEqual({
      retry: true,
      delayMs: 100,
      waitMs: 100,
    });
    expect(decideRetry({ ...base, retryAfterMs: 100, pausedMs: 2000 })).toEqual({
      retry: true,
      delayMs: 2000,
      waitMs: 100,
    });
  });

  it('stops at maxAttempts, and when the wait reaches the end of the budget', () => {
    const base = { ...settings, timeLeftMs: 10_000, pausedMs: 0, retryAfterMs: undefined };
    expect(decideRetry({ ...base, attempt: 2 }).retry).toBe(true);
    expect(decideRetry({ ...base, attempt: 3 })).toEqual({ retry: false, waitMs: 400 });
    expect(decideRetry({ ...base, attempt: 1, timeLeftMs: 101 }).retry).toBe(true);
    expect(decideRetry({ ...base, attempt: 1, timeLeftMs: 100 })).toEqual({ retry: false, waitMs: 100 });
    // A pause that reaches the end of the budget stops it too, still reporting the call's own wait.
    expect(decideRetry({ ...base, attempt: 1, pausedMs: 10_000 })).toEqual({ retry: false, waitMs: 100 });
  });

  it('re-sends after a 401 once, only with an attempt and some time left', () => {
    const base = { attempt: 1, maxAttempts: 3, timeLeftMs: 1, alreadyResent: false };
    expect(shouldResendAfter401(base)).toBe(true);
    expect(shouldResendAfter401({ ...base, alreadyResent: true })).toBe(false);
    expect(shouldResendAfter401({ ...base, attempt: 2 })).toBe(true);
    expect(shouldResendAfter401({ ...base, attempt: 3 })).toBe(false);
    expect(shouldResendAfter401({ ...base, timeLeftMs: 0 })).toBe(false);
  });

  it('finds the system error code on an error or up to three causes down, skipping codes that are not strings', () => {
    const nest = (depth: number, leaf: object): object =>
      depth === 0 ? leaf : { message: 'wrapper', cause: nest(depth - 1, leaf) };
    expect(systemErrorCode(nest(0, { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(systemErrorCode(nest(3, { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(systemErrorCode(nest(4, { code: 'ECONNRESET' }))).toBeUndefined();
    expect(systemErrorCode({ code: 42, cause: { code: 'EPIPE' } })).toBe('EPIPE');
    expect(systemErrorCode({ cause: null })).toBeUndefined();
    expect(systemErrorCode(null)).toBeUndefined();
    expect(systemErrorCode('ECONNRESET')).toBeUndefined();
    expect(systemErrorCode(Object.assign(() => undefined, { code: 'ECONNRESET' }))).toBeUndefined();
  });

  it('counts only failures that prove the request never left as never sent', () => {
    for (const code of [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ENETUNREACH',
      'EHOSTUNREACH',
      'EADDRNOTAVAIL',
    ])
      expect(mayHaveReachedServer(new TypeError('fetch failed', { cause: { code } }))).toBe(false);
    expect(mayHaveReachedServer({ code: 'UND_ERR_CONNECT_TIMEOUT' })).toBe(false);
    for (const failure of [{ code: 'ECONNRESET' }, { code: 'EPIPE' }, new Error('no code'), undefined])
      expect(mayHaveReachedServer(failure)).toBe(true);
  });

  it('gives each status its code: the status first, then the OAuth error of a body understood', () => {
    const understood = (error?: string) => ({ understood: true, error });
    expect(codeOfStatus(400, understood())).toBe('invalid_token');
    expect(codeOfStatus(400, understood('invalid_token'))).toBe('invalid_token');
    expect(codeOfStatus(400, understood('invalid_request'))).toBe('unexpected_response');
    expect(codeOfStatus(400, { understood: false })).toBe('unexpected_response');
    expect(codeOfStatus(400, understood('invalid_client'))).toBe('invalid_client');
    expect(codeOfStatus(400, { understood: false, error: 'invalid_client' })).toBe('unexpected_response');
    expect(codeOfStatus(400, { understood: false, error: 'invalid_token' })).toBe('unexpected_response');
    expect(codeOfStatus(499, understood())).toBe('unexpected_response');
    expect(codeOfStatus(500, understood('invalid_token'))).toBe('server_error');
    expect(codeOfStatus(599, understood())).toBe('server_error');
    expect(codeOfStatus(600, understood())).toBe('unexpected_response');
    expect(codeOfStatus(429, understood('invalid_token'))).toBe('rate_limited');
    expect(codeOfStatus(408, understood())).toBe('timeout');
    expect(codeOfStatus(400, understood('unsupported_token_type'))).toBe('unsupported_token_type');
    expect(codeOfStatus(400, { understood: false, error: 'unsupported_token_type' })).toBe(
      'unexpected_response',
    );
    expect(codeOfStatus(400, understood('unauthorized_client'))).toBe('unauthorized_client');
    expect(codeOfStatus(403, understood('unauthorized_client'))).toBe('unauthorized_client');
    expect(codeOfStatus(401, understood('unauthorized_client'))).toBe('invalid_client');
    const refusal = 'client is not authorized to revoke the presented token';
    expect(codeOfStatus(400, { understood: true, error: 'invalid_request', description: refusal })).toBe(
      'unauthorized_client',
    );
    expect(
      codeOfStatus(400, { understood: true, error: 'invalid_request', description: 'token missing' }),
    ).toBe('unexpected_response');
    // Malformed requests say "not allowed" too (oidc-provider's own words): only the client refused is one.
    for (const description of [
      'Multiple client authentication methods are not allowed',
      'token_type_hint value not permitted',
      'Empty token is not allowed',
    ])
      expect(codeOfStatus(400, { understood: true, error: 'invalid_request', description })).toBe(
        'unexpected_response',
      );
    expect(
      codeOfStatus(400, {
        understood: true,
        error: 'invalid_request',
        description: 'This client is not permitted to revoke that token',
      }),
    ).toBe('unauthorized_client');
    // 408, 429 and 5xx go by the status even when the body says invalid_client: the retry did.
    expect(codeOfStatus(503, understood('invalid_client'))).toBe('server_error');
    expect(codeOfStatus(429, understood('invalid_client'))).toBe('rate_limited');
    expect(codeOfStatus(408, understood('invalid_client'))).toBe('timeout');
    // The token endpoint's refusals are of the client's grant, never of the token to revoke.
    for (const body of [understood(), understood('invalid_token'), understood('invalid_grant')])
      expect(codeOfStatus(400, body, 'token')).toBe('invalid_client');
    expect(codeOfStatus(400, understood('unsupported_token_type'), 'token')).toBe('invalid_client');
    expect(codeOfStatus(403, understood('unauthorized_client'), 'token')).toBe('invalid_client');
    expect(codeOfStatus(401, { understood: false }, 'token')).toBe('invalid_client');
    expect(codeOfStatus(404, understood(), 'token')).toBe('unexpected_response');
    expect(codeOfStatus(503, understood(), 'token')).toBe('server_error');
    expect(codeOfStatus(429, understood(), 'token')).toBe('rate_limited');
    expect(codeOfRetryableStatus(408)).toBe('timeout');
    expect(codeOfRetryableStatus(429)).toBe('rate_limited');
    expect(codeOfRetryableStatus(503)).toBe('server_error');
  });
});

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
    const error = await rejection(scriptedClient(fetch, clock).revoke('token-0123456789'));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ status: 400, attempts: 2 });
    expect(calls).toBe(2);
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL'])(
    '%s, then invalid_token: InvalidTokenError, not an unconfirmed revocation',
    async (code) => {
      const { fetch, clock } = scripted([fetchFailed(code), invalidToken()]);
      const error = await rejection(scriptedClient(fetch, clock).revoke('token-0123456789'));
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error).toMatchObject({ attempts: 2 });
    },
  );

  it("undici's connect timeout (UND_ERR_CONNECT_TIMEOUT, the code on the error itself) never sent either", async () => {
    const failure = Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' });
    const { fetch, clock } = scripted([failure, invalidToken()]);
    await expect(scriptedClient(fetch, clock).revoke('token-0123456789')).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
  });

  it.each([
    ['a reset connection (ECONNRESET)', fetchFailed('ECONNRESET')],
    ['a failure with no code', new TypeError('fetch failed')],
    ['a failure whose code is not a string', Object.assign(new Error('odd'), { code: 42 })],
  ])(
    '%s may have reached DigiLocker: then invalid_token means revoked, unconfirmed',
    async (_label, failure) => {
      const { fetch, clock } = scripted([failure, invalidToken()]);
      await expect(scriptedClient(fetch, clock).revoke('token-0123456789')).resolves.toEqual({
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
    await expect(scriptedClient(fetch, clock).revoke('token-0123456789')).resolves.toMatchObject({
      outcome: 'revoked',
      confirmed: false,
      attempts: 3,
    });
  });

  it('a NetworkError names the system error code and keeps the failure chain as its cause', async () => {
    const failure = fetchFailed('ECONNREFUSED');
    const { fetch, clock } = scripted([failure]);
    const error = await rejection(scriptedClient(fetch, clock, { retry: false }).revoke('token-0123456789'));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toBe('The request to DigiLocker failed (ECONNREFUSED)');
    const cause = (error as Error).cause as Error;
    expect([cause.name, cause.message]).toEqual(['TypeError', 'fetch failed']);
    expect(cause.cause).toMatchObject({ message: 'connect ECONNREFUSED 10.0.0.1:443', code: 'ECONNREFUSED' });
    expect(error).toMatchObject({ attempts: 1, retryable: true, status: undefined });
  });

  it('a NetworkError without a code says so in plain words', async () => {
    const failure = new TypeError('fetch failed');
    const { fetch, clock } = scripted([failure]);
    const error = await rejection(scriptedClient(fetch, clock, { retry: false }).revoke('token-0123456789'));
    expect((error as Error).message).toBe('The request to DigiLocker failed');
    expect((error as Error).cause).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
  });

  it("keeps of the failure chain only each error's name, message and code, four levels deep", async () => {
    // undici's HTTPParserError keeps the raw response as `data`, which may echo the request.
    const parser = Object.assign(new Error('Response does not match the HTTP/1.1 protocol'), {
      name: 'HTTPParserError',
      code: 'HPE_INVALID_HEADER_TOKEN',
      data: 'Authorization: Basic c2VjcmV0',
    });
    const looped = new TypeError('fetch failed', { cause: parser });
    Object.assign(parser, { cause: looped }); // a cycle, as a custom fetch could make
    const { fetch, clock } = scripted([looped]);
    const error = await rejection(scriptedClient(fetch, clock, { retry: false }).revoke('token-0123456789'));
    const chain: unknown[] = [];
    for (let cause = (error as Error).cause; cause !== undefined; cause = (cause as Error).cause)
      chain.push({ ...(cause as object), name: (cause as Error).name, message: (cause as Error).message });
    expect(chain).toEqual([
      { name: 'TypeError', message: 'fetch failed', cause: expect.anything() },
      { name: 'HTTPParserError', message: parser.message, code: parser.code, cause: expect.anything() },
      { name: 'TypeError', message: 'fetch failed', cause: expect.anything() },
      { name: 'HTTPParserError', message: parser.message, code: parser.code },
    ]);
  });
});

describe("the retry event's reason", () => {
  async function reasons(steps: Step[], extra: Partial<RevocationClientOptions> = {}) {
    const events: RevocationEvent[] = [];
    const { fetch, clock } = scripted(steps);
    await scriptedClient(fetch, clock, { onEvent: (event) => events.push(event), ...extra })
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
    const revoker = scriptedClient(script.fetch, clock, {
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
    await expect(scriptedClient(fetch, clock).revoke('token-0123456789')).rejects.toMatchObject({
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
      scriptedClient(fetch, clock, { retry: { maxAttempts: 2 } }).revoke('token-0123456789'),
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
      scriptedClient(fetch, clock, { retry: { maxAttempts: 3, maxElapsedMs: 1000 } }).revoke(
        'token-0123456789',
      ),
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
      scriptedClient(fetch, clock, { retry: { maxAttempts: 3, maxElapsedMs: 1000 } }).revoke(
        'token-0123456789',
      ),
    ).resolves.toMatchObject({ outcome: 'revoked', attempts: 2 });
    expect(requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([100]);
  });

  it('a 503 with Retry-After: 0 is retried at once, with no sleep', async () => {
    const { fetch, clock, requests } = scripted([
      new Response('', { status: 503, headers: { 'retry-after': '0' } }),
      new Response(''),
    ]);
    await expect(scriptedClient(fetch, clock).revoke('token-0123456789')).resolves.toMatchObject({
      attempts: 2,
    });
    expect(requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([]);
  });

  it('Retry-After is read only on a retryable answer', async () => {
    const events: RevocationEvent[] = [];
    const { fetch, clock } = scripted([json(400, { error: 'invalid_request' }, { 'retry-after': '5' })]);
    const error = await rejection(
      scriptedClient(fetch, clock, { onEvent: (e) => events.push(e) }).revoke('token-0123456789'),
    );
    expect(error).toMatchObject({ code: 'unexpected_response', retryAfterMs: undefined, retryable: false });
  });

  it('a call whose budget is spent before an attempt could start fails with a TimeoutError and no request', async () => {
    // The access-token function takes the whole budget: no time is left to send the request in.
    const clock = fakeClock();
    const { fetch, requests } = scripted([new Response('')], clock);
    const events: RevocationEvent[] = [];
    const error = await rejection(
      scriptedClient(fetch, clock, {
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
    const revoker = scriptedClient(fetch, clock, { retry: false });
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
