// createRevocationClient(options): every option is validated once, at construction. A bad option throws a
// TypeError (wrong type or choice) or RangeError (number out of range) that names it and never repeats a
// secret; good options decide where and how the client talks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { createRevocationClient, ENVIRONMENTS, type RevocationClientOptions, VERSION } from '../../src';
import { PATH } from '../support/fixtures';
import { useNock } from '../support/use-nock';

const SECRET = 'opt-secret-8d2e4f';
const BEARER = 'opt-bearer-1c7a9b';
const CREDENTIALS = { clientId: 'client-1', clientSecret: SECRET };

useNock();

/** Builds a client from options that may be deliberately mistyped. */
function create(options: Record<string, unknown>) {
  return createRevocationClient(options as RevocationClientOptions);
}

/** The error construction throws; fails the test if it does not throw. */
function constructionError(options: Record<string, unknown>): Error {
  try {
    create(options);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected createRevocationClient to throw');
}

/** A fetch that answers 200 and records the URL and headers of each request. */
function recordingFetch() {
  const calls: { url: string; headers: Headers }[] = [];
  const fetch = jest.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), headers: new Headers(init?.headers) });
    return new Response(null, { status: 200 });
  });
  return { fetch, calls };
}

describe('where the client sends', () => {
  it('defaults to the sandbox', async () => {
    const scope = nock('https://betaapi.digitallocker.gov.in').post(`/public${PATH}`).reply(200);
    await create({ credentials: CREDENTIALS }).revoke('t');
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ['sandbox', 'https://betaapi.digitallocker.gov.in/public'],
    ['production', 'https://digilocker.meripehchaan.gov.in/public'],
    ['legacy-production', 'https://api.digitallocker.gov.in/public'],
  ] as const)('environment %s posts to %s', async (environment, base) => {
    expect(ENVIRONMENTS[environment]).toBe(base);
    const scope = nock(base).post(PATH).reply(200);
    await create({ environment, credentials: CREDENTIALS }).revoke('t');
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ['a string', 'https://digilocker.example.test/public'],
    ['a string with a trailing slash', 'https://digilocker.example.test/public/'],
    ['a URL', new URL('https://digilocker.example.test/public')],
  ])('baseUrl as %s overrides the environment', async (_label, baseUrl) => {
    const scope = nock('https://digilocker.example.test').post(`/public${PATH}`).reply(200);
    await create({ environment: 'production', baseUrl, credentials: CREDENTIALS }).revoke('t');
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    'http://localhost:8080/public',
    'http://127.0.0.1:8080/public',
    'http://127.45.6.7/public',
    'http://[::1]:8080/public',
  ])('accepts plain http on loopback: %s', (baseUrl) => {
    expect(() => create({ baseUrl, credentials: CREDENTIALS })).not.toThrow();
  });

  it.each([
    'http://example.com/public',
    'http://10.0.0.1/public',
    'http://128.0.0.1/public',
    'http://localhost.example.com/public',
    'http://127.0.0.1.nip.io/public',
    'http://[::2]/public',
  ])('refuses plain http on a host that is not loopback: %s', (baseUrl) => {
    const error = constructionError({ baseUrl, credentials: CREDENTIALS });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/baseUrl/);
    expect(error.message).toMatch(/allowInsecureHttp/);
  });

  it('accepts plain http on any host with allowInsecureHttp: true', async () => {
    const scope = nock('http://digilocker.internal').post(`/public${PATH}`).reply(200);
    await create({
      baseUrl: 'http://digilocker.internal/public',
      allowInsecureHttp: true,
      credentials: CREDENTIALS,
    }).revoke('t');
    expect(scope.isDone()).toBe(true);
  });
});

describe('authentication options', () => {
  it('needs credentials or accessToken', () => {
    const error = constructionError({});
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/credentials/);
    expect(error.message).toMatch(/accessToken/);
  });

  it('refuses both credentials and accessToken', () => {
    const error = constructionError({ credentials: CREDENTIALS, accessToken: BEARER });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/exactly one/);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(BEARER);
  });

  it.each([
    { label: 'null', credentials: null, name: 'credentials', ErrorClass: TypeError },
    { label: 'a string', credentials: SECRET, name: 'credentials', ErrorClass: TypeError },
    {
      label: 'no secret',
      credentials: { clientId: 'id' },
      name: 'credentials.clientSecret',
      ErrorClass: TypeError,
    },
    {
      label: 'a numeric id',
      credentials: { clientId: 7, clientSecret: SECRET },
      name: 'credentials.clientId',
      ErrorClass: TypeError,
    },
    {
      label: 'an empty secret',
      credentials: { clientId: 'id', clientSecret: '' },
      name: 'credentials.clientSecret',
      ErrorClass: RangeError,
    },
    {
      label: 'a secret with a newline',
      credentials: { clientId: 'id', clientSecret: `${SECRET}\n` },
      name: 'credentials.clientSecret',
      ErrorClass: RangeError,
    },
    {
      label: 'a secret with a lone surrogate (it would be sent as another secret, U+FFFD)',
      credentials: { clientId: 'id', clientSecret: `${SECRET}\ud800` },
      name: 'credentials.clientSecret',
      ErrorClass: RangeError,
    },
    {
      label: 'a secret of 4097 characters',
      credentials: { clientId: 'id', clientSecret: SECRET.repeat(400).slice(0, 4097) },
      name: 'credentials.clientSecret',
      ErrorClass: RangeError,
    },
  ])('refuses credentials with $label', ({ credentials, name, ErrorClass }) => {
    const error = constructionError({ credentials });
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.message).toContain(name);
    expect(error.message).not.toContain(SECRET);
  });

  it.each([
    { label: 'an empty string', accessToken: '', ErrorClass: RangeError },
    { label: 'a number', accessToken: 42, ErrorClass: TypeError },
    { label: 'null', accessToken: null, ErrorClass: TypeError },
    { label: 'a string with a tab', accessToken: `${BEARER}\t`, ErrorClass: RangeError },
    { label: 'a character past Latin-1', accessToken: `${BEARER}\u20ac`, ErrorClass: RangeError },
  ])('refuses accessToken as $label', ({ accessToken, ErrorClass }) => {
    const error = constructionError({ accessToken });
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.message).toContain('accessToken');
    expect(error.message).not.toContain(BEARER);
  });

  it('refuses bodyEncoding json with client_secret_post, naming both', () => {
    const error = constructionError({
      credentials: CREDENTIALS,
      bodyEncoding: 'json',
      clientAuthentication: 'client_secret_post',
    });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/client_secret_post/);
    expect(error.message).toMatch(/bodyEncoding/);
    expect(error.message).not.toContain(SECRET);
  });

  it.each([
    { bodyEncoding: 'json', clientAuthentication: 'client_secret_basic' },
    { bodyEncoding: 'form', clientAuthentication: 'client_secret_post' },
    { bodyEncoding: 'form', clientAuthentication: 'client_secret_basic' },
  ])('accepts bodyEncoding $bodyEncoding with $clientAuthentication', (options) => {
    expect(() => create({ credentials: CREDENTIALS, ...options })).not.toThrow();
  });
});

describe('each other option refuses a bad value, naming it', () => {
  const cases: { name: string; label: string; value: unknown; ErrorClass: typeof TypeError }[] = [
    { name: 'environment', label: 'an unknown name', value: 'staging', ErrorClass: TypeError },
    { name: 'environment', label: 'the wrong case', value: 'Production', ErrorClass: TypeError },
    { name: 'environment', label: 'a number', value: 1, ErrorClass: TypeError },
    { name: 'baseUrl', label: 'a number', value: 443, ErrorClass: TypeError },
    { name: 'baseUrl', label: 'not a URL', value: 'digilocker', ErrorClass: TypeError },
    { name: 'baseUrl', label: 'a relative URL', value: '/public', ErrorClass: TypeError },
    { name: 'baseUrl', label: 'ftp:', value: 'ftp://digilocker.gov.in/public', ErrorClass: TypeError },
    { name: 'baseUrl', label: 'a query', value: 'https://h.test/public?a=1', ErrorClass: TypeError },
    { name: 'baseUrl', label: 'a fragment', value: 'https://h.test/public#x', ErrorClass: TypeError },
    {
      name: 'baseUrl',
      label: 'user info',
      value: `https://user:${SECRET}@h.test/public`,
      ErrorClass: TypeError,
    },
    { name: 'allowInsecureHttp', label: 'a string', value: 'true', ErrorClass: TypeError },
    {
      name: 'clientAuthentication',
      label: 'an unknown method',
      value: 'private_key_jwt',
      ErrorClass: TypeError,
    },
    { name: 'bodyEncoding', label: 'an unknown encoding', value: 'xml', ErrorClass: TypeError },
    { name: 'retry', label: 'true', value: true, ErrorClass: TypeError },
    { name: 'retry', label: 'null', value: null, ErrorClass: TypeError },
    { name: 'retry', label: 'a number', value: 3, ErrorClass: TypeError },
    { name: 'retry.attempts', label: 'an unknown key', value: { attempts: 3 }, ErrorClass: TypeError },
    // Names every object inherits are unknown keys too.
    { name: 'retry.toString', label: 'toString', value: { toString: () => '' }, ErrorClass: TypeError },
    { name: 'retry.constructor', label: 'constructor', value: { constructor: 1 }, ErrorClass: TypeError },
    { name: 'retry.maxAttempts', label: '0', value: { maxAttempts: 0 }, ErrorClass: RangeError },
    { name: 'retry.maxAttempts', label: '21', value: { maxAttempts: 21 }, ErrorClass: RangeError },
    { name: 'retry.maxAttempts', label: '1.5', value: { maxAttempts: 1.5 }, ErrorClass: RangeError },
    {
      name: 'retry.maxAttempts',
      label: 'Infinity',
      value: { maxAttempts: Infinity },
      ErrorClass: RangeError,
    },
    { name: 'retry.maxAttempts', label: 'NaN', value: { maxAttempts: Number.NaN }, ErrorClass: TypeError },
    { name: 'retry.maxAttempts', label: 'a string', value: { maxAttempts: '3' }, ErrorClass: TypeError },
    { name: 'retry.baseDelayMs', label: '-1', value: { baseDelayMs: -1 }, ErrorClass: RangeError },
    { name: 'retry.maxDelayMs', label: '2 ** 31', value: { maxDelayMs: 2 ** 31 }, ErrorClass: RangeError },
    { name: 'retry.maxElapsedMs', label: '0', value: { maxElapsedMs: 0 }, ErrorClass: RangeError },
    { name: 'timeoutMs', label: '0', value: 0, ErrorClass: RangeError },
    { name: 'timeoutMs', label: 'negative', value: -100, ErrorClass: RangeError },
    { name: 'timeoutMs', label: 'fractional', value: 10.5, ErrorClass: RangeError },
    { name: 'timeoutMs', label: 'Infinity', value: Infinity, ErrorClass: RangeError },
    { name: 'timeoutMs', label: 'a string', value: '1000', ErrorClass: TypeError },
    { name: 'timeoutMs', label: 'null', value: null, ErrorClass: TypeError },
    { name: 'fetch', label: 'a string', value: 'fetch', ErrorClass: TypeError },
    { name: 'fetch', label: 'an object', value: {}, ErrorClass: TypeError },
    { name: 'fetch', label: 'null', value: null, ErrorClass: TypeError },
    { name: 'onEvent', label: 'null', value: null, ErrorClass: TypeError },
    { name: 'userAgent', label: 'a number', value: 2, ErrorClass: TypeError },
    { name: 'userAgent', label: 'a newline', value: 'app/1\r\nX-Evil: 1', ErrorClass: TypeError },
    { name: 'userAgent', label: 'non-ASCII', value: 'appé/1', ErrorClass: TypeError },
    { name: 'userAgent', label: '201 characters', value: 'a'.repeat(201), ErrorClass: TypeError },
    { name: 'onEvent', label: 'a string', value: 'console.log', ErrorClass: TypeError },
    { name: 'treatInvalidTokenAsRevoked', label: 'a string', value: 'yes', ErrorClass: TypeError },
    { name: 'clock', label: 'an object without sleep', value: { now: () => 0 }, ErrorClass: TypeError },
    { name: 'random', label: 'a number', value: 0.5, ErrorClass: TypeError },
  ];

  it.each(cases)('$name: $label', ({ name, value, ErrorClass }) => {
    const option = name.startsWith('retry.') ? 'retry' : name;
    const error = constructionError({ credentials: CREDENTIALS, [option]: value });
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.message).toContain(name);
    expect(error.message).not.toContain(SECRET);
  });

  it.each(['timeout', 'baseURL', 'secret'])('refuses the unknown option %s, naming it', (key) => {
    const error = constructionError({ credentials: CREDENTIALS, [key]: 1 });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain(`"${key}"`);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'sandbox'],
  ])('refuses %s as the options', (_label, options) => {
    // @ts-expect-error: deliberately the wrong type
    expect(() => createRevocationClient(options)).toThrow(TypeError);
  });

  it('rejects mistyped options at compile time too', () => {
    expect(() =>
      // @ts-expect-error: no such environment
      createRevocationClient({ environment: 'staging', accessToken: BEARER }),
    ).toThrow(TypeError);
    expect(() =>
      // @ts-expect-error: retry is false or an object
      createRevocationClient({ retry: true, accessToken: BEARER }),
    ).toThrow(TypeError);
  });
});

describe('good options take effect', () => {
  it('accepts every option at once', () => {
    expect(() =>
      createRevocationClient({
        environment: 'production',
        baseUrl: 'https://digilocker.example.test/public',
        allowInsecureHttp: false,
        credentials: CREDENTIALS,
        clientAuthentication: 'client_secret_post',
        bodyEncoding: 'form',
        retry: { maxAttempts: 20, baseDelayMs: 0, maxDelayMs: 0, maxElapsedMs: 1 },
        timeoutMs: 2 ** 31 - 1,
        fetch: globalThis.fetch,
        userAgent: 'my-app/2.1',
        onEvent: () => {},
        treatInvalidTokenAsRevoked: true,
        random: Math.random,
      }),
    ).not.toThrow();
  });

  it('accepts retry: false and an empty retry object', () => {
    expect(() => create({ credentials: CREDENTIALS, retry: false })).not.toThrow();
    expect(() => create({ credentials: CREDENTIALS, retry: {} })).not.toThrow();
  });

  it('sends through the injected fetch', async () => {
    const { fetch, calls } = recordingFetch();
    await create({ credentials: CREDENTIALS, fetch }).revoke('t');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(calls[0]?.url).toBe(`${ENVIRONMENTS.sandbox}${PATH}`);
  });

  it.each([
    ['no suffix', undefined, `digilocker-revocation/${VERSION}`],
    ['a suffix', 'my-app/2.1', `digilocker-revocation/${VERSION} my-app/2.1`],
    ['a blank suffix', '   ', `digilocker-revocation/${VERSION}`],
  ])('userAgent with %s sends User-Agent "%s"', async (_label, userAgent, expected) => {
    const { fetch, calls } = recordingFetch();
    await create({
      credentials: CREDENTIALS,
      fetch,
      ...(userAgent === undefined ? {} : { userAgent }),
    }).revoke('t');
    expect(calls[0]?.headers.get('user-agent')).toBe(expected);
  });

  it('VERSION is the package version', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });

  it('validates once: later changes to the options object have no effect', async () => {
    const { fetch, calls } = recordingFetch();
    const options: RevocationClientOptions = { credentials: { ...CREDENTIALS }, fetch };
    const client = createRevocationClient(options);
    options.baseUrl = 'http://evil.example.com/public';
    if (options.credentials) options.credentials.clientSecret = 'changed';
    await client.revoke('t');
    expect(calls[0]?.url).toBe(`${ENVIRONMENTS.sandbox}${PATH}`);
    expect(calls[0]?.headers.get('authorization')).toBe(
      `Basic ${Buffer.from(`client-1:${SECRET}`).toString('base64')}`,
    );
  });
});
