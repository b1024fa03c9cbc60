// client.revoke(token, { tokenTypeHint?, signal? }): what it validates, what it sends, and how it reads
// every answer DigiLocker can give.
import nock from 'nock';
import {
  createRevocationClient,
  InvalidClientError,
  InvalidTokenError,
  RateLimitedError,
  type RevocationClientOptions,
  RevocationError,
  ServerError,
  UnexpectedResponseError,
  UnsupportedTokenTypeError,
} from '../../src';
import { BASE, PATH, rejection } from '../support/fixtures';
import { useNock } from '../support/use-nock';

const TOKEN = 'tok-3f9a2c1e7b';
const CREDENTIALS = { clientId: 'client-1', clientSecret: 'secret-1' };

useNock();

function client(options: Partial<RevocationClientOptions> = {}) {
  const auth = options.accessToken === undefined ? { credentials: CREDENTIALS } : {};
  return createRevocationClient({ retry: false, ...auth, ...options });
}

/** Intercepts one revoke whose raw body is exactly `body`, and records the request headers. */
function expectRevoke(body: string, status = 200, replyBody = '') {
  const seen: { headers?: Record<string, string> } = {};
  const scope = nock(BASE)
    .post(PATH, body)
    .reply(function () {
      seen.headers = this.req.headers;
      return [status, replyBody];
    });
  return { scope, seen };
}

function basic(encodedId: string, encodedSecret: string): string {
  return `Basic ${Buffer.from(`${encodedId}:${encodedSecret}`).toString('base64')}`;
}

describe('input validation, before any request', () => {
  const fetch = jest.fn<Promise<Response>, Parameters<typeof globalThis.fetch>>();
  beforeEach(() => fetch.mockReset());

  it.each([
    { label: 'undefined', token: undefined, ErrorClass: TypeError },
    { label: 'null', token: null, ErrorClass: TypeError },
    { label: 'a number', token: 42, ErrorClass: TypeError },
    { label: 'an object', token: { token: TOKEN }, ErrorClass: TypeError },
    { label: 'an array', token: [TOKEN], ErrorClass: TypeError },
    { label: 'an empty string', token: '', ErrorClass: RangeError },
    { label: 'a string of 4097 characters', token: 'x'.repeat(4097), ErrorClass: RangeError },
    { label: 'a string with a newline', token: `${TOKEN}\n`, ErrorClass: RangeError },
    { label: 'a string with a NUL', token: `${TOKEN}\u0000x`, ErrorClass: RangeError },
    { label: 'a string with DEL', token: `a\u007f${TOKEN}`, ErrorClass: RangeError },
    { label: 'a string with a C1 control', token: `\u0085${TOKEN}`, ErrorClass: RangeError },
    // Half a surrogate pair: no encoding can send it (encodeURIComponent throws, JSON sends U+FFFD).
    { label: 'a lone high surrogate', token: `${TOKEN}\ud83d`, ErrorClass: RangeError },
    { label: 'a lone low surrogate', token: `\ude00${TOKEN}`, ErrorClass: RangeError },
    // A copy with something invisible: DigiLocker's invalid_token for it would read as "already invalid".
    { label: 'a string of spaces', token: '   ', ErrorClass: RangeError },
    { label: 'a trailing space', token: `${TOKEN} `, ErrorClass: RangeError },
    { label: 'a leading no-break space', token: `\u00a0${TOKEN}`, ErrorClass: RangeError },
    { label: 'a trailing ideographic space', token: `${TOKEN}\u3000`, ErrorClass: RangeError },
    {
      label: 'a zero-width space inside',
      token: `${TOKEN.slice(0, 4)}\u200b${TOKEN.slice(4)}`,
      ErrorClass: RangeError,
    },
    { label: 'a bidi override', token: `\u202e${TOKEN}`, ErrorClass: RangeError },
    { label: 'a byte order mark', token: `\ufeff${TOKEN}`, ErrorClass: RangeError },
    { label: 'a soft hyphen', token: `${TOKEN}\u00ad`, ErrorClass: RangeError },
    { label: 'a combining grapheme joiner', token: `${TOKEN}\u034f${TOKEN}`, ErrorClass: RangeError },
    { label: 'a variation selector', token: `${TOKEN}\ufe0f${TOKEN}`, ErrorClass: RangeError },
    { label: 'a Hangul filler', token: `${TOKEN}\u3164${TOKEN}`, ErrorClass: RangeError },
    { label: 'a line separator inside', token: `${TOKEN}\u2028${TOKEN}`, ErrorClass: RangeError },
  ])(
    'rejects $label as the token with a $ErrorClass.name, sending nothing',
    async ({ token, ErrorClass }) => {
      const error = await rejection(
        // @ts-expect-error: deliberately the wrong type
        client({ fetch }).revoke(token),
      );
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error.message).toMatch(/token/);
      expect(error.message).not.toContain(TOKEN);
      expect(fetch).not.toHaveBeenCalled();
    },
  );

  it('accepts a token with a space inside it (RFC 6749 allows one)', async () => {
    fetch.mockResolvedValue(new Response(null, { status: 200 }));
    await expect(client({ fetch }).revoke(`${TOKEN} ${TOKEN}`)).resolves.toMatchObject({
      outcome: 'revoked',
    });
  });

  it('accepts a token of exactly 4096 characters', async () => {
    fetch.mockResolvedValue(new Response(null, { status: 200 }));
    await expect(client({ fetch }).revoke('x'.repeat(4096))).resolves.toMatchObject({ outcome: 'revoked' });
  });

  it.each([
    ['an unknown hint', 'id_token'],
    ['a hint of the wrong case', 'ACCESS_TOKEN'],
    ['a number', 1],
    ['null', null],
  ])('rejects %s as tokenTypeHint with a TypeError', async (_label, hint) => {
    // @ts-expect-error: deliberately the wrong type
    const call = client({ fetch }).revoke(TOKEN, { tokenTypeHint: hint });
    await expect(call).rejects.toThrow(TypeError);
    await expect(call).rejects.toThrow(/tokenTypeHint/);
    await expect(call).rejects.not.toThrow(TOKEN);
    expect(fetch).not.toHaveBeenCalled();
  });

  it.each([
    ['null options', null],
    ['a string as options', 'access_token'],
    ['a signal that is not an AbortSignal', { signal: { aborted: false } }],
  ])('rejects %s with a TypeError', async (_label, options) => {
    // @ts-expect-error: deliberately the wrong type
    await expect(client({ fetch }).revoke(TOKEN, options)).rejects.toThrow(TypeError);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('returns a rejected promise instead of throwing synchronously', () => {
    // @ts-expect-error: deliberately the wrong type
    const call = client({ fetch }).revoke(42);
    expect(call).toBeInstanceOf(Promise);
    return expect(call).rejects.toThrow(TypeError);
  });

  it('rejects with the reason of an already aborted signal, without a request', async () => {
    const reason = new Error('stopped by the caller');
    await expect(client({ fetch }).revoke(TOKEN, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('the request', () => {
  it('is POST {baseUrl}/oauth2/1/revoke with Accept: application/json and the User-Agent', async () => {
    const { scope, seen } = expectRevoke(`token=${TOKEN}`);
    await client({ userAgent: 'my-app/2.1' }).revoke(TOKEN);
    expect(scope.isDone()).toBe(true);
    expect(seen.headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'digilocker-revocation/0.1.0 my-app/2.1',
    });
  });

  describe('form body', () => {
    it('with client_secret_basic: token and hint in the body, credentials in Authorization', async () => {
      const { scope, seen } = expectRevoke(`token=${TOKEN}&token_type_hint=refresh_token`);
      await client().revoke(TOKEN, { tokenTypeHint: 'refresh_token' });
      expect(scope.isDone()).toBe(true);
      expect(seen.headers?.authorization).toBe(basic('client-1', 'secret-1'));
    });

    it('with client_secret_post: client_id and client_secret in the body, no Authorization', async () => {
      const { scope, seen } = expectRevoke(
        `token=${TOKEN}&token_type_hint=access_token&client_id=client-1&client_secret=secret-1`,
      );
      await client({ clientAuthentication: 'client_secret_post' }).revoke(TOKEN, {
        tokenTypeHint: 'access_token',
      });
      expect(scope.isDone()).toBe(true);
      expect(seen.headers).not.toHaveProperty('authorization');
    });

    it('with a bearer token: token only in the body, Bearer in Authorization', async () => {
      const { scope, seen } = expectRevoke(`token=${TOKEN}`);
      await client({ accessToken: 'bearer-1' }).revoke(TOKEN);
      expect(scope.isDone()).toBe(true);
      expect(seen.headers?.authorization).toBe('Bearer bearer-1');
    });

    it('form-encodes the token', async () => {
      const { scope } = expectRevoke('token=a%2Bb%2Fc%3D+%26%C3%A9&token_type_hint=access_token');
      await client().revoke('a+b/c= &é', { tokenTypeHint: 'access_token' });
      expect(scope.isDone()).toBe(true);
    });
  });

  describe('JSON body', () => {
    it('with client_secret_basic: {"token","token_type_hint"} and Basic', async () => {
      const { scope, seen } = expectRevoke(`{"token":"${TOKEN}","token_type_hint":"refresh_token"}`);
      await client({ bodyEncoding: 'json' }).revoke(TOKEN, { tokenTypeHint: 'refresh_token' });
      expect(scope.isDone()).toBe(true);
      expect(seen.headers?.['content-type']).toBe('application/json');
      expect(seen.headers?.authorization).toBe(basic('client-1', 'secret-1'));
    });

    it('with a bearer token: {"token"} without a hint when none is given', async () => {
      const { scope, seen } = expectRevoke(`{"token":"${TOKEN}"}`);
      await client({ bodyEncoding: 'json', accessToken: 'bearer-1' }).revoke(TOKEN);
      expect(scope.isDone()).toBe(true);
      expect(seen.headers?.authorization).toBe('Bearer bearer-1');
    });

    it('cannot carry client_secret_post credentials: the client refuses to be created', () => {
      expect(() => client({ bodyEncoding: 'json', clientAuthentication: 'client_secret_post' })).toThrow(
        TypeError,
      );
    });
  });

  it('Basic form-encodes the client id and secret before base64 (RFC 6749 section 2.3.1)', async () => {
    const { scope, seen } = expectRevoke(`token=${TOKEN}`);
    await client({ credentials: { clientId: 'id:1&a b+é', clientSecret: 's:e&c r+é' } }).revoke(TOKEN);
    expect(scope.isDone()).toBe(true);
    expect(seen.headers?.authorization).toBe(basic('id%3A1%26a+b%2B%C3%A9', 's%3Ae%26c+r%2B%C3%A9'));
  });

  it.each([
    ['a string', 'bearer-s'],
    ['a function', () => 'bearer-s'],
    ['an async function', async () => 'bearer-s'],
  ])('takes the bearer token from %s', async (_label, accessToken) => {
    const { scope, seen } = expectRevoke(`token=${TOKEN}`);
    await client({ accessToken }).revoke(TOKEN);
    expect(scope.isDone()).toBe(true);
    expect(seen.headers?.authorization).toBe('Bearer bearer-s');
  });
});

describe('success: any 2xx, whatever its body', () => {
  it.each([
    ['an empty body', 200, '', {}],
    ['{}', 200, '{}', { 'Content-Type': 'application/json' }],
    ['{"revoked": true}', 200, '{"revoked": true}', { 'Content-Type': 'application/json' }],
    ['non-JSON text', 200, 'OK, revoked', { 'Content-Type': 'text/plain' }],
    ['non-JSON text labelled JSON', 200, 'OK', { 'Content-Type': 'application/json' }],
    ['no content-type', 200, 'whatever', {}],
    ['HTML', 200, '<html><body>Done</body></html>', { 'Content-Type': 'text/html' }],
    ['204 No Content', 204, '', {}],
  ])('resolves on %s', async (_label, status, body, headers) => {
    nock(BASE).post(PATH).reply(status, body, headers);
    const result = await client().revoke(TOKEN);
    expect(result).toEqual({
      outcome: 'revoked',
      confirmed: true,
      status,
      attempts: 1,
      durationMs: expect.any(Number),
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe('failures', () => {
  async function failure(
    status: number,
    body: string | object,
    options: Partial<RevocationClientOptions> = {},
  ): Promise<RevocationError> {
    nock(BASE).post(PATH).reply(status, body);
    const error = await rejection(client(options).revoke(TOKEN));
    expect(error).toBeInstanceOf(RevocationError);
    return error as RevocationError;
  }

  it.each([
    ['no error code', {}],
    ['an empty body', ''],
    ['invalid_token', { error: 'invalid_token' }],
  ])('400 with %s rejects with InvalidTokenError', async (_label, body) => {
    const error = await failure(400, body);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ code: 'invalid_token', status: 400, attempts: 1, retryable: false });
  });

  it('InvalidTokenError carries the parsed oauthError and oauthErrorDescription', async () => {
    const error = await failure(400, { error: 'invalid_token', error_description: 'Token expired' });
    expect(error).toMatchObject({ oauthError: 'invalid_token', oauthErrorDescription: 'Token expired' });
    expect(error.message).toContain('Token expired');
  });

  it.each([
    ['no error code', {}],
    ['an empty body', ''],
    ['invalid_token', { error: 'invalid_token', error_description: 'expired' }],
  ])('with treatInvalidTokenAsRevoked, 400 with %s resolves already_invalid', async (_label, body) => {
    nock(BASE).post(PATH).reply(400, body);
    await expect(client({ treatInvalidTokenAsRevoked: true }).revoke(TOKEN)).resolves.toEqual({
      outcome: 'already_invalid',
      confirmed: true,
      status: 400,
      attempts: 1,
      durationMs: expect.any(Number),
    });
  });

  it('treatInvalidTokenAsRevoked does not swallow other failures', async () => {
    const error = await failure(400, { error: 'invalid_request' }, { treatInvalidTokenAsRevoked: true });
    expect(error).toBeInstanceOf(UnexpectedResponseError);
  });

  it.each([
    ['400 invalid_request', 400, { error: 'invalid_request', error_description: 'missing token' }],
    ['404', 404, ''],
    ['409', 409, { error: 'conflict' }],
    ['400 with a truncated JSON body', 400, '{"error":'],
    ['400 with HTML', 400, '<html><body>Bad Request</body></html>'],
    ['400 with a non-string error', 400, { error: 42 }],
    ['400 with a JSON array', 400, '["invalid_token"]'],
  ])('%s rejects with UnexpectedResponseError', async (_label, status, body) => {
    const error = await failure(status, body);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ code: 'unexpected_response', status, retryable: false });
  });

  it('400 unsupported_token_type rejects with UnsupportedTokenTypeError (RFC 7009 section 2.2.1), not retried', async () => {
    const error = await failure(400, { error: 'unsupported_token_type' });
    expect(error).toBeInstanceOf(UnsupportedTokenTypeError);
    expect(error).toMatchObject({ code: 'unsupported_token_type', status: 400, retryable: false });
  });

  it.each([401, 403])('%i rejects with InvalidClientError', async (status) => {
    const error = await failure(status, { error: 'invalid_client' });
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error).toMatchObject({ code: 'invalid_client', status, oauthError: 'invalid_client' });
  });

  it('429 rejects with RateLimitedError, retryable', async () => {
    nock(BASE).post(PATH).reply(429, '', { 'Retry-After': '7' });
    const error = await rejection(client().revoke(TOKEN));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryable: true, retryAfterMs: 7000 });
  });

  it.each([500, 502, 503, 504, 599])('%i rejects with ServerError', async (status) => {
    const error = await failure(status, '');
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'server_error', status, attempts: 1 });
    expect(error.retryable).toBe(status !== 599);
  });

  it('every failure is an Error with a name, a code, a status, attempts and toJSON()', async () => {
    const error = await failure(400, { error: 'invalid_token', error_description: 'gone' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('InvalidTokenError');
    expect(error.toJSON()).toEqual(
      expect.objectContaining({
        name: 'InvalidTokenError',
        message: error.message,
        code: 'invalid_token',
        status: 400,
        attempts: 1,
        retryable: false,
        oauthError: 'invalid_token',
        oauthErrorDescription: 'gone',
      }),
    );
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'invalid_token', status: 400 });
  });
});

describe('client.raw', () => {
  it('is the generated openapi-fetch client, bare', async () => {
    const scope = nock(BASE).post(PATH, 'token=raw-token').reply(200, '{}', {
      'Content-Type': 'application/json',
    });
    const raw = client().raw;
    const { response, data } = await raw.POST('/oauth2/1/revoke', {
      body: { token: 'raw-token' },
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
    });
    expect(scope.isDone()).toBe(true);
    expect(response.status).toBe(200);
    expect(data).toEqual({});
  });
});
