// createNodeFetch without a proxy option checks the environment's proxy variables when it is created,
// as undici's EnvHttpProxyAgent reads them (lower case first, even empty): a value that is not an
// http(s) URL is refused before any request, by the variable's name and never quoted, instead of
// failing at the first request (no scheme) or being quietly used (socks5:).
import { InputTypeError } from '../../src/input-errors';
import { createNodeFetch } from '../../src/node';
import { startProxy } from '../support/proxy';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];
const savedEnvironment = { ...process.env };

beforeEach(() => {
  for (const name of PROXY_VARIABLES) delete process.env[name];
});
afterEach(() => {
  process.env = { ...savedEnvironment };
});

/** What createNodeFetch threw, or undefined (the fetch it made is closed). */
function creationError(): unknown {
  try {
    void createNodeFetch().close();
    return undefined;
  } catch (error) {
    return error;
  }
}

it.each([
  ['HTTPS_PROXY', 'proxy.internal:3128'],
  ['https_proxy', 'ftp://proxy.internal:21'],
  ['HTTP_PROXY', 'socks5://user:s3cretPW@127.0.0.1:9'],
  ['http_proxy', 'not a url'],
])('refuses %s=%s at creation, naming the variable and not its value', (name, value) => {
  process.env[name] = value;
  const error = creationError();
  expect(error).toBeInstanceOf(InputTypeError);
  expect(error).toMatchObject({
    code: 'invalid_option',
    input: name,
    message: `${name} must be an http: or https: URL`,
  });
  expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
    's3cretPW',
  );
});

it('checks the variable undici uses: the lower-case one wins, even when empty', () => {
  process.env.HTTPS_PROXY = 'socks5://127.0.0.1:9';
  process.env.https_proxy = 'http://proxy.internal:3128';
  expect(creationError()).toBeUndefined();
  process.env.https_proxy = ''; // set, empty: no proxy for https, and HTTPS_PROXY is not read
  expect(creationError()).toBeUndefined();
  delete process.env.https_proxy;
  expect(creationError()).toMatchObject({ input: 'HTTPS_PROXY' });
});

it('accepts http: and https: proxies and uses the one it checked', async () => {
  const proxy = await startProxy();
  try {
    process.env.HTTPS_PROXY = proxy.url;
    process.env.HTTP_PROXY = 'https://proxy.internal:3128';
    const fetch = createNodeFetch();
    process.env.HTTPS_PROXY = 'socks5://127.0.0.1:9'; // changed after creation: not read again
    await expect(fetch('https://digilocker.example/public/x', { method: 'POST' })).rejects.toThrow();
    await fetch.close();
    expect(proxy.seen.map((entry) => entry.line)).toEqual(['CONNECT digilocker.example:443']);
  } finally {
    await proxy.close();
  }
});

it('an explicit proxy option makes the environment irrelevant', () => {
  process.env.HTTPS_PROXY = 'socks5://127.0.0.1:9';
  const fetch = createNodeFetch({ proxy: 'http://proxy.internal:3128' });
  return fetch.close();
});
