// `digilocker-revoke revoke`: where tokens come from, what it prints, how it authenticates, and its
// exit codes 0 and 1.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProxy } from '../support/proxy';
import { jsonLines, runCli, summaryOf, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

const base = () => ['--base-url', fixture.digilocker.baseUrl];
const active = (tokens: string[]) => tokens.filter((token) => fixture.digilocker.isActive(token));
const byIndex = (lines: Record<string, unknown>[]) =>
  lines.filter((line) => 'index' in line).sort((a, b) => Number(a.index) - Number(b.index));

describe('input', () => {
  it('reads --file -: one token per line, trimmed, CRLF, blank lines and # comments ignored', async () => {
    const tokens = fixture.issue(4);
    const stdin = `# leaked on Tuesday\n\n  ${tokens[0]}  \r\n${tokens[1]}\r\n\t\n   # indented comment\n${tokens[2]}\n${tokens[3]}`;
    const run = await runCli(['revoke', '--file', '-', ...base()], { stdin, env: fixture.env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/revoked: +4/);
    expect(active(tokens)).toEqual([]);
    expect(fixture.digilocker.stats).toMatchObject({ revokeRequests: 4, invalidRequest: 0 });
  });

  it('reads standard input when it is piped and neither tokens nor --file are given', async () => {
    const tokens = fixture.issue(3);
    const run = await runCli(['revoke', ...base()], { stdin: `${tokens.join('\n')}\n`, env: fixture.env() });
    expect(run.code).toBe(0);
    expect(active(tokens)).toEqual([]);
  });

  it('reads a file', async () => {
    const tokens = fixture.issue(3);
    const file = join(fixture.scratch, 'tokens.txt');
    writeFileSync(file, `# three tokens\n${tokens.join('\n')}\n`);
    const run = await runCli(['revoke', '--file', file, ...base()], { env: fixture.env() });
    expect(run.code).toBe(0);
    expect(active(tokens)).toEqual([]);
  });

  it('takes tokens as arguments, with a one-line warning that they are visible to other processes and telemetry', async () => {
    const tokens = fixture.issue(2);
    const run = await runCli(['revoke', ...tokens, ...base()], { env: fixture.env() });
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^warning: .*visible to other processes and to telemetry \(process\.command_args\); .*--file or on standard input$/,
      ),
    ]);
    expect(active(tokens)).toEqual([]);
  });

  it('gives no warning when tokens come from standard input', async () => {
    const run = await runCli(['revoke', ...base()], { stdin: fixture.issue(1)[0], env: fixture.env() });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });
});

describe('output', () => {
  it('--json: one line per token (position, fingerprint, outcome or error), never the token; summary last', async () => {
    const tokens = fixture.issue(3);
    const run = await runCli(['revoke', '--json', ...base()], {
      stdin: [tokens[0], 'never-issued', tokens[1], tokens[2]].join('\n'),
      env: fixture.env(),
    });
    expect(run.code).toBe(1);
    const fingerprint = expect.stringMatching(/^[0-9a-f]{12}$/);
    expect(byIndex(jsonLines(run.stdout))).toEqual([
      { index: 0, fingerprint, outcome: 'revoked', confirmed: true },
      {
        index: 1,
        fingerprint,
        error: 'invalid_token',
        message: expect.stringContaining('invalid'),
        mayHaveRevoked: false,
      },
      { index: 2, fingerprint, outcome: 'revoked', confirmed: true },
      { index: 3, fingerprint, outcome: 'revoked', confirmed: true },
    ]);
    expect(summaryOf(run.stdout)).toEqual({
      total: 4,
      revoked: 3,
      revokedUnconfirmed: 0,
      alreadyInvalid: 0,
      skipped: 0,
      failed: 1,
      failedByCode: { invalid_token: 1 },
      durationMs: expect.any(Number),
      tokensPerSecond: expect.any(Number),
      interrupted: false,
    });
    // The human summary goes to stderr, out of the JSON stream.
    expect(run.stderr).toMatch(/revoked: +3/);
    expect(run.stderr).toMatch(/invalid_token: 1 \(e\.g\. DigiLocker answered that the token is invalid/);
  });

  it('without --json, prints the summary on stdout: counts, failures by code with an example, duration, rate', async () => {
    fixture.digilocker.inject({ type: 'status', status: 503 }, { times: 3 }); // the first token's three attempts
    const tokens = fixture.issue(3);
    const run = await runCli(['revoke', '--concurrency', '1', ...base()], {
      stdin: `${tokens.join('\n')}\nnever-issued\n`,
      env: fixture.env(),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^revoked: +2$/m);
    expect(run.stdout).toMatch(/^already invalid: +0$/m);
    expect(run.stdout).toMatch(/^failed: +2$/m);
    expect(run.stdout).toMatch(/^ {2}invalid_token: 1 \(e\.g\. .+\)$/m);
    expect(run.stdout).toMatch(/^ {2}server_error: 1 \(e\.g\. DigiLocker failed: 503.*\)$/m);
    expect(run.stdout).toMatch(/^duration: +\d+\.\d s, \d+ tokens\/s$/m);
  });

  it('shows no progress bar when stderr is not a terminal', async () => {
    const run = await runCli(['revoke', '--json', ...base()], {
      stdin: fixture.issue(5).join('\n'),
      env: fixture.env(),
    });
    expect(run.code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for terminal control sequences.
    expect(run.stderr).not.toMatch(/[\r\u001b]/);
  });
});

describe('outcomes and exit codes', () => {
  it('exits 0 when an invalid token counts as already invalid (--treat-invalid-as-revoked)', async () => {
    const [token] = fixture.issue(1);
    const run = await runCli(['revoke', '--json', '--treat-invalid-as-revoked', ...base()], {
      stdin: `${token}\nnever-issued\n`,
      env: fixture.env(),
    });
    expect(run.code).toBe(0);
    expect(byIndex(jsonLines(run.stdout)).map((line) => line.outcome)).toEqual([
      'revoked',
      'already_invalid',
    ]);
    expect(summaryOf(run.stdout)).toMatchObject({ revoked: 1, alreadyInvalid: 1, failed: 0 });
  });

  it('reports a revocation whose answer was lost, then "invalid token" on the retry, as revoked, unconfirmed', async () => {
    fixture.digilocker.inject({ type: 'drop', revoke: true });
    const run = await runCli(['revoke', '--json', ...base()], {
      stdin: fixture.issue(1)[0],
      env: fixture.env(),
    });
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ outcome: 'revoked', confirmed: false });
    // Never counted with the confirmed ones, in --json or in the human summary.
    expect(summaryOf(run.stdout)).toMatchObject({ total: 1, revoked: 0, revokedUnconfirmed: 1, failed: 0 });
    expect(run.stderr).toMatch(/^revoked: +0\nunconfirmed: +1 \(reported revoked, not confirmed: /m);
  });

  it('shows confirmed and unconfirmed revocations apart in the human summary', async () => {
    const tokens = fixture.issue(3);
    fixture.digilocker.inject({ type: 'drop', revoke: true });
    const run = await runCli(['revoke', '--concurrency', '1', ...base()], {
      stdin: `${tokens.join('\n')}\n`,
      env: fixture.env(),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^revoked: +2\nunconfirmed: +1 \(/m);
    for (const token of tokens) expect(fixture.digilocker.isActive(token as string)).toBe(false);
  });

  it('exits 1 when a token fails for good, e.g. the server keeps failing', async () => {
    fixture.digilocker.inject({ type: 'status', status: 500 }, { times: 3 });
    const run = await runCli(['revoke', '--json', ...base()], {
      stdin: fixture.issue(1)[0],
      env: fixture.env(),
    });
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ error: 'server_error' });
  });

  it('exits 1 and reports invalid_client when the credentials are refused', async () => {
    const run = await runCli(['revoke', '--json', ...base()], {
      stdin: fixture.issue(1)[0],
      env: { ...fixture.env(), DIGILOCKER_CLIENT_SECRET: 'not-the-secret' },
    });
    expect(run.code).toBe(1);
    expect(summaryOf(run.stdout)).toMatchObject({ failedByCode: { invalid_client: 1 } });
  });

  it("counts RFC 7009's refusals apart, by error code, as failures; the run goes on", async () => {
    const refusal = (error: string) => ({
      type: 'status' as const,
      status: 400,
      body: JSON.stringify({ error, error_description: `refused: ${error}` }),
    });
    fixture.digilocker.inject(refusal('unsupported_token_type'));
    fixture.digilocker.inject(refusal('unauthorized_client'));
    const run = await runCli(['revoke', '--json', '--concurrency', '1', ...base()], {
      stdin: `${fixture.issue(3).join('\n')}\n`,
      env: fixture.env(),
    });
    expect(run.code).toBe(1);
    expect(summaryOf(run.stdout)).toMatchObject({
      revoked: 1,
      failed: 2,
      failedByCode: { unsupported_token_type: 1, unauthorized_client: 1 },
    });
    expect(summaryOf(run.stdout)).not.toHaveProperty('stopped');
    expect(run.stderr).toMatch(/^ {2}unauthorized_client: 1 \(e\.g\. .*\)$/m);
    expect(run.stderr).toMatch(/^ {2}unsupported_token_type: 1 \(e\.g\. .*\)$/m);
  });

  it('reports a token the client refuses before sending (control characters) as invalid_input', async () => {
    const run = await runCli(['revoke', '--json', ...base()], {
      stdin: 'bad\u0007token\n',
      env: fixture.env(),
    });
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ error: 'invalid_input' });
    expect(fixture.digilocker.stats.requests).toBe(0);
  });

  it('exits 0 and revokes nothing for an input without tokens', async () => {
    const run = await runCli(['revoke', '--json', ...base()], {
      stdin: '# nothing today\n\n',
      env: fixture.env(),
    });
    expect(run.code).toBe(0);
    expect(summaryOf(run.stdout)).toMatchObject({ total: 0 });
  });
});

describe('base URL', () => {
  it('with --allow-insecure-http, uses a plain-http --base-url on a host that is not loopback', async () => {
    // digilocker.test resolves nowhere: a proxy of the environment takes every request to the mock.
    const proxy = await startProxy({ upstream: fixture.digilocker.baseUrl });
    const baseUrl = 'http://digilocker.test/public';
    const env = { ...fixture.env(), HTTP_PROXY: proxy.url };
    const tokens = fixture.issue(1);
    try {
      const refused = await runCli(['revoke', '--base-url', baseUrl], { stdin: tokens.join('\n'), env });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^error: --base-url uses plain http .*add --allow-insecure-http$/m);
      expect(proxy.seen).toEqual([]);
      const run = await runCli(['revoke', '--base-url', baseUrl, '--allow-insecure-http'], {
        stdin: tokens.join('\n'),
        env,
      });
      expect(run.code).toBe(0);
      expect(active(tokens)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('authentication and encoding', () => {
  it.each([
    ['basic', 'form'],
    ['basic', 'json'],
    ['post', 'form'],
    ['bearer', 'form'],
    ['bearer', 'json'],
  ])('--auth %s --encoding %s revokes (with --hint)', async (auth, encoding) => {
    const tokens = fixture.issue(2);
    const run = await runCli(
      ['revoke', '--auth', auth, '--encoding', encoding, '--hint', 'access_token', ...base()],
      { stdin: tokens.join('\n'), env: fixture.env() },
    );
    expect(run.code).toBe(0);
    expect(active(tokens)).toEqual([]);
    expect(fixture.digilocker.stats.invalidRequest).toBe(0);
    // Bearer without DIGILOCKER_ACCESS_TOKEN: one client-credentials grant, shared by every request.
    expect(fixture.digilocker.stats.tokenRequests).toBe(auth === 'bearer' ? 1 : 0);
  });

  it('--auth bearer sends DIGILOCKER_ACCESS_TOKEN when set, and then needs no client credentials', async () => {
    const grant = await fetch(`${fixture.digilocker.baseUrl}/oauth2/1/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${fixture.digilocker.clientId}:${fixture.digilocker.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token: bearer } = (await grant.json()) as { access_token: string };
    const tokens = fixture.issue(2);
    const run = await runCli(['revoke', '--auth', 'bearer', ...base()], {
      stdin: tokens.join('\n'),
      env: { DIGILOCKER_ACCESS_TOKEN: bearer },
    });
    expect(run.code).toBe(0);
    expect(active(tokens)).toEqual([]);
    expect(fixture.digilocker.stats.tokenRequests).toBe(1); // the test's own grant only
  });
});
