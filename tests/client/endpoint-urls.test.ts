// The token endpoint receives the client secret, so it obeys the same transport rules as the revoke
// endpoint: https, or http only on loopback or with allowInsecureHttp; no credentials, query or
// fragment in the URL (an empty `?` or `#` included). The errors never contain the secret.
import { clientCredentialsTokenProvider, createRevocationClient } from '../../src';

const SECRET = 'pr0vider-secret-9f1e';
const tokenProvider = (tokenUrl: string, extra: { allowInsecureHttp?: boolean } = {}) =>
  clientCredentialsTokenProvider({ tokenUrl, clientId: 'id', clientSecret: SECRET, ...extra });

function thrown(create: () => unknown): Error {
  try {
    create();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an exception');
}

describe('the token endpoint URL', () => {
  it.each([
    ['plain http on a public host', 'http://auth.example.com/oauth2/1/token', /tokenUrl uses plain http/],
    ['ftp:', 'ftp://auth.example.com/oauth2/1/token', /tokenUrl must use https:/],
    [
      'credentials in the URL',
      'https://user:pw@auth.example.com/oauth2/1/token',
      /tokenUrl must not contain credentials/,
    ],
    ['a query', 'https://auth.example.com/oauth2/1/token?x=1', /tokenUrl must not have a query or fragment/],
    ['a fragment', 'https://auth.example.com/oauth2/1/token#f', /tokenUrl must not have a query or fragment/],
    [
      'an empty query',
      'https://auth.example.com/oauth2/1/token?',
      /tokenUrl must not have a query or fragment/,
    ],
    ['not a URL', 'auth.example.com', /tokenUrl is not a valid absolute URL/],
  ])('is refused at creation with %s, by a TypeError without the secret', (_label, url, message) => {
    const error = thrown(() => tokenProvider(url));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(message);
    expect(`${error.message}${error.stack}`).not.toContain(SECRET);
  });

  it.each([
    'https://auth.example.com/oauth2/1/token',
    'http://127.0.0.1:8080/public/oauth2/1/token',
    'http://localhost/public/oauth2/1/token',
  ])('is accepted: %s', (url) => {
    expect(() => tokenProvider(url)).not.toThrow();
  });

  it('accepts plain http on a public host only with allowInsecureHttp: true', () => {
    expect(() =>
      tokenProvider('http://auth.internal/oauth2/1/token', { allowInsecureHttp: true }),
    ).not.toThrow();
  });

  it('refuses a non-boolean allowInsecureHttp and a string timeoutMs with the client errors', () => {
    expect(
      thrown(() => tokenProvider('https://a.example/t', { allowInsecureHttp: 'yes' as never })),
    ).toBeInstanceOf(TypeError);
    const timeout = thrown(() =>
      clientCredentialsTokenProvider({ clientId: 'id', clientSecret: SECRET, timeoutMs: '5' as never }),
    );
    const clientTimeout = thrown(() =>
      createRevocationClient({
        credentials: { clientId: 'id', clientSecret: SECRET },
        timeoutMs: '5' as never,
      }),
    );
    expect(timeout).toBeInstanceOf(TypeError);
    expect(clientTimeout).toBeInstanceOf(TypeError);
    expect(timeout.message).toBe(clientTimeout.message);
  });
});

describe('the base URL', () => {
  it.each(['https://api.example.com/public?', 'https://api.example.com/public#'])(
    'is refused when it ends in an empty query or fragment: %s',
    (baseUrl) => {
      const error = thrown(() =>
        createRevocationClient({ baseUrl, credentials: { clientId: 'id', clientSecret: SECRET } }),
      );
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/baseUrl must not have a query or fragment/);
    },
  );
});
