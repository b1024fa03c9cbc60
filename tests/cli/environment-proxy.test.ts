// A proxy variable of the environment that is not an http(s) URL (no scheme, ftp:, socks5:) is a
// usage error (exit 2) that names the variable, before any request, and never prints the URL's user
// or password: the same rule as --proxy, instead of a crash or a proxy quietly used.
import { startProxy, type TestProxy } from '../support/proxy';
import { runCli, useCliFixture } from './cli-harness';

const fixture = useCliFixture();
let proxy: TestProxy;
beforeEach(async () => {
  proxy = await startProxy({ upstream: fixture.digilocker.baseUrl });
});
afterEach(() => proxy.close());

it.each([
  ['HTTPS_PROXY', 'proxy.internal:3128'],
  ['HTTPS_PROXY', 'ftp://user:s3cretPW@proxy.internal:21'],
  ['https_proxy', 'socks5://user:s3cretPW@127.0.0.1:9'],
  ['HTTP_PROXY', 'socks5://127.0.0.1:9'],
])('%s=%s is a usage error naming the variable, before any request', async (name, value) => {
  const run = await runCli(['revoke', '--json', '--base-url', 'https://digilocker.test/public'], {
    stdin: `${fixture.issue(1).join('\n')}\n`,
    env: { ...fixture.env(), [name]: value },
  });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(
    new RegExp(`^error: ${name} in the environment must be an http: or https: URL, such as `, 'm'),
  );
  expect(run.stderr).not.toMatch(/unexpected|s3cretPW|user:/);
  expect(run.stdout).toBe('');
  expect(fixture.digilocker.stats.requests).toBe(0);
  expect(proxy.seen).toEqual([]);
});

it('an http proxy in the environment still carries the requests', async () => {
  const run = await runCli(['revoke', '--json', '--base-url', 'https://digilocker.test/public'], {
    stdin: `${fixture.issue(1).join('\n')}\n`,
    env: { ...fixture.env(), HTTPS_PROXY: proxy.url },
  });
  // The tunnel reaches the plain-http mock, so TLS fails; what matters is that the proxy was used.
  expect(run.stderr).not.toMatch(/^error:/m);
  expect(proxy.seen.map((entry) => entry.line)).toContain('CONNECT digilocker.test:443');
});
