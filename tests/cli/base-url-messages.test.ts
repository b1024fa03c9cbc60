// A --base-url the client refuses is told in the CLI's words, and the hint to add
// --allow-insecure-http comes only where that flag would help: plain http to a host that is not
// loopback, without the flag. Never the library's option name (allowInsecureHttp).
import { runCli, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

async function refusal(args: string[]): Promise<string> {
  const run = await runCli(['revoke', ...args], { stdin: 'a-token\n', env: fixture.env() });
  expect(run.code).toBe(2);
  expect(run.stderr).not.toMatch(/allowInsecureHttp/);
  expect(fixture.digilocker.stats.requests).toBe(0);
  return run.stderr;
}

it('plain http to a host that is not loopback names the flag that allows it', async () => {
  const stderr = await refusal(['--base-url', 'http://digilocker.example/public']);
  expect(stderr).toMatch(
    /^error: --base-url uses plain http on a host that is not loopback; use https, or add --allow-insecure-http$/m,
  );
});

it.each([
  [
    ['--base-url', 'ftp://digilocker.example/public'],
    /^error: --base-url must use https: \(or http: on loopback\)$/m,
  ],
  [
    ['--base-url', 'https://digilocker.example/public?x=1'],
    /^error: --base-url must not have a query or fragment$/m,
  ],
  [['--base-url', 'not a url'], /^error: --base-url is not a valid absolute URL$/m],
  [
    ['--base-url', 'http://digilocker.example/public?x=1', '--allow-insecure-http'],
    /^error: --base-url must not have a query or fragment$/m,
  ],
  [
    ['--base-url', 'ftp://digilocker.example/public', '--allow-insecure-http'],
    /^error: --base-url must use https: \(or http: on loopback\)$/m,
  ],
])('%j: no hint to add --allow-insecure-http, which would not help', async (args, message) => {
  const stderr = await refusal(args);
  expect(stderr).toMatch(message);
  expect(stderr).not.toMatch(/add --allow-insecure-http/);
});
