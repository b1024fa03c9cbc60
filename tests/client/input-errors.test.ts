// Input errors: every check of the package throws an InputTypeError (a TypeError) or an InputRangeError
// (a RangeError) with a stable `code` (`invalid_option`, `invalid_token_input`) and the name of the
// input at fault, so that a caller (the CLI) maps codes and inputs, never message text. `instanceof`
// holds across builds, as for every error class of the package (src/error-class.ts).
import {
  clientCredentialsTokenProvider,
  createRevocationClient,
  InputRangeError,
  InputTypeError,
  isInputError,
  type RevocationClientOptions,
} from '../../src';
import { createNodeFetch } from '../../src/node';
import { integerFromText } from '../../src/validate';
import { rejection } from '../support/fixtures';

const CREDENTIALS = { clientId: 'client-1', clientSecret: 'input-secret-3f9a' };
const fetchNever = async () => new Response(null, { status: 200 });
const client = createRevocationClient({ credentials: CREDENTIALS, fetch: fetchNever });

/** What `run` throws, synchronously or as a rejection. */
async function thrown(run: () => unknown): Promise<Error> {
  return rejection(Promise.resolve().then(run));
}

const create = (options: Record<string, unknown>) => () =>
  createRevocationClient({ credentials: CREDENTIALS, ...options } as RevocationClientOptions);

describe.each([
  ['an unknown option', create({ timeout: 5 }), InputTypeError, 'invalid_option', 'timeout'],
  [
    'a retry option out of range',
    create({ retry: { maxAttempts: 0 } }),
    InputRangeError,
    'invalid_option',
    'retry.maxAttempts',
  ],
  [
    'a base URL over plain http',
    create({ baseUrl: 'http://example.com/public' }),
    InputTypeError,
    'invalid_option',
    'baseUrl',
  ],
  [
    'an empty client secret',
    create({ credentials: { clientId: 'a', clientSecret: '' } }),
    InputRangeError,
    'invalid_option',
    'credentials.clientSecret',
  ],
  [
    'a token hint',
    () => client.revoke('t', { tokenTypeHint: 'id_token' as 'access_token' }),
    InputTypeError,
    'invalid_option',
    'tokenTypeHint',
  ],
  [
    'a token that is not a string',
    () => client.revoke(42 as unknown as string),
    InputTypeError,
    'invalid_token_input',
    'token',
  ],
  ['an empty token', () => client.revoke(''), InputRangeError, 'invalid_token_input', 'token'],
  [
    'a refresh token with a line break',
    () => client.signOut({ refreshToken: 'a\nb' }),
    InputRangeError,
    'invalid_token_input',
    'refreshToken',
  ],
  [
    'revokeMany over a number',
    () => client.revokeMany(5 as unknown as string[]),
    InputTypeError,
    'invalid_token_input',
    'tokens',
  ],
  [
    'revokeMany concurrency',
    () => client.revokeMany([], { concurrency: 0 }),
    InputRangeError,
    'invalid_option',
    'concurrency',
  ],
  [
    'a token provider scope',
    () => clientCredentialsTokenProvider({ ...CREDENTIALS, scope: 1 as unknown as string }),
    InputTypeError,
    'invalid_option',
    'scope',
  ],
  [
    'a Node fetch proxy',
    () => createNodeFetch({ proxy: 'ftp://proxy' }),
    InputTypeError,
    'invalid_option',
    'proxy',
  ],
] as const)('%s', (_, run, ErrorClass, code, input) => {
  it(`is ${ErrorClass.name} with code ${code} and input ${input}`, async () => {
    const error = await thrown(run);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(ErrorClass === InputTypeError ? TypeError : RangeError);
    expect(error).toMatchObject({ name: ErrorClass.name, code, input });
    expect(isInputError(error)).toBe(true);
    expect(error.message).not.toContain(CREDENTIALS.clientSecret);
  });
});

it.each([
  'http://localhost:8080/public',
  'http://localhost.:8080/public',
  'http://127.0.0.2/public',
  'http://[::1]:8080/public',
  'http://[::ffff:127.0.0.1]:8080/public',
])('accepts plain http on a loopback host: %s', (baseUrl) => {
  expect(create({ baseUrl })).not.toThrow();
});

it.each([
  'http://localhost.example/public',
  'http://[::ffff:10.0.0.1]/public',
  'http://127.0.0.1.example/public',
])('refuses plain http on a host that only looks like loopback: %s', (baseUrl) => {
  expect(create({ baseUrl })).toThrow(InputTypeError);
});

describe('instanceof across builds', () => {
  it('an input error of another build is an instance of its own class only, and of TypeError here', () => {
    const error = new TypeError('from the CommonJS build');
    Object.defineProperty(error, Symbol.for('digilocker-revocation/InputTypeError'), { value: true });
    expect(error).toBeInstanceOf(InputTypeError);
    expect(error).not.toBeInstanceOf(InputRangeError);
    expect(isInputError(error)).toBe(true);
    expect(isInputError(new TypeError('a TypeError of someone else'))).toBe(false);
  });

  it('a subclass someone else wrote keeps the ordinary instanceof', () => {
    class Mine extends InputTypeError {}
    expect(new InputTypeError('m', { code: 'invalid_option', input: 'x' })).not.toBeInstanceOf(Mine);
    expect(new Mine('m', { code: 'invalid_option', input: 'x' })).toBeInstanceOf(Mine);
  });
});

describe('integerFromText, the check of an integer written as text (for command-line flags)', () => {
  it('accepts a decimal integer in range', () => {
    expect(integerFromText('--concurrency', '12', 1, 256)).toBe(12);
  });

  it.each(['0', '257', '1.5', '-1', ' 3', '1e2', '', '99999999999999999'])(
    'refuses %j with an InputRangeError naming the flag',
    (text) => {
      expect(() => integerFromText('--concurrency', text, 1, 256)).toThrow(
        expect.objectContaining({
          name: 'InputRangeError',
          code: 'invalid_option',
          input: '--concurrency',
          message: '--concurrency must be an integer from 1 to 256',
        }),
      );
    },
  );
});
