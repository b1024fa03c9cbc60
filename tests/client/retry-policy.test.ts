// Retries: what is retried, how long the client waits (exact, with an injected clock and random
// source), Retry-After, and the attempt and time budgets.
import nock from 'nock';
import {
  type Clock,
  createRevocationClient,
  InvalidClientError,
  RateLimitedError,
  type RevocationClientOptions,
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
import { BASE, fakeClock, PATH } from '../support/fixtures';
import { useNock } from '../support/use-nock';

function client(clock: Clock, extra: Partial<RevocationClientOptions> = {}) {
  return createRevocationClient({
    credentials: { clientId: 'id', clientSecret: 'secret' },
    clock,
    random: () => 0.5,
    ...extra,
  });
}

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
    expect(codeOfRetryableStatus(408)).toBe('timeout');
    expect(codeOfRetryableStatus(429)).toBe('rate_limited');
    expect(codeOfRetryableStatus(503)).toBe('server_error');
  });
});
