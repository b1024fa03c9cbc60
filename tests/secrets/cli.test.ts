// No token, client secret or bearer token ever reaches stdout, stderr or the journal: canary values are
// run through every path, including a server that echoes them back in its error descriptions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines, type Run, runCli, useCliFixture } from '../cli/cli-harness';
import { basicOf, encodedForms, leaksIn } from '../support/canaries';
import { startProxy } from '../support/proxy';

const SECRET = 'CANARY-SECRET-7f3a9c';
const WRONG_SECRET = 'CANARY-WRONG-SECRET-0b1e';
const BEARER = 'CANARY-BEARER-5d2c';
const UNKNOWN_TOKENS = ['CANARY-TOKEN-unknown-1', 'CANARY-TOKEN-unknown-2'];
const ECHOED_TOKEN = 'CANARY-TOKEN-echoed';

const fixture = useCliFixture({ clientId: 'canary-client', clientSecret: SECRET });

function expectNothingSecret(texts: string[], tokens: string[]): void {
  const values = [SECRET, WRONG_SECRET, BEARER, ...tokens];
  for (const secret of [SECRET, WRONG_SECRET]) {
    const basic = basicOf('canary-client', secret);
    values.push(basic, basic.slice(0, 24));
  }
  expect(leaksIn(texts, values)).toEqual([]);
}

it('reveals no token or secret in any output or the journal, whatever happens', async () => {
  const issued = Array.from({ length: 6 }, () => fixture.digilocker.issueTokens().accessToken);
  const tokens = [...issued, ...UNKNOWN_TOKENS, ECHOED_TOKEN];
  const journal = join(fixture.scratch, 'journal');
  const base = ['--base-url', fixture.digilocker.baseUrl, '--journal', journal];
  const env = { DIGILOCKER_CLIENT_ID: 'canary-client', DIGILOCKER_CLIENT_SECRET: SECRET };
  const echo = (status: number, text: string) => ({
    type: 'status' as const,
    status,
    body: JSON.stringify({
      error: status === 401 ? 'invalid_client' : 'invalid_token',
      error_description: text,
    }),
  });
  const runs: Run[] = [];

  // Tokens as arguments (the warning path), client_secret_post, --json, a server that echoes the token
  // it refuses.
  fixture.digilocker.inject(echo(400, `token ${ECHOED_TOKEN} is unknown`));
  const asArguments = [ECHOED_TOKEN, ...issued.slice(0, 2)];
  runs.push(
    await runCli(['revoke', '--json', '--auth', 'post', '--concurrency', '1', ...asArguments, ...base], {
      env,
    }),
  );
  // Standard input, a server that echoes the secret and the Basic credentials it was sent.
  fixture.digilocker.inject(
    echo(401, `bad secret ${SECRET} / ${Buffer.from(`canary-client:${SECRET}`).toString('base64')}`),
  );
  runs.push(
    await runCli(['revoke', ...base], { stdin: [...issued.slice(2), ...UNKNOWN_TOKENS].join('\n'), env }),
  );
  // Refused credentials, in both output modes.
  const refused = { ...env, DIGILOCKER_CLIENT_SECRET: WRONG_SECRET };
  runs.push(await runCli(['revoke', '--json', ...base], { stdin: tokens.join('\n'), env: refused }));
  runs.push(await runCli(['revoke', ...base], { stdin: tokens.join('\n'), env: refused }));
  // A refused bearer token, and the client-credentials grant with a refused secret.
  runs.push(
    await runCli(['revoke', '--auth', 'bearer', ...base], {
      stdin: tokens.join('\n'),
      env: { DIGILOCKER_ACCESS_TOKEN: BEARER },
    }),
  );
  runs.push(
    await runCli(['revoke', '--auth', 'bearer', '--json', ...base], {
      stdin: tokens.join('\n'),
      env: refused,
    }),
  );
  // A usage error with the secret in the environment.
  runs.push(await runCli(['revoke', '--concurrency', 'lots', ...base], { stdin: tokens.join('\n'), env }));

  expect(runs.map((run) => run.code)).toEqual([1, 1, 1, 1, 1, 1, 2]);
  // The echoes did reach the CLI, redacted.
  expect(runs[0]?.stdout).toContain('[REDACTED]');
  expectNothingSecret(
    [...runs.flatMap((run) => [run.stdout, run.stderr]), readFileSync(journal, 'utf8')],
    tokens,
  );
});

it('redacts echoes of a token and the secret in lower-case percent-encoding, base64 and JSON escapes', async () => {
  const token = 'CANARY+tok"en\\x/y=1';
  const journal = join(fixture.scratch, 'journal');
  const env = { DIGILOCKER_CLIENT_ID: 'canary-client', DIGILOCKER_CLIENT_SECRET: SECRET };
  const forms = [...encodedForms(token), ...encodedForms(SECRET)];
  const echo = (form: string) => ({
    type: 'status' as const,
    status: 400,
    body: JSON.stringify({ error: 'invalid_token', error_description: `echo ${form} end` }),
  });
  // The token once per form, one at a time: each request gets the next echo.
  const stdin = `${forms.map(() => token).join('\n')}\n`;
  const args = ['--concurrency', '1', '--journal', journal, '--base-url', fixture.digilocker.baseUrl];
  const runs: Run[] = [];
  for (const output of [['--json'], []]) {
    for (const form of forms) fixture.digilocker.inject(echo(form));
    runs.push(await runCli(['revoke', ...output, ...args], { stdin, env }));
  }
  const messages = jsonLines(runs[0]?.stdout ?? '').filter((line) => 'index' in line);
  expect(messages.map((line) => line.message)).toEqual(
    forms.map(() => expect.stringContaining('echo [REDACTED] end')),
  );
  expect(runs[1]?.stdout).toContain('echo [REDACTED] end');
  for (const run of runs) {
    expect(run.code).toBe(1);
    for (const needle of forms) {
      expect(run.stdout).not.toContain(needle);
      expect(run.stderr).not.toContain(needle);
    }
  }
  const written = readFileSync(journal, 'utf8');
  for (const needle of forms) expect(written).not.toContain(needle);
});

it('never shows the user and password of a proxy URL, from --proxy or the environment', async () => {
  const password = 'CANARY-PROXY-p@ss/1';
  const userInfo = `canary-proxy-user:${encodeURIComponent(password)}`;
  const proxy = `http://${userInfo}@127.0.0.1:9`; // nothing listens on port 9
  const env = { DIGILOCKER_CLIENT_ID: 'canary-client', DIGILOCKER_CLIENT_SECRET: SECRET };
  const echo = {
    type: 'status' as const,
    status: 400,
    body: JSON.stringify({ error: 'invalid_token', error_description: `proxy ${password} / ${userInfo}` }),
  };
  const loopback = ['--base-url', fixture.digilocker.baseUrl];
  const remote = [
    '--base-url',
    'http://digilocker.test/public',
    '--allow-insecure-http',
    '--timeout-ms',
    '500',
  ];
  const token = fixture.digilocker.issueTokens().accessToken;
  const runs: Run[] = [];
  // A server that echoes the proxy's credentials (a loopback base URL goes direct, past the proxy).
  fixture.digilocker.inject(echo);
  runs.push(
    await runCli(['revoke', ...loopback], { stdin: 'never-issued\n', env: { ...env, HTTPS_PROXY: proxy } }),
  );
  fixture.digilocker.inject(echo);
  runs.push(
    await runCli(['revoke', '--json', ...loopback], {
      stdin: 'never-issued\n',
      env: { ...env, HTTPS_PROXY: proxy, http_proxy: proxy },
    }),
  );
  // A proxy that cannot be reached: the network errors.
  runs.push(await runCli(['revoke', ...remote], { stdin: `${token}\n`, env: { ...env, HTTP_PROXY: proxy } }));
  // Usage errors: a --proxy with a user and password (refused, from any command), a proxy that is not
  // http(s), and an unknown option that quotes its argument.
  runs.push(await runCli(['revoke', '--proxy', proxy, ...loopback], { stdin: 'never-issued\n', env }));
  runs.push(await runCli(['revoke', '--json', '--proxy', proxy, ...remote], { stdin: `${token}\n`, env }));
  runs.push(await runCli(['revoke', '--proxy', `ftp://${userInfo}@proxy.internal`, ...loopback], { env }));
  runs.push(await runCli(['revoke', `--proxy-url=${proxy}`, ...loopback], { env }));

  // A proxy that refuses the tunnel (407: it wants other credentials): the run stops on it, saying so.
  const refusing = await startProxy({ upstream: fixture.digilocker.baseUrl, refuseConnect: 407 });
  try {
    const refusingUrl = refusing.url.replace('http://', `http://${userInfo}@`);
    for (const output of [['--json'], []])
      runs.push(
        await runCli(['revoke', ...output, ...remote], {
          stdin: `${token}\n`,
          env: { ...env, HTTP_PROXY: refusingUrl },
        }),
      );
  } finally {
    await refusing.close();
  }
  expect(refusing.seen.length).toBeGreaterThan(0); // the proxy was reached, with the credentials

  expect(runs.map((run) => run.code)).toEqual([1, 1, 1, 2, 2, 2, 2, 1, 1]);
  expect(runs[7]?.stderr).toContain('A proxy refused the request to DigiLocker (407)');
  expect(runs[0]?.stdout).toContain('proxy [REDACTED] / [REDACTED]');
  expect(runs[1]?.stdout).toContain('proxy [REDACTED] / [REDACTED]');
  const texts = runs.flatMap((run) => [run.stdout, run.stderr]);
  expect(leaksIn(texts, [password, userInfo, `canary-proxy-user:${password}`])).toEqual([]);
});
