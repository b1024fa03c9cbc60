// The CLI's outbox commands, end to end (the built digilocker-revoke in child processes), on a
// database of their own on the PostgreSQL server: revoke --via-outbox, outbox status, drain,
// retry-dead and purge; keys from the environment; no token in any output.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEncryptionKey } from '../../src/outbox/crypto';
import { credentialsOf, hasScript, runCli, startOnTerminal, useCliFixture } from '../cli/cli-harness';
import { startProxy } from '../support/proxy';
import { describeWithPostgres, useOwnDatabase } from './support';

describeWithPostgres('digilocker-revoke outbox', () => {
  const fixture = useCliFixture();
  const key = generateEncryptionKey();
  const store = useOwnDatabase('cli');

  const env = (extra: Record<string, string> = {}) => ({
    ...credentialsOf(fixture.digilocker),
    DIGILOCKER_OUTBOX_KEYS: key,
    ...extra,
  });

  test('revoke --via-outbox queues a file of tokens; outbox drain revokes them; status counts them', async () => {
    const tokens = Array.from({ length: 30 }, () => fixture.digilocker.issueTokens().refreshToken);
    const file = join(fixture.scratch, 'tokens.txt');
    writeFileSync(file, `# leaked\n${tokens.join('\n')}\n\nbad\ttoken\n`);

    const queued = await runCli(
      ['revoke', '--via-outbox', store, '--file', file, '--hint', 'refresh_token', '--json'],
      { env: env() },
    );
    expect(queued.code).toBe(1); // one line was not a token
    expect(JSON.parse(queued.stdout)).toEqual({
      summary: { queued: 30, invalid: 1, durationMs: expect.any(Number), interrupted: false },
    });
    expect(tokens.every((token) => fixture.digilocker.isActive(token))).toBe(true);

    const status = await runCli(['outbox', 'status', '--store', store, '--json'], { env: env() });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).stats).toMatchObject({ queued: 30, revoked: 0 });

    const drain = await runCli(
      ['outbox', 'drain', '--store', store, '--base-url', fixture.digilocker.baseUrl, '--concurrency', '4'],
      { env: env() },
    );
    expect(drain.code).toBe(0);
    expect(drain.stdout).toMatch(/revoked: +30\n/);
    expect(drain.stdout).toMatch(/left in the queue: 0 \(dead: 0\)/);
    expect(tokens.some((token) => fixture.digilocker.isActive(token))).toBe(false);

    const output = [queued, status, drain].map((run) => run.stdout + run.stderr).join('\n');
    expect(tokens.filter((token) => output.includes(token))).toEqual([]);
    expect(output).not.toContain(key);
    expect(output).not.toContain(fixture.digilocker.clientSecret);
  }, 120_000);

  test('a dead job: drain exits 1; retry-dead queues it again; purge deletes dead jobs', async () => {
    const [first, second] = [
      fixture.digilocker.issueTokens().refreshToken,
      fixture.digilocker.issueTokens().refreshToken,
    ];
    await runCli(['revoke', '--via-outbox', store, first, second], { env: env() });
    fixture.digilocker.inject(
      { type: 'status', status: 400, body: '{"error":"invalid_request"}' },
      { times: 2 },
    );
    const args = ['outbox', 'drain', '--store', store, '--base-url', fixture.digilocker.baseUrl, '--json'];
    const failed = await runCli(args, { env: env() });
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).summary).toMatchObject({ dead: 2, queue: { dead: 2 } });

    expect((await runCli(['outbox', 'retry-dead', '--store', store], { env: env() })).stdout).toBe(
      'queued again: 2\n',
    );
    fixture.digilocker.inject({ type: 'status', status: 400, body: '{"error":"invalid_request"}' });
    const again = await runCli(args, { env: env() });
    expect(JSON.parse(again.stdout).summary).toMatchObject({ revoked: 1, dead: 1 });
    expect((await runCli(['outbox', 'purge', '--store', store], { env: env() })).stdout).toBe('deleted: 1\n');
    const status = await runCli(['outbox', 'status', '--store', store], { env: env() });
    expect(status.stdout).toMatch(/dead: +0\n/);
  }, 120_000);

  test('drain takes the --allow-insecure-http and --proxy of revoke: a plain-http base URL that only a proxy reaches', async () => {
    // digilocker.test resolves nowhere: only the proxy, which sends everything to the mock, reaches it.
    const proxy = await startProxy({ upstream: fixture.digilocker.baseUrl });
    const remote = 'http://digilocker.test/public';
    const tokens = Array.from({ length: 3 }, () => fixture.digilocker.issueTokens().refreshToken);
    try {
      await runCli(['revoke', '--via-outbox', store, ...tokens], { env: env() });
      const refused = await runCli(
        ['outbox', 'drain', '--store', store, '--base-url', remote, '--proxy', proxy.url],
        {
          env: env(),
        },
      );
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^error: --base-url uses plain http .*add --allow-insecure-http$/m);
      const drain = await runCli(
        [
          'outbox',
          'drain',
          '--store',
          store,
          '--base-url',
          remote,
          '--allow-insecure-http',
          '--proxy',
          proxy.url,
        ],
        { env: env() },
      );
      expect(drain.code).toBe(0);
      expect(drain.stdout).toMatch(/revoked: +3\n/);
      expect(tokens.some((token) => fixture.digilocker.isActive(token))).toBe(false);
      expect(proxy.seen.length).toBeGreaterThan(0);
      for (const { line } of proxy.seen)
        expect(line).toMatch(/^(CONNECT digilocker\.test:80|POST http:\/\/digilocker\.test\/)/);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  test('a bad drain --concurrency or --timeout-ms is a usage error (exit 2), never a crash', async () => {
    for (const [flag, value] of [
      ['--concurrency', 'abc'],
      ['--concurrency', '0'],
      ['--concurrency', '2.5'],
      ['--concurrency', '100000'],
      ['--timeout-ms', '-1'],
    ] as const) {
      const run = await runCli(['outbox', 'drain', '--store', store, flag, value], { env: env() });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(`^error: option '${flag} <[a-z]+>' argument '.*' is invalid\\. must be an integer`, 'm'),
      );
      expect(run.stderr).not.toContain('unexpected');
    }
  });

  test('drain refuses --env with --base-url, as revoke does (exit 2): which one names the deployment?', async () => {
    const args = [
      'outbox',
      'drain',
      '--store',
      store,
      '--env',
      'production',
      '--base-url',
      fixture.digilocker.baseUrl,
    ];
    const run = await runCli(args, { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: --base-url and --env cannot be used together/m);
  });

  test('a --store path is shown as typed in an error, like --file', async () => {
    const file = join(fixture.scratch, 'not-a-directory.txt');
    writeFileSync(file, 'x');
    const path = join(file, 'store');
    const run = await runCli(['outbox', 'status', '--store', path], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Cannot open the store ${path}`);
    expect(run.stderr).not.toContain('[REDACTED]');
    // A URL with a password is a store too, and never shown: its password is redacted.
    const url = new URL(store);
    url.password = 'store-password-0123';
    url.port = '1'; // nothing listens: the open fails
    const refused = await runCli(['outbox', 'status', '--store', url.toString()], { env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).not.toContain('store-password-0123');
  });

  (hasScript ? test : test.skip)(
    'drain on a TERM=dumb terminal draws no cursor control',
    async () => {
      await runCli(['revoke', '--via-outbox', store, fixture.digilocker.issueTokens().refreshToken], {
        env: env(),
      });
      const args = ['outbox', 'drain', '--store', store, '--base-url', fixture.digilocker.baseUrl];
      const terminal = startOnTerminal(args, { ...env(), TERM: 'dumb' });
      const { code, screen } = await terminal.done;
      expect(code).toBe(0);
      expect(screen).toMatch(/revoked: +1/);
      expect(screen).not.toContain('\u001b');
    },
    60_000,
  );

  test('configuration errors exit 2 with one line: no key, a wrong key, no store', async () => {
    await runCli(['revoke', '--via-outbox', store, fixture.digilocker.issueTokens().refreshToken], {
      env: env(),
    });
    // Only what encrypts or decrypts needs a key (status and the other operator commands do not).
    const noKey = await runCli(
      ['outbox', 'drain', '--store', store, '--base-url', fixture.digilocker.baseUrl],
      { env: credentialsOf(fixture.digilocker) },
    );
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('Set DIGILOCKER_OUTBOX_KEYS');

    // A wrong key opens (an instance of a rolling rotation may lack the newest key); drain refuses.
    const wrongKey = await runCli(
      ['outbox', 'drain', '--store', store, '--base-url', fixture.digilocker.baseUrl],
      {
        env: env({ DIGILOCKER_OUTBOX_KEYS: generateEncryptionKey() }),
      },
    );
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toMatch(/1 pending job\(s\) were encrypted with key id\(s\) [0-9a-f]{16}/);

    const noStore = await runCli(['outbox', 'status'], { env: env() });
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toContain('Give --store DIR|URL, or set DIGILOCKER_OUTBOX_STORE');

    const fromEnvironment = await runCli(['outbox', 'status', '--json'], {
      env: env({ DIGILOCKER_OUTBOX_STORE: store }),
    });
    // The wrong key's drain gave the job back for a later attempt: nothing lost.
    expect(JSON.parse(fromEnvironment.stdout).stats).toMatchObject({ queued: 0, retrying: 1, pause: null });
  }, 120_000);
});
