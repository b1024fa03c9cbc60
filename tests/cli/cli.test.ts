// digilocker-revoke, the built CLI, run as a child process against the mock DigiLocker: input
// sources, output, exit codes, journal and resume, interruption, and no token or secret in any output.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';

const CLI = join(__dirname, '../../dist/cli.js');
const SECRET = 'CANARY-CLI-SECRET-4c1d';

let digilocker: MockDigiLocker;
let scratch: string;

beforeAll(() => {
  try {
    readFileSync(CLI);
  } catch {
    throw new Error('Run `npm run build` before the tests: dist/cli.js is missing.');
  }
});
beforeEach(async () => {
  digilocker = await startMockDigiLocker({ clientSecret: SECRET });
  scratch = mkdtempSync(join(tmpdir(), 'digilocker-cli-'));
});
afterEach(async () => {
  await digilocker.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], options: { stdin?: string; env?: Record<string, string | undefined> } = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH,
      DIGILOCKER_CLIENT_ID: digilocker.clientId,
      DIGILOCKER_CLIENT_SECRET: SECRET,
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, stdout: () => stdout };
}

function run(args: string[], options?: Parameters<typeof start>[1]): Promise<Run> {
  return start(args, options).done;
}

function issue(count: number): string[] {
  return Array.from({ length: count }, () => digilocker.issueTokens().accessToken);
}

function jsonLines(stdout: string) {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function expectNoSecrets(text: string, tokens: string[]) {
  const basic = Buffer.from(`${digilocker.clientId}:${SECRET}`).toString('base64');
  for (const needle of [SECRET, basic, ...tokens]) expect(text).not.toContain(needle);
}

const base = () => ['--base-url', digilocker.baseUrl];

describe('digilocker-revoke revoke', () => {
  it('revokes tokens from standard input, ignoring blank lines and # comments, and exits 0', async () => {
    const tokens = issue(5);
    const result = await run(['revoke', '--file', '-', ...base()], {
      stdin: `# leaked on Tuesday\n\n${tokens.join('\r\n')}\n   \n`,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/revoked: +5/);
    expect(tokens.every((token) => !digilocker.isActive(token))).toBe(true);
    expect(digilocker.stats.revokeRequests).toBe(5);
    expectNoSecrets(result.stdout + result.stderr, tokens);
  });

  it('reads standard input when it is piped and no --file is given', async () => {
    const tokens = issue(2);
    const result = await run(['revoke', ...base()], { stdin: tokens.join('\n') });
    expect(result.code).toBe(0);
    expect(tokens.some((token) => digilocker.isActive(token))).toBe(false);
  });

  it('prints one JSON line per token, never the token, and the summary last', async () => {
    const tokens = issue(3);
    const result = await run(['revoke', '--json', '--file', '-', ...base()], {
      stdin: [...tokens, 'unknown'].join('\n'),
    });
    expect(result.code).toBe(1);
    const lines = jsonLines(result.stdout);
    const outcomes = lines.slice(0, -1).sort((a, b) => Number(a.index) - Number(b.index));
    expect(outcomes).toEqual([
      { index: 0, fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/), outcome: 'revoked' },
      { index: 1, fingerprint: expect.any(String), outcome: 'revoked' },
      { index: 2, fingerprint: expect.any(String), outcome: 'revoked' },
      { index: 3, fingerprint: expect.any(String), error: 'invalid_token' },
    ]);
    expect(lines.at(-1)).toMatchObject({
      summary: {
        revoked: 3,
        alreadyInvalid: 0,
        failed: 1,
        failedByCode: { invalid_token: 1 },
        interrupted: false,
      },
    });
    expectNoSecrets(result.stdout + result.stderr, tokens);
  });

  it('counts an invalid token as already invalid with --treat-invalid-as-revoked, and exits 0', async () => {
    const result = await run(['revoke', '--json', '--treat-invalid-as-revoked', '--file', '-', ...base()], {
      stdin: 'never-issued\n',
    });
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)[0]).toMatchObject({ outcome: 'already_invalid' });
  });

  it('exits 1 when a token fails on the server side, naming the error code', async () => {
    digilocker.inject({ type: 'status', status: 503 }, { times: 3 });
    const [token] = issue(1);
    const result = await run(['revoke', '--json', '--file', '-', ...base()], { stdin: `${token}\n` });
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)[0]).toMatchObject({ error: 'server_error' });
  });

  it('warns once that tokens given as arguments are visible to other processes', async () => {
    const tokens = issue(2);
    const result = await run(['revoke', ...tokens, ...base()]);
    expect(result.code).toBe(0);
    expect(result.stderr.match(/visible to other processes/g)).toHaveLength(1);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expectNoSecrets(result.stdout + result.stderr, tokens);
  });

  it.each([
    ['basic', 'form'],
    ['post', 'form'],
    ['bearer', 'json'],
  ])('authenticates with --auth %s and --encoding %s', async (auth, encoding) => {
    const tokens = issue(2);
    const result = await run(
      ['revoke', '--auth', auth, '--encoding', encoding, '--hint', 'access_token', '--file', '-', ...base()],
      {
        stdin: tokens.join('\n'),
      },
    );
    expect(result.code).toBe(0);
    expect(tokens.some((token) => digilocker.isActive(token))).toBe(false);
    if (auth === 'bearer') expect(digilocker.stats.tokenRequests).toBe(1);
  });

  it.each([
    [
      'no credentials in the environment',
      ['revoke', 'x'],
      { DIGILOCKER_CLIENT_SECRET: undefined },
      /DIGILOCKER_CLIENT_ID/,
    ],
    ['an unknown option', ['revoke', '--frobnicate'], {}, /unknown option/],
    ['a bad --concurrency', ['revoke', '--concurrency', '0', 'x'], {}, /concurrency/],
    ['a bad --hint', ['revoke', '--hint', 'id_token', 'x'], {}, /hint/],
    ['plain http to a remote host', ['revoke', '--base-url', 'http://example.com/public', 'x'], {}, /http/],
    ['tokens and --file together', ['revoke', 'x', '--file', 'f'], {}, /not both/],
  ])('exits 2 with a one-line message and a --help hint for %s', async (_, args, env, message) => {
    const result = await run(args as string[], { env: env as Record<string, undefined> });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("Run 'digilocker-revoke --help'");
    expect(digilocker.stats.requests).toBe(0);
    expect(result.stderr).not.toContain(SECRET);
  });

  it('documents every option in --help', async () => {
    const result = await run(['revoke', '--help']);
    expect(result.code).toBe(0);
    for (const option of [
      '--file',
      '--hint',
      '--env',
      '--base-url',
      '--encoding',
      '--auth',
      '--concurrency',
      '--treat-invalid-as-revoked',
      '--journal',
      '--json',
      'DIGILOCKER_CLIENT_ID',
      'DIGILOCKER_ACCESS_TOKEN',
      '130',
    ]) {
      expect(result.stdout).toContain(option);
    }
  });

  it('revokes a 50,000-token file', async () => {
    const tokens = issue(50_000);
    const file = join(scratch, 'tokens.txt');
    writeFileSync(file, `${tokens.join('\n')}\n`);
    const result = await run(['revoke', '--file', file, '--concurrency', '32', '--json', ...base()]);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ summary: { revoked: 50_000, failed: 0 } });
    expect(tokens.filter((token) => digilocker.isActive(token))).toHaveLength(0);
  }, 60_000);

  describe('journal', () => {
    it('records outcomes by SHA-256 and skips finished tokens on a rerun, retrying failed ones', async () => {
      const tokens = issue(4);
      const journal = join(scratch, 'journal.jsonl');
      digilocker.inject({ type: 'status', status: 400, body: '{"error":"invalid_request"}' }); // one token fails for good
      const first = await run(['revoke', '--journal', journal, '--file', '-', ...base()], {
        stdin: tokens.join('\n'),
      });
      expect(first.code).toBe(1);
      const entries = readFileSync(journal, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(entries).toHaveLength(4);
      expect(entries.every((entry) => /^[0-9a-f]{64}$/.test(entry.sha256))).toBe(true);
      expectNoSecrets(readFileSync(journal, 'utf8'), tokens);

      const requestsBefore = digilocker.stats.revokeRequests;
      const second = await run(['revoke', '--json', '--journal', journal, '--file', '-', ...base()], {
        stdin: tokens.join('\n'),
      });
      expect(second.code).toBe(0);
      expect(digilocker.stats.revokeRequests - requestsBefore).toBe(1); // only the failed one again
      expect(jsonLines(second.stdout).at(-1)).toMatchObject({ summary: { revoked: 1, skipped: 3 } });
      expect(tokens.every((token) => !digilocker.isActive(token))).toBe(true);
    });

    it('on SIGINT finishes in-flight requests, writes the journal, prints the summary and exits 130; a rerun completes', async () => {
      const tokens = issue(400);
      const file = join(scratch, 'tokens.txt');
      const journal = join(scratch, 'journal.jsonl');
      writeFileSync(file, tokens.join('\n'));
      digilocker.inject({ type: 'delay', ms: 20 }, { times: 10_000 });

      const first = start([
        'revoke',
        '--json',
        '--concurrency',
        '4',
        '--journal',
        journal,
        '--file',
        file,
        ...base(),
      ]);
      await waitFor(() => first.stdout().split('\n').length > 20);
      (first.child as ChildProcess).kill('SIGINT');
      const interrupted = await first.done;
      expect(interrupted.code).toBe(130);
      const summary = jsonLines(interrupted.stdout).at(-1) as {
        summary: { revoked: number; interrupted: boolean };
      };
      expect(summary.summary.interrupted).toBe(true);
      const journaled = readFileSync(journal, 'utf8').trim().split('\n');
      // Every request that was sent finished and was journaled: nothing in flight was lost.
      expect(journaled).toHaveLength(summary.summary.revoked);
      expect(digilocker.stats.revokeRequests).toBe(summary.summary.revoked);
      expect(summary.summary.revoked).toBeLessThan(400);

      digilocker.clearFaults();
      const second = await run(['revoke', '--json', '--journal', journal, '--file', file, ...base()]);
      expect(second.code).toBe(0);
      expect(jsonLines(second.stdout).at(-1)).toMatchObject({
        summary: { revoked: 400 - summary.summary.revoked, skipped: summary.summary.revoked, failed: 0 },
      });
      expect(digilocker.stats.revokeRequests).toBe(400); // none sent twice
      expect(tokens.filter((token) => digilocker.isActive(token))).toHaveLength(0);
    }, 30_000);
  });
});

describe('digilocker-revoke mock', () => {
  it('starts a mock DigiLocker, prints its base URL and test credentials, and stops on SIGINT', async () => {
    const mock = start(['mock']);
    await waitFor(() => mock.stdout().includes('DIGILOCKER_CLIENT_SECRET='));
    expect(mock.stdout()).toMatch(/listening at http:\/\/127\.0\.0\.1:\d+\/public/);
    expect(mock.stdout()).toContain('test values only');
    mock.child.kill('SIGINT');
    expect((await mock.done).code).toBe(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the CLI');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
