// How each error answer becomes an error: its class, message and details for an answer with no body
// at all, an OAuth error body, or a body that is not one; the caps and redaction of what the server
// said; `cause`, `toJSON()`, names, and `instanceof` across builds of the package.
import {
  createRevocationClient,
  InvalidClientError,
  InvalidTokenError,
  isRevocationError,
  LIMITS,
  NetworkError,
  RateLimitedError,
  type RevocationClientOptions,
  RevocationError,
  ServerError,
  TimeoutError,
  UnauthorizedClientError,
  UnexpectedResponseError,
  UnsupportedTokenTypeError,
} from '../../src';
import { rejection } from '../support/fixtures';

const TOKEN = 'token-0123456789';
const SECRET = 'CANARYsecret42';

/** The error a single attempt answered with `response` rejects with. */
async function errorFor(response: Response, extra: Partial<RevocationClientOptions> = {}) {
  const client = createRevocationClient({
    baseUrl: 'https://digilocker.test/public',
    credentials: { clientId: 'id', clientSecret: SECRET },
    fetch: async () => response,
    retry: false,
    ...extra,
  });
  const error = await rejection(client.revoke(TOKEN));
  if (!(error instanceof RevocationError)) throw error;
  return error;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('an error answer with no body at all', () => {
  it.each([
    [400, InvalidTokenError, 'DigiLocker answered that the token is invalid: 400', false],
    [401, InvalidClientError, "DigiLocker refused the client's authentication: 401", false],
    [403, InvalidClientError, "DigiLocker refused the client's authentication: 403", false],
    [404, UnexpectedResponseError, 'DigiLocker answered an unexpected 404', false],
    [408, TimeoutError, 'DigiLocker timed out waiting for the request: 408', true],
    [409, UnexpectedResponseError, 'DigiLocker answered an unexpected 409', false],
    [429, RateLimitedError, 'DigiLocker rate-limited the request: 429', true],
    [500, ServerError, 'DigiLocker failed: 500', true],
    [501, ServerError, 'DigiLocker failed: 501', false],
    [599, ServerError, 'DigiLocker failed: 599', false],
  ])('%i is a %p: "%s"', async (status, ErrorClass, message, retryable) => {
    const error = await errorFor(new Response(null, { status }));
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.message).toBe(message);
    expect(error).toMatchObject({
      status,
      attempts: 1,
      retryable,
      oauthError: undefined,
      oauthErrorDescription: undefined,
      retryAfterMs: undefined,
    });
  });

  it('a JSON null is no body either: 400 is an InvalidTokenError', async () => {
    const error = await errorFor(json(400, null));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.message).toBe('DigiLocker answered that the token is invalid: 400');
  });
});

describe('an OAuth error body', () => {
  it('names the code and the description in the message', async () => {
    const error = await errorFor(json(400, { error: 'invalid_request', error_description: 'token missing' }));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toBe('DigiLocker answered an unexpected 400 (invalid_request: token missing)');
    expect(error).toMatchObject({ oauthError: 'invalid_request', oauthErrorDescription: 'token missing' });
  });

  it('a cap through a surrogate pair leaves no half of it', async () => {
    const description = `${'a'.repeat(LIMITS.maxOAuthErrorDescriptionLength - 1)}\u{1f600}`;
    const error = await errorFor(json(400, { error: 'invalid_request', error_description: description }));
    expect(error.oauthErrorDescription).toBe(
      `${'a'.repeat(LIMITS.maxOAuthErrorDescriptionLength - 1)}\ufffd`,
    );
  });

  it("stores no control or bidi character of the server's text: each is U+FFFD", async () => {
    const forged =
      'bad\u001b[2J\u001b[31mPWNED\r\nrevoked: 9999\u0007\u202eevil\u2066\u2028line\u2029para\u200fmark\u200e\ud800half\udfff';
    const error = await errorFor(json(400, { error: `x\u001b]0;title\u0007`, error_description: forged }));
    expect(error.oauthErrorDescription).toBe(
      'bad\ufffd[2J\ufffd[31mPWNED\ufffd\ufffdrevoked: 9999\ufffd\ufffdevil\ufffd\ufffdline\ufffdpara\ufffdmark\ufffd\ufffdhalf\ufffd',
    );
    expect(error.oauthError).toBe('x\ufffd]0;title\ufffd');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/);
  });

  it('names the code alone when there is no description', async () => {
    const error = await errorFor(json(503, { error: 'temporarily_unavailable' }));
    expect(error.message).toBe('DigiLocker failed: 503 (temporarily_unavailable)');
  });

  it('keeps a description without a code, out of the message', async () => {
    const error = await errorFor(json(400, { error_description: 'expired' }));
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.message).toBe('DigiLocker answered that the token is invalid: 400');
    expect(error).toMatchObject({ oauthError: undefined, oauthErrorDescription: 'expired' });
  });

  it('an empty description adds nothing to the message', async () => {
    const error = await errorFor(json(400, { error: 'invalid_token', error_description: '' }));
    expect(error.message).toBe('DigiLocker answered that the token is invalid: 400 (invalid_token)');
    expect(error.oauthErrorDescription).toBe('');
  });

  it('invalid_client on a 4xx is an InvalidClientError', async () => {
    const error = await errorFor(json(400, { error: 'invalid_client' }));
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error.message).toBe("DigiLocker refused the client's authentication: 400 (invalid_client)");
  });

  it.each([
    [503, ServerError],
    [429, RateLimitedError],
  ])('a %i that says invalid_client goes by its status, as its retries did', async (status, Class) => {
    const error = await errorFor(json(status, { error: 'invalid_client' }));
    expect(error).toBeInstanceOf(Class);
    expect(error).toMatchObject({ retryable: true, oauthError: 'invalid_client' });
  });

  it('a 400 with another code is no invalid token', async () => {
    await expect(errorFor(json(400, { error: 'invalid_grant' }))).resolves.toBeInstanceOf(
      UnexpectedResponseError,
    );
  });

  it('a 404 that says invalid_token is still unexpected: only a 400 invalidates a token', async () => {
    const error = await errorFor(json(404, { error: 'invalid_token' }));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toBe('DigiLocker answered an unexpected 404 (invalid_token)');
  });

  it('a final 429 carries the Retry-After it asked for', async () => {
    const error = await errorFor(new Response('', { status: 429, headers: { 'retry-after': '7' } }));
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 7000, retryable: true });
  });
});

describe('an error body that is not an OAuth error', () => {
  const NOT_OAUTH = 'DigiLocker answered 400 with an error body that is not an OAuth error';
  it.each([
    ['text', new Response('<html>oops</html>', { status: 400 })],
    ['a JSON array', json(400, [{ error: 'invalid_token' }])],
    ['a JSON string', json(400, 'invalid_token')],
    ['a JSON number', json(400, 400)],
    ['an error that is not a string', json(400, { error: 400 })],
    ['a description that is not a string', json(400, { error: 'invalid_token', error_description: 5 })],
    [
      'invalid_client with a description that is not a string',
      json(400, { error: 'invalid_client', error_description: [] }),
    ],
  ])('%s on a 400 is an UnexpectedResponseError', async (_label, response) => {
    const error = await errorFor(response);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toBe(NOT_OAUTH);
    expect(error).toMatchObject({ oauthError: undefined, oauthErrorDescription: undefined });
  });

  it('on a 401 it is still an InvalidClientError, the status decides', async () => {
    const error = await errorFor(new Response('denied', { status: 401 }));
    expect(error).toBeInstanceOf(InvalidClientError);
    expect(error.message).toBe("DigiLocker refused the client's authentication: 401");
  });

  it('on a 502 it is still a ServerError', async () => {
    const error = await errorFor(new Response('<html>Bad Gateway</html>', { status: 502 }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toBe('DigiLocker failed: 502');
  });
});

describe('what the server said is capped and redacted before it is stored', () => {
  it(`keeps at most ${LIMITS.maxOAuthErrorDescriptionLength} characters of error_description`, async () => {
    const error = await errorFor(
      json(400, { error: 'invalid_request', error_description: 'd'.repeat(2000) }),
    );
    expect(error.oauthErrorDescription).toBe('d'.repeat(LIMITS.maxOAuthErrorDescriptionLength));
  });

  it(`keeps at most ${LIMITS.maxOAuthErrorLength} characters of an odd error code`, async () => {
    const error = await errorFor(json(400, { error: 'e'.repeat(1000) }));
    expect(error.oauthError).toBe('e'.repeat(LIMITS.maxOAuthErrorLength));
  });

  it('redacts first, then caps: a secret at the cut is never left half', async () => {
    const cut = LIMITS.maxOAuthErrorDescriptionLength;
    const description = `${'d'.repeat(cut - 5)}${SECRET} and more`;
    const error = await errorFor(json(400, { error: 'invalid_request', error_description: description }));
    expect(error.oauthErrorDescription).toBe(`${'d'.repeat(cut - 5)}[REDA`);
    expect(error.oauthErrorDescription).not.toContain(SECRET.slice(0, 5));
  });

  it('redacts the token and the secret from an odd error code', async () => {
    const error = await errorFor(json(400, { error: `bad_${TOKEN}_${SECRET}` }));
    expect(error.oauthError).toBe('bad_[REDACTED]_[REDACTED]');
    expect(error.message).toBe('DigiLocker answered an unexpected 400 (bad_[REDACTED]_[REDACTED])');
  });

  it.each([
    'invalid_token',
    'invalid_request',
    'invalid_client',
    'invalid_grant',
    'invalid_scope',
    'unauthorized_client',
    'unsupported_grant_type',
    'unsupported_token_type',
    'access_denied',
    'server_error',
    'temporarily_unavailable',
  ])('keeps the standard code %s whole, even when a secret is part of it', async (code) => {
    const secret = code.slice(2, 6); // e.g. "vali": a short secret inside the code
    const error = await errorFor(json(400, { error: code, error_description: `about ${secret}` }), {
      credentials: { clientId: 'id', clientSecret: secret },
    });
    expect(error.oauthError).toBe(code);
    expect(error.oauthErrorDescription).toBe('about [REDACTED]');
  });
});

describe('cause', () => {
  it("a NetworkError keeps the failure's name and message as its cause", async () => {
    const failure = new TypeError('fetch failed');
    const client = createRevocationClient({
      baseUrl: 'https://digilocker.test/public',
      credentials: { clientId: 'id', clientSecret: SECRET },
      fetch: async () => {
        throw failure;
      },
      retry: false,
    });
    const error = (await rejection(client.revoke(TOKEN))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.cause).toMatchObject({ name: failure.name, message: failure.message });
  });

  it('an error made from an answer has no cause at all', async () => {
    const error = await errorFor(json(503, { error: 'server_error' }));
    expect('cause' in error).toBe(false);
  });

  it('an error given no cause has none, one given a cause has it', () => {
    expect('cause' in new ServerError('m', { attempts: 1, retryable: true })).toBe(false);
    const cause = new Error('underneath');
    expect(new NetworkError('m', { attempts: 1, retryable: true, cause }).cause).toBe(cause);
  });
});

describe('toJSON()', () => {
  it('is a plain object of the name, code, message and details, without cause', async () => {
    const error = await errorFor(
      json(429, { error: 'slow_down', error_description: 'wait' }, { 'retry-after': '3' }),
    );
    expect(error.toJSON()).toEqual({
      name: 'RateLimitedError',
      code: 'rate_limited',
      message: 'DigiLocker rate-limited the request: 429 (slow_down: wait)',
      status: 429,
      oauthError: 'slow_down',
      oauthErrorDescription: 'wait',
      attempts: 1,
      retryable: true,
      retryAfterMs: 3000,
      mayHaveRevoked: false,
    });
    const network = new NetworkError('m', { attempts: 2, retryable: true, cause: new Error('x') });
    expect(network.toJSON()).not.toHaveProperty('cause');
    expect(JSON.parse(JSON.stringify(network))).toMatchObject({ name: 'NetworkError', attempts: 2 });
  });
});

describe('names and codes', () => {
  it.each([
    [InvalidTokenError, 'InvalidTokenError', 'invalid_token'],
    [InvalidClientError, 'InvalidClientError', 'invalid_client'],
    [RateLimitedError, 'RateLimitedError', 'rate_limited'],
    [ServerError, 'ServerError', 'server_error'],
    [NetworkError, 'NetworkError', 'network_error'],
    [TimeoutError, 'TimeoutError', 'timeout'],
    [UnexpectedResponseError, 'UnexpectedResponseError', 'unexpected_response'],
    [UnsupportedTokenTypeError, 'UnsupportedTokenTypeError', 'unsupported_token_type'],
    [UnauthorizedClientError, 'UnauthorizedClientError', 'unauthorized_client'],
  ])('%p is named %s, with code %s', (ErrorClass, name, code) => {
    const error = new ErrorClass('message', { attempts: 1, retryable: false });
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(String(error.stack)).toMatch(new RegExp(`^${name}: message`));
    // Like Error.prototype.name: writable and configurable, not enumerable.
    expect(Object.getOwnPropertyDescriptor(ErrorClass.prototype, 'name')).toEqual({
      value: name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
    error.name = 'Renamed';
    expect(error.name).toBe('Renamed');
  });

  it('the base class is named RevocationError, like Error.prototype.name', () => {
    expect(new RevocationError('m', { attempts: 0, retryable: false }).name).toBe('RevocationError');
    expect(Object.getOwnPropertyDescriptor(RevocationError.prototype, 'name')).toEqual({
      value: 'RevocationError',
      writable: true,
      configurable: true,
      enumerable: false,
    });
  });
});

describe('instanceof and isRevocationError', () => {
  /** An error as another build (or copy) of the package makes it: the registered brands of its classes. */
  const fromAnotherBuild = (className: string, code: string) => {
    const error = new Error('from the CommonJS build');
    for (const name of ['RevocationError', className])
      Object.defineProperty(error, Symbol.for(`digilocker-revocation/${name}`), { value: true });
    return Object.assign(error, { code });
  };

  it('an error of another build is an instance of the base class and of its own class only', () => {
    const error = fromAnotherBuild('TimeoutError', 'timeout');
    expect(isRevocationError(error)).toBe(true);
    expect(error instanceof RevocationError).toBe(true);
    expect(error instanceof TimeoutError).toBe(true);
    expect(error instanceof ServerError).toBe(false);
    expect(error instanceof NetworkError).toBe(false);
  });

  it('each class recognises its own errors and no other', () => {
    const error = new ServerError('m', { attempts: 1, retryable: true });
    expect(error instanceof ServerError).toBe(true);
    expect(error instanceof RevocationError).toBe(true);
    expect(error instanceof Error).toBe(true);
    expect(error instanceof TimeoutError).toBe(false);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'invalid_token'],
    ['a plain Error', new Error('x')],
    ['an object with a code', { code: 'timeout' }],
    [
      'a brand that is not true',
      { [Symbol.for('digilocker-revocation/RevocationError')]: 1, code: 'timeout' },
    ],
  ])('%s is no revocation error', (_label, value) => {
    expect(isRevocationError(value)).toBe(false);
    expect(value instanceof RevocationError).toBe(false);
    expect(value instanceof TimeoutError).toBe(false);
  });
});
