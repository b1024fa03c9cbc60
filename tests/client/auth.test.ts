// clientCredentialsTokenProvider and access-token functions: how the client gets, caches, shares and
// refreshes the bearer token of the listing's `oauthsecurity` scheme.
import nock from 'nock';
import {
  type AccessTokenContext,
  clientCredentialsTokenProvider,
  createRevocationClient,
  InvalidClientError,
  type RevocationClientOptions,
  UnexpectedResponseError,
} from '../../src';
import { BASE, rejection } from '../support/fixtures';
import { useNock } from '../support/use-nock';

const REVOKE = '/oauth2/1/revoke';
const TOKEN_PATH = '/oauth2/1/token';
const CLIENT_ID = 'client-1';
const SECRET = 'auth-secret-5e1d0a';
const BASIC = `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64')}`;

useNock();
afterEach(() => {
  jest.useRealTimers();
});

function provider(extra: { tokenUrl?: string; scope?: string } = {}) {
  return clientCredentialsTokenProvider({ clientId: CLIENT_ID, clientSecret: SECRET, ...extra });
}

function client(options: Partial<RevocationClientOptions> = {}) {
  return createRevocationClient({ accessToken: provider(), random: () => 0, ...options });
}

/** A token endpoint at `base` that hands out `tokens` in turn (null expiresIn: none sent) and counts requests. */
function tokenEndpoint(tokens: string[], { base = BASE, expiresIn = 3600 as unknown } = {}) {
  const seen = { requests: 0, bodies: [] as string[], authorizations: [] as string[] };
  nock(base)
    .post(TOKEN_PATH)
    .times(tokens.length)
    .delay(20)
    .reply(function (_uri, body) {
      const token = tokens[seen.requests++];
      seen.bodies.push(String(body));
      seen.authorizations.push(this.req.headers.authorization ?? '');
      const lifetime = expiresIn === null ? {} : { expires_in: expiresIn };
      return [200, { access_token: token, token_type: 'Bearer', ...lifetime }];
    });
  return seen;
}

/** A revoke endpoint that answers each bearer token as `answers` says, recording the tokens it sees. */
function revokeEndpoint(answers: Record<string, number>, times = 1) {
  const bearers: string[] = [];
  nock(BASE)
    .post(REVOKE)
    .times(times)
    .reply(function () {
      const bearer = (this.req.headers.authorization ?? '').replace(/^Bearer /, '');
      bearers.push(bearer);
      return [answers[bearer] ?? 500, ''];
    });
  return bearers;
}

/** Fakes only Date (never timers, which nock and the client need), starting at `now`. */
function fakeDateOnly(now: number) {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  jest.setSystemTime(now);
}

describe('the token request', () => {
  it('POSTs grant_type=client_credentials and the scope with Basic auth to tokenUrl', async () => {
    const seen = tokenEndpoint(['at-1'], { base: 'https://auth.example.test' });
    const get = clientCredentialsTokenProvider({
      tokenUrl: 'https://auth.example.test/oauth2/1/token',
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      scope: 'default',
    });
    await expect(get()).resolves.toBe('at-1');
    expect(seen.bodies).toEqual(['grant_type=client_credentials&scope=default']);
    expect(seen.authorizations).toEqual([BASIC]);
  });

  it('sends no scope when none is given', async () => {
    const seen = tokenEndpoint(['at-1']);
    await provider()();
    expect(seen.bodies).toEqual(['grant_type=client_credentials']);
  });

  it('form-encodes the client id and secret in Basic (RFC 6749 section 2.3.1)', async () => {
    const seen = tokenEndpoint(['at-1']);
    await clientCredentialsTokenProvider({ clientId: 'a:b é', clientSecret: 's&+:' })();
    expect(seen.authorizations).toEqual([
      `Basic ${Buffer.from('a%3Ab+%C3%A9:s%26%2B%3A').toString('base64')}`,
    ]);
  });

  it("defaults to the client's base URL + /oauth2/1/token when used as the client's accessToken", async () => {
    const base = 'https://digilocker.example.test/public';
    const seen = tokenEndpoint(['at-1'], { base });
    const scope = nock(base).post(REVOKE).matchHeader('authorization', 'Bearer at-1').reply(200);
    await client({ baseUrl: base }).revoke('user-token');
    expect(seen.requests).toBe(1);
    expect(scope.isDone()).toBe(true);
  });

  it("defaults to the sandbox's token endpoint when used on its own", async () => {
    const seen = tokenEndpoint(['at-1']);
    await expect(provider()()).resolves.toBe('at-1');
    expect(seen.requests).toBe(1);
  });
});

describe('caching', () => {
  it('reuses the token for calls within its lifetime', async () => {
    const seen = tokenEndpoint(['at-1']);
    const bearers = revokeEndpoint({ 'at-1': 200 }, 3);
    const revoker = client();
    await revoker.revoke('t1');
    await revoker.revoke('t2');
    await revoker.revoke('t3');
    expect(seen.requests).toBe(1);
    expect(bearers).toEqual(['at-1', 'at-1', 'at-1']);
  });

  it('asks again once the token nears expires_in (a minute early for an hour-long token)', async () => {
    const start = Date.UTC(2030, 0, 1);
    fakeDateOnly(start);
    const seen = tokenEndpoint(['at-1', 'at-2']);
    const get = provider();

    await expect(get()).resolves.toBe('at-1');
    jest.setSystemTime(start + 3_540_000 - 1);
    await expect(get()).resolves.toBe('at-1');
    expect(seen.requests).toBe(1);
    jest.setSystemTime(start + 3_540_000);
    await expect(get()).resolves.toBe('at-2');
    expect(seen.requests).toBe(2);
  });

  it('refreshes a short-lived token 10% of its lifetime early', async () => {
    const start = Date.UTC(2030, 0, 1);
    fakeDateOnly(start);
    const seen = tokenEndpoint(['at-1', 'at-2'], { expiresIn: 30 });
    const get = provider();
    await get();
    jest.setSystemTime(start + 26_999);
    await expect(get()).resolves.toBe('at-1');
    jest.setSystemTime(start + 27_000);
    await expect(get()).resolves.toBe('at-2');
    expect(seen.requests).toBe(2);
  });

  it('keeps a token without expires_in for under a minute', async () => {
    const start = Date.UTC(2030, 0, 1);
    fakeDateOnly(start);
    const seen = tokenEndpoint(['at-1', 'at-2'], { expiresIn: null });
    const get = provider();
    await get();
    jest.setSystemTime(start + 53_999);
    await expect(get()).resolves.toBe('at-1');
    jest.setSystemTime(start + 54_000);
    await expect(get()).resolves.toBe('at-2');
    expect(seen.requests).toBe(2);
  });

  it('shares one in-flight token request among concurrent calls', async () => {
    const seen = tokenEndpoint(['at-1']);
    const bearers = revokeEndpoint({ 'at-1': 200 }, 10);
    const revoker = client();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => revoker.revoke(`t${i}`)));
    expect(results.every((r) => r.outcome === 'revoked')).toBe(true);
    expect(seen.requests).toBe(1);
    expect(bearers).toHaveLength(10);
  });

  it('keeps a token a day at most, whatever expires_in says, and reads only a number of seconds', async () => {
    const start = Date.UTC(2030, 0, 1);
    fakeDateOnly(start);
    const huge = tokenEndpoint(['at-1', 'at-2'], { expiresIn: 1e306 }); // * 1000 = Infinity
    const get = provider();
    await get();
    jest.setSystemTime(start + 86_400_000 - 60_001);
    await expect(get()).resolves.toBe('at-1');
    jest.setSystemTime(start + 86_400_000 - 60_000);
    await expect(get()).resolves.toBe('at-2');
    expect(huge.requests).toBe(2);
    // A string is no number of seconds: the same 60 s as no expires_in at all.
    const text = tokenEndpoint(['at-3', 'at-4'], { expiresIn: '3600' });
    const other = provider({ tokenUrl: `${BASE}${TOKEN_PATH}` });
    jest.setSystemTime(start);
    await other();
    jest.setSystemTime(start + 54_000);
    await expect(other()).resolves.toBe('at-4');
    expect(text.requests).toBe(2);
  });

  it('keeps one token per token endpoint: clients of two deployments sharing a provider', async () => {
    const other = 'https://other.example.test/public';
    const here = tokenEndpoint(['at-here']);
    const there = tokenEndpoint(['at-there'], { base: other });
    const hereRevoke = nock(BASE)
      .post(REVOKE)
      .times(2)
      .matchHeader('authorization', 'Bearer at-here')
      .reply(200);
    const thereRevoke = nock(other)
      .post(REVOKE)
      .times(2)
      .matchHeader('authorization', 'Bearer at-there')
      .reply(200);
    const shared = provider();
    const a = createRevocationClient({ accessToken: shared, baseUrl: BASE });
    const b = createRevocationClient({ accessToken: shared, baseUrl: other });
    for (const revoker of [a, b, a, b])
      await expect(revoker.revoke('t')).resolves.toMatchObject({ status: 200 });
    expect([here.requests, there.requests]).toEqual([1, 1]);
    expect(hereRevoke.isDone() && thereRevoke.isDone()).toBe(true);
  });

  it('sends nothing for a caller whose signal is already aborted (and leaves no rejection unhandled)', async () => {
    const fetch = jest.fn(async () => new Response('', { status: 500 }));
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const reason = new Error('gone');
      await expect(provider()({ signal: AbortSignal.abort(reason), fetch })).rejects.toBe(reason);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fetch).not.toHaveBeenCalled();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('does not cache a failure: the next call asks again', async () => {
    nock(BASE).post(TOKEN_PATH).reply(503, '');
    const seen = tokenEndpoint(['at-2']);
    const get = provider();
    await expect(get()).rejects.toMatchObject({ code: 'server_error', status: 503 });
    await expect(get()).resolves.toBe('at-2');
    expect(seen.requests).toBe(1);
  });
});

describe('after the revoke endpoint answers 401', () => {
  it('asks for a fresh token once and retries with it', async () => {
    const seen = tokenEndpoint(['at-old', 'at-new']);
    const bearers = revokeEndpoint({ 'at-old': 401, 'at-new': 200 }, 2);
    const result = await client().revoke('user-token');
    expect(result).toMatchObject({ outcome: 'revoked', status: 200, attempts: 2 });
    expect(seen.requests).toBe(2);
    expect(bearers).toEqual(['at-old', 'at-new']);
  });

  it('gives up with InvalidClientError when the fresh token is refused too', async () => {
    const seen = tokenEndpoint(['at-1', 'at-2']);
    const bearers = revokeEndpoint({ 'at-1': 401, 'at-2': 401 }, 2);
    const error = await rejection(client().revoke('user-token'));
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ status: 401, attempts: 2 });
    expect(seen.requests).toBe(2);
    expect(bearers).toEqual(['at-1', 'at-2']);
  });

  it('does not retry when retry is false, but the next call gets a fresh token', async () => {
    const seen = tokenEndpoint(['at-1', 'at-2']);
    const bearers = revokeEndpoint({ 'at-1': 401, 'at-2': 200 }, 2);
    const revoker = client({ retry: false });
    await expect(revoker.revoke('t1')).rejects.toThrow(InvalidClientError);
    await expect(revoker.revoke('t2')).resolves.toMatchObject({ outcome: 'revoked', attempts: 1 });
    expect(seen.requests).toBe(2);
    expect(bearers).toEqual(['at-1', 'at-2']);
  });

  it('tells an access-token function forceRefresh: true, with the base URL, fetch and signal', async () => {
    const contexts: AccessTokenContext[] = [];
    const accessToken = jest.fn((context: AccessTokenContext) => {
      contexts.push(context);
      return context.forceRefresh ? 'fresh' : 'stale';
    });
    revokeEndpoint({ stale: 401, fresh: 200 }, 2);
    const controller = new AbortController();
    await createRevocationClient({ accessToken, random: () => 0 }).revoke('t', { signal: controller.signal });
    expect(contexts.map((c) => c.forceRefresh)).toEqual([false, true]);
    expect(contexts[0]).toMatchObject({ baseUrl: BASE, fetch: globalThis.fetch, signal: controller.signal });
  });

  it('does not refresh a static bearer token or client credentials', async () => {
    nock(BASE).post(REVOKE).reply(401, '');
    const error = await rejection(
      createRevocationClient({ accessToken: 'static', random: () => 0 }).revoke('t'),
    );
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ attempts: 1 });
  });
});

describe('token endpoint failures', () => {
  it('a 401 rejects the revocation with InvalidClientError that never holds the secret', async () => {
    nock(BASE)
      .post(TOKEN_PATH)
      .reply(401, {
        error: 'invalid_client',
        error_description: `bad secret ${SECRET} (${BASIC}) ${encodeURIComponent(SECRET)}`,
      });
    const revokeScope = nock(BASE).post(REVOKE).reply(200);
    const error = await rejection(client().revoke('user-token'));
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ code: 'invalid_client', status: 401, oauthError: 'invalid_client' });
    for (const text of [error.message, JSON.stringify(error), String(error.stack)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(BASIC);
    }
    expect(revokeScope.isDone()).toBe(false);
  });

  it.each([
    ['a bare 400', 400, ''],
    ['a 400 invalid_token', 400, { error: 'invalid_token' }],
    ['a 400 invalid_grant', 400, { error: 'invalid_grant' }],
    ['a 403 unauthorized_client', 403, { error: 'unauthorized_client' }],
  ])(
    '%s rejects with InvalidClientError, never as if the token to revoke were invalid',
    async (_, status, body) => {
      nock(BASE).post(TOKEN_PATH).reply(status, body);
      const revokeScope = nock(BASE).post(REVOKE).reply(200);
      const { refreshToken } = await client().signOut({ refreshToken: 'user-token' });
      expect(refreshToken?.ok).toBe(false);
      const error = refreshToken && !refreshToken.ok ? refreshToken.error : undefined;
      expect(error).toBeInstanceOf(InvalidClientError);
      expect(error).toMatchObject({ code: 'invalid_client', status });
      expect(revokeScope.isDone()).toBe(false);
    },
  );

  it('a 404 (a wrong tokenUrl) rejects with UnexpectedResponseError', async () => {
    nock(BASE).post(TOKEN_PATH).reply(404, '');
    await expect(provider()()).rejects.toThrow(UnexpectedResponseError);
  });

  it('a 200 without access_token rejects with UnexpectedResponseError', async () => {
    nock(BASE).post(TOKEN_PATH).reply(200, { token_type: 'Bearer' });
    await expect(provider()()).rejects.toThrow(UnexpectedResponseError);
  });

  it.each([
    ['a character past Latin-1', 'at-\u20ac'],
    ['a control character', 'at-\u0007'],
    ['more than 4096 characters', 'a'.repeat(4097)],
  ])(
    'a 200 whose access_token has %s rejects with UnexpectedResponseError, and is not kept',
    async (_, token) => {
      nock(BASE).post(TOKEN_PATH).reply(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
      const seen = tokenEndpoint(['at-good']);
      const get = provider();
      const error = await get().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expect((error as Error).message).not.toContain(token);
      await expect(get()).resolves.toBe('at-good');
      expect(seen.requests).toBe(1);
    },
  );

  it('a 200 whose token_type is not Bearer rejects with UnexpectedResponseError', async () => {
    nock(BASE).post(TOKEN_PATH).reply(200, { access_token: 'at-mac', token_type: 'mac' });
    await expect(provider()()).rejects.toThrow(UnexpectedResponseError);
  });

  it('a 200 with a non-JSON body rejects with UnexpectedResponseError', async () => {
    nock(BASE).post(TOKEN_PATH).reply(200, '<html>login</html>');
    await expect(provider()()).rejects.toThrow(UnexpectedResponseError);
  });
});

describe('provider options', () => {
  it.each([
    { label: 'null options', options: null, ErrorClass: TypeError },
    { label: 'no clientId', options: { clientSecret: SECRET }, ErrorClass: TypeError },
    { label: 'no clientSecret', options: { clientId: CLIENT_ID }, ErrorClass: TypeError },
    {
      label: 'an empty clientSecret',
      options: { clientId: CLIENT_ID, clientSecret: '' },
      ErrorClass: RangeError,
    },
    {
      label: 'a clientSecret with a newline',
      options: { clientId: CLIENT_ID, clientSecret: `${SECRET}\n` },
      ErrorClass: RangeError,
    },
    {
      label: 'a numeric scope',
      options: { clientId: CLIENT_ID, clientSecret: SECRET, scope: 1 },
      ErrorClass: TypeError,
    },
    {
      label: 'a zero timeoutMs',
      options: { clientId: CLIENT_ID, clientSecret: SECRET, timeoutMs: 0 },
      ErrorClass: RangeError,
    },
    {
      label: 'an unknown option (a typo of tokenUrl)',
      options: { clientId: CLIENT_ID, clientSecret: SECRET, tokenURL: 'https://h.test/token' },
      ErrorClass: TypeError,
    },
  ])('refuses $label, never echoing the secret', ({ options, ErrorClass }) => {
    let error: unknown;
    try {
      // @ts-expect-error: deliberately the wrong type
      clientCredentialsTokenProvider(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as Error).message).not.toContain(SECRET);
  });

  it.each([
    ['a line break', 'bad\ntoken'],
    ['a character past Latin-1, which no header carries', 'bad\u20actoken'],
    ['a lone surrogate', 'bad\udc00token'],
    ['a trailing space, which a header would drop', 'token '],
  ])('a token function returning a token with %s fails the call before any request', async (_, token) => {
    const scope = nock(BASE).post(REVOKE).reply(200);
    const revoker = createRevocationClient({ accessToken: async () => token, retry: false });
    const error = await revoker.revoke('t').catch((failure: unknown) => failure);
    // The function's failure, as when it throws: InvalidClientError, the check's RangeError as its cause.
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ retryable: true, mayHaveRevoked: false });
    expect((error as Error).cause).toBeInstanceOf(RangeError);
    expect(scope.isDone()).toBe(false);
  });

  it('signOut gives each token an outcome when the token function returns a token no header carries', async () => {
    const scope = nock(BASE).post(REVOKE).reply(200);
    const revoker = createRevocationClient({ accessToken: () => 'bad\u2603token', retry: false });
    const result = await revoker.signOut({ refreshToken: 'r', accessToken: 'a' });
    expect(result.refreshToken).toMatchObject({ ok: false, error: expect.any(InvalidClientError) });
    expect(result.accessToken).toMatchObject({ ok: false, attempted: false });
    expect(scope.isDone()).toBe(false);
  });

  it('a static bearer token no header can carry is refused at creation', () => {
    expect(() => createRevocationClient({ accessToken: 'bad\u20actoken' })).toThrow(RangeError);
    expect(() => createRevocationClient({ accessToken: 'bad\ud800token' })).toThrow(RangeError);
    expect(() => createRevocationClient({ accessToken: 'caf\u00e9-latin-1' })).not.toThrow();
  });

  it.each([
    ['a trailing space', 'at-1 '],
    ['a leading space', ' at-1'],
    ['a trailing no-break space', 'at-1\u00a0'],
  ])(
    'a static bearer token with %s is refused at creation (a header would drop or keep it unseen)',
    (_, token) => {
      const error = (() => {
        try {
          createRevocationClient({ accessToken: token });
        } catch (failure) {
          return failure as Error;
        }
      })();
      expect(error).toBeInstanceOf(RangeError);
      expect(error?.message).toMatch(/accessToken must not start or end with whitespace/);
    },
  );

  it('a token function that throws fails the call with InvalidClientError (its error as cause), sending nothing', async () => {
    const scope = nock(BASE).post(REVOKE).reply(200);
    const outage = new TypeError('fetch failed');
    const events: string[] = [];
    const revoker = createRevocationClient({
      accessToken: async () => {
        throw outage;
      },
      onEvent: (event) => events.push(`${event.type}${'code' in event ? `:${event.code}` : ''}`),
    });
    const error = await revoker.revoke('t').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ retryable: true, attempts: 0, cause: outage });
    expect(events).toEqual(['error:invalid_client']);
    expect(scope.isDone()).toBe(false);
  });
});
