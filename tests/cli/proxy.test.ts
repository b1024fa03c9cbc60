// Proxies: `--proxy URL`, else HTTPS_PROXY / HTTP_PROXY from the environment, carry every request to a
// base URL that is not loopback; a loopback base URL never goes through a proxy. The base URL's host,
// digilocker.test, resolves nowhere: only the proxy (which sends everything to the mock) reaches it.
// A --proxy that holds a user or password is refused: the command line is visible to other processes.
import { startProxy, type TestProxy } from '../support/proxy';
import { runCli, summaryOf, useCliFixture } from './cli-harness';

const fixture = useCliFixture();
let proxy: TestProxy;
beforeEach(async () => {
  proxy = await startProxy({ upstream: fixture.digilocker.baseUrl });
});
afterEach(() => proxy.close());

const REMOTE = 'http://digilocker.test/public';

function revoke(baseUrl: string, args: string[], env: Record<string, string> = {}) {
  const tokens = fixture.issue(3);
  return runCli(['revoke', '--json', '--base-url', baseUrl, '--allow-insecure-http', ...args], {
    stdin: `${tokens.join('\n')}\n`,
    env: { ...fixture.env(), ...env },
  });
}

it('sends every request through --proxy', async () => {
  const run = await revoke(REMOTE, ['--proxy', proxy.url]);
  expect(run.code).toBe(0);
  expect(summaryOf(run.stdout)).toMatchObject({ revoked: 3, failed: 0 });
  expect(fixture.digilocker.stats.revoked).toBe(3);
  expect(proxy.seen.length).toBeGreaterThan(0);
  for (const { line } of proxy.seen)
    expect(line).toMatch(/^(CONNECT digilocker\.test:80|POST http:\/\/digilocker\.test\/)/);
});

it.each(['HTTP_PROXY', 'http_proxy'])('honours %s from the environment without --proxy', async (name) => {
  const run = await revoke(REMOTE, [], { [name]: proxy.url });
  expect(run.code).toBe(0);
  expect(fixture.digilocker.stats.revoked).toBe(3);
  expect(proxy.seen.length).toBeGreaterThan(0);
});

it('--proxy overrides the environment', async () => {
  const run = await revoke(REMOTE, ['--proxy', proxy.url], { HTTP_PROXY: 'http://127.0.0.1:9' });
  expect(run.code).toBe(0);
  expect(proxy.seen.length).toBeGreaterThan(0);
});

it('sends a loopback base URL directly, whatever --proxy and the environment say', async () => {
  const run = await revoke(fixture.digilocker.baseUrl, ['--proxy', proxy.url], {
    HTTP_PROXY: proxy.url,
    HTTPS_PROXY: proxy.url,
  });
  expect(run.code).toBe(0);
  expect(fixture.digilocker.stats.revoked).toBe(3);
  expect(proxy.seen).toEqual([]);
});

it.each([
  [['--proxy', 'ftp://proxy.internal'], {}, /^error: --proxy must be an http: or https: URL/m],
  [
    [],
    { HTTPS_PROXY: 'not a url' },
    /^error: HTTPS_PROXY in the environment must be an http: or https: URL/m,
  ],
])(
  'a proxy that is not an http(s) URL is a usage error before any request (%j %j)',
  async (args, env, message) => {
    const run = await revoke(REMOTE, args, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(fixture.digilocker.stats.requests).toBe(0);
    expect(proxy.seen).toEqual([]);
  },
);

it.each([
  (url: string) => url.replace('http://', 'http://proxy-user:s3cret%2FPW@'),
  (url: string) => url.replace('http://', 'http:proxy-user:s3cret%2FPW@'), // the URL parser reads a user here too
  (url: string) => url.replace('http://', 'http://s3cret%2FPW@'), // a user alone: it may be a token
  // One letter each: redacted inside words, they would wreck the message (`--[REDACTED]roxy`).
  (url: string) => url.replace('http://', 'http://u:p@'),
])(
  'a --proxy with a user or password is a usage error before any request, pointing to HTTPS_PROXY (%#)',
  async (withUserInfo) => {
    const run = await revoke(REMOTE, ['--proxy', withUserInfo(proxy.url)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: --proxy must not hold a user or password, which other processes can read on the command line: give that proxy URL in HTTPS_PROXY \(HTTP_PROXY for a plain-http base URL\) instead\n/,
    );
    expect(run.stdout).toBe('');
    for (const secret of ['s3cret', 's3cret%2FPW', 's3cret/PW'])
      expect(run.stdout + run.stderr).not.toContain(secret);
    expect(fixture.digilocker.stats.requests).toBe(0);
    expect(proxy.seen).toEqual([]);
  },
);

it('the same proxy URL, user and password included, works from the environment', async () => {
  const withUserInfo = proxy.url.replace('http://', 'http://proxy-user:s3cret%2FPW@');
  const run = await revoke(REMOTE, [], { HTTP_PROXY: withUserInfo });
  expect(run.code).toBe(0);
  expect(fixture.digilocker.stats.revoked).toBe(3);
  expect(proxy.seen.length).toBeGreaterThan(0);
  const basic = `Basic ${Buffer.from('proxy-user:s3cret/PW').toString('base64')}`;
  for (const { headers } of proxy.seen) expect(headers['proxy-authorization']).toBe(basic);
});

it('stops the run at a proxy that wants other credentials (407): one CONNECT, not one per token', async () => {
  const refusing = await startProxy({ upstream: fixture.digilocker.baseUrl, refuseConnect: 407 });
  try {
    const run = await revoke(REMOTE, ['--proxy', refusing.url, '--concurrency', '1']);
    expect(run.code).toBe(1);
    expect(refusing.seen).toHaveLength(1);
    expect(fixture.digilocker.stats.revokeRequests).toBe(0);
    expect(run.stderr).toContain('stopped: A proxy refused the request to DigiLocker (407)');
    expect(summaryOf(run.stdout)).toMatchObject({ revoked: 0, failedByCode: { network_error: 1 } });
  } finally {
    await refusing.close();
  }
});
