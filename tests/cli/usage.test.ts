// Usage and configuration errors exit 2 with a one-line message and a --help hint, before any request;
// --help documents every option, the environment variables and the exit codes.
import { readdirSync } from 'node:fs';
import { runCli, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

describe('exit code 2', () => {
  const cases: [string, string[], Record<string, string | undefined>, RegExp][] = [
    ['no DIGILOCKER_CLIENT_ID', [], { DIGILOCKER_CLIENT_ID: undefined }, /DIGILOCKER_CLIENT_ID/],
    ['no DIGILOCKER_CLIENT_SECRET', [], { DIGILOCKER_CLIENT_SECRET: undefined }, /DIGILOCKER_CLIENT_SECRET/],
    ['an unknown option', ['--frobnicate'], {}, /unknown option '--frobnicate'/],
    ['a credential given as an option', ['--client-secret', 's'], {}, /unknown option '--client-secret'/],
    ['--concurrency 0', ['--concurrency', '0'], {}, /--concurrency.*must be an integer from 1 to 1024/],
    // Queueing ignores where and how tokens are revoked: refused before the store is opened.
    [
      '--via-outbox with --base-url',
      ['--via-outbox', '/nonexistent/store'],
      {},
      /^error: --base-url does not apply to --via-outbox/,
    ],
    ['--concurrency abc', ['--concurrency', 'abc'], {}, /--concurrency/],
    [
      'an unknown --hint',
      ['--hint', 'id_token'],
      {},
      /--hint.*Allowed choices are access_token, refresh_token/,
    ],
    ['an unknown --env', ['--env', 'staging'], {}, /--env/],
    ['an unknown --auth', ['--auth', 'digest'], {}, /--auth/],
    ['an unknown --encoding', ['--encoding', 'xml'], {}, /--encoding/],
    [
      '--auth post with --encoding json',
      ['--auth', 'post', '--encoding', 'json'],
      {},
      /--auth post needs --encoding form/,
    ],
    ['a base URL that is not one', ['--base-url', 'not a url'], {}, /--base-url is not a valid absolute URL/],
    [
      'plain http to a remote host',
      ['--base-url', 'http://example.com/public'],
      {},
      /--base-url uses plain http.*--allow-insecure-http/,
    ],
    [
      '--base-url together with --env',
      ['--env', 'production'],
      {},
      /--base-url and --env cannot be used together/,
    ],
    ['a missing --file', ['--file', '/nonexistent/tokens.txt'], {}, /Cannot read --file .*ENOENT/],
    ['a journal in a missing directory', ['--journal', '/nonexistent/j.jsonl'], {}, /Cannot open --journal/],
  ];

  it.each([['--journal', 'run.journal'], ['--concurrency', '4'], ['--treat-invalid-as-revoked']])(
    'for %s with --via-outbox, which only queues the tokens, before the store is opened',
    async (...option) => {
      const run = await runCli(['revoke', '--via-outbox', fixture.scratch, ...option], {
        stdin: 'some-token\n',
        env: fixture.env(),
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^error: ${option[0]} does not apply to --via-outbox`));
      expect(readdirSync(fixture.scratch)).toEqual([]);
    },
  );

  it.each(cases)('for %s', async (_, args, envChanges, message) => {
    // Input on standard input, so that only the error under test can stop the run.
    const run = await runCli(['revoke', '--base-url', fixture.digilocker.baseUrl, ...args], {
      stdin: 'some-token\n',
      env: { ...fixture.env(), ...envChanges },
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toBe("Run 'digilocker-revoke --help' for usage.");
    expect(run.stdout).toBe('');
    expect(fixture.digilocker.stats.requests).toBe(0);
  });

  it('never quotes a token or secret typed where an option value belongs', async () => {
    const token = 'CANARY-TOKEN-misplaced-1f2e';
    const secret = fixture.digilocker.clientSecret;
    for (const args of [
      ['--hint', token],
      [`--encoding=${token}`],
      ['--concurrency', secret],
      ['--env', secret],
    ]) {
      const run = await runCli(['revoke', ...args], { stdin: '', env: fixture.env() });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("argument '[REDACTED]' is invalid");
      expect(run.stderr).not.toContain(token);
      expect(run.stderr).not.toContain(secret);
    }
  });

  it('shows a number typed where one belongs as typed, negative or decimal, and still hides a token', async () => {
    for (const [args, shown] of [
      [['--timeout-ms', '-5'], '-5'],
      [['--timeout-ms=-0.25'], '-0.25'],
      [['--concurrency', '2.5'], '2.5'],
      [['--concurrency', '.5'], '.5'],
    ] as const) {
      const run = await runCli(['revoke', ...args, 'a-token'], { env: fixture.env() });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`argument '${shown}' is invalid`);
    }
    // A token that starts with '-', or is all digits, is no number to show.
    for (const token of ['-1f2e3d4c5b6a7988', '-123456789012345678901234567890', '123456789.123456789012']) {
      const run = await runCli(['revoke', '--timeout-ms', token], { env: fixture.env() });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("argument '[REDACTED]' is invalid");
      expect(run.stderr).not.toContain(token);
    }
  });

  it('shows file paths, command names and option names as typed', async () => {
    const file = await runCli(['revoke', '--file', 'leaked-tokens.txt'], { env: fixture.env() });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/^error: Cannot read --file leaked-tokens\.txt: ENOENT$/m);
    const journal = await runCli(['revoke', '--journal', '/nonexistent-dir/incident-2026.journal'], {
      stdin: 'a-token\n',
      env: fixture.env(),
    });
    expect(journal.stderr).toContain('--journal /nonexistent-dir/incident-2026.journal');
    const command = await runCli(['revoke-tokens-now'], { env: fixture.env() });
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command 'revoke-tokens-now'/);
    const option = await runCli(['revoke', '--concurrencyy', '4'], { env: fixture.env() });
    expect(option.stderr).toMatch(/unknown option '--concurrencyy'/);
  });

  it('never quotes a token that starts with - or is typed as a command or a --file', async () => {
    const tokens = ['-a1b2c3d4', '-Zx9', '--Ab12Cd34Ef56'];
    for (const token of tokens) {
      const run = await runCli(['revoke', token], { env: fixture.env() });
      expect(run.code).toBe(2);
      expect(run.stderr).not.toContain(token);
      expect(run.stderr).toContain("'[REDACTED]'");
    }
    const hexToken = 'a3f9c1d2e4b5a6978877665544332211aabbccdd';
    for (const args of [[hexToken], ['revoke', '--file', hexToken]]) {
      const run = await runCli(args, { env: fixture.env() });
      expect(run.code).toBe(2);
      expect(run.stderr).not.toContain(hexToken);
    }
  });

  it('never quotes the secret in any encoding: lower-case percent, base64, JSON-escaped', async () => {
    const secret = 'CANARY+se"cr\\et/x';
    const forms = [
      secret,
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
      Buffer.from(secret).toString('base64'),
      JSON.stringify(secret).slice(1, -1),
    ];
    for (const form of forms) {
      for (const args of [['--file', form], ['--hint', form], [`--${form}`]]) {
        const run = await runCli(['revoke', ...args], {
          stdin: 'a-token\n',
          env: { ...fixture.env(), DIGILOCKER_CLIENT_SECRET: secret },
        });
        expect(run.code).toBe(2);
        for (const needle of forms) expect(run.stderr).not.toContain(needle);
      }
    }
  }, 60_000);

  it('for tokens given both as arguments and with --file', async () => {
    const run = await runCli(['revoke', 'a-token', '--file', '-'], { env: fixture.env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: Give tokens as arguments or with --file, not both$/m);
  });

  it('for no command, and for an unknown command', async () => {
    expect((await runCli([])).code).toBe(2);
    const unknown = await runCli(['revokee']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'revokee'/);
    expect(unknown.stderr).toContain("Run 'digilocker-revoke --help' for usage.");
  });
});

describe('--help', () => {
  it('revoke --help documents every option with its default, the environment and the exit codes', async () => {
    const run = await runCli(['revoke', '--help']);
    expect(run.code).toBe(0);
    const help = run.stdout;
    for (const option of [
      '--file <path>',
      '--hint <type>',
      '--env <environment>',
      '--base-url <url>',
      '--encoding <encoding>',
      '--auth <method>',
      '--concurrency <n>',
      '--timeout-ms <ms>',
      '--treat-invalid-as-revoked',
      '--journal <path>',
      '--json',
    ]) {
      expect(help).toContain(option);
    }
    for (const text of [
      'default: "sandbox"',
      '"production"',
      '"legacy-production"',
      'default: "form"',
      'default: "basic"',
      'default: 8',
      'default: 10000',
      '"access_token", "refresh_token"',
      'DIGILOCKER_CLIENT_ID',
      'DIGILOCKER_CLIENT_SECRET',
      'DIGILOCKER_ACCESS_TOKEN',
      // The shape of a failure's line, as report.ts writes it (docs/cli.md).
      '{"index":N,"fingerprint":"…","error":"<code>","message":"…","mayHaveRevoked":true|false}',
    ]) {
      expect(help.replace(/\s+/g, ' ')).toContain(text); // commander wraps long lines
    }
    for (const code of ['0', '1', '2', '130']) expect(help).toMatch(new RegExp(`^ {2}${code} +\\S`, 'm'));
  });

  it('the program --help lists the commands, the environment and the exit codes', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}revoke \[options\] \[tokens\.\.\.\]/m);
    expect(run.stdout).toMatch(/^ {2}mock \[options\]/m);
    expect(run.stdout).toContain('DIGILOCKER_CLIENT_SECRET');
    // How to turn telemetry on: an SDK preloaded, not the OTEL_* variables alone.
    expect(run.stdout).toContain('NODE_OPTIONS="--import ./telemetry.mjs"');
    expect(run.stdout).toMatch(/^ {2}130 +interrupted/m);
  });

  it('mock --help documents --port and --issue', async () => {
    const run = await runCli(['mock', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--port <n>');
    expect(run.stdout).toContain('--issue <n>');
  });

  it('--version prints the version and exits 0', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
