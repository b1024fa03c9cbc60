// Input that blocks: a named pipe whose writer stays open, /dev/stdin held open by the parent, a process
// substitution, a terminal. Whatever stops the run (a signal, refused credentials), the CLI prints the
// summary, flushes and unlocks the journal, and exits. SIGHUP (an SSH session dropped) and SIGQUIT end
// a run as SIGINT does.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLI,
  hasScript,
  jsonLines,
  type Run,
  runCli,
  runShell,
  startCli,
  startOnTerminal,
  summaryOf,
  useCliFixture,
  waitFor,
} from './cli-harness';

const fixture = useCliFixture();

/** A named pipe in the scratch directory, held open for writing by the test (O_RDWR never waits). */
function openFifo(): { path: string; fd: number } {
  const path = join(fixture.scratch, 'tokens.fifo');
  execFileSync('mkfifo', [path]);
  return { path, fd: openSync(path, 'r+') };
}

/** The run's end, or a failure that says the CLI hung: the point of these tests. */
async function endOf(done: Promise<Run>, what: string, ms = 5_000): Promise<Run> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the CLI did not exit within ${ms} ms after ${what}`)), ms);
  });
  try {
    return await Promise.race([done, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a named pipe whose writer stays open', () => {
  let fifo: { path: string; fd: number };
  beforeEach(() => {
    fifo = openFifo();
  });
  afterEach(() => closeSync(fifo.fd));

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const)(
    'on %s: summary, journal flushed and unlocked, exit 130',
    async (signal) => {
      const journal = join(fixture.scratch, 'revoke.journal');
      const tokens = fixture.issue(3);
      const running = startCli(
        [
          'revoke',
          '--json',
          '--file',
          fifo.path,
          '--journal',
          journal,
          '--base-url',
          fixture.digilocker.baseUrl,
        ],
        { env: fixture.env() },
      );
      writeSync(fifo.fd, `${tokens.join('\n')}\n`);
      await waitFor(() => fixture.digilocker.stats.revoked === 3, 'three revocations');
      running.child.kill(signal);
      const run = await endOf(running.done, signal);
      expect(run).toMatchObject({ code: 130, signal: null });
      expect(summaryOf(run.stdout)).toMatchObject({ revoked: 3, interrupted: true });
      expect(run.stderr).toMatch(/^Interrupted: the requests in flight finished/m);
      const journaled = readFileSync(journal, 'utf8').split('\n');
      expect(journaled.filter((line) => line.includes('"outcome":"revoked"'))).toHaveLength(3);
      expect(existsSync(`${journal}.lock`)).toBe(false);
    },
  );

  it('exits 1 with the summary when the credentials are refused', async () => {
    const running = startCli(
      ['revoke', '--json', '--file', fifo.path, '--base-url', fixture.digilocker.baseUrl],
      {
        env: { ...fixture.env(), DIGILOCKER_CLIENT_SECRET: 'wrong-secret' },
      },
    );
    writeSync(fifo.fd, `${fixture.issue(2).join('\n')}\n`);
    const run = await endOf(running.done, 'invalid_client');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/stopped: DigiLocker refused the client credentials/);
    expect(summaryOf(run.stdout)).toMatchObject({ failedByCode: { invalid_client: expect.any(Number) } });
  });
});

it('a named pipe that no writer ever opens: exits 130 on SIGINT (opening it never waits)', async () => {
  const path = join(fixture.scratch, 'nobody-writes.fifo');
  const journal = join(fixture.scratch, 'revoke.journal');
  execFileSync('mkfifo', [path]);
  const running = startCli(
    ['revoke', '--file', path, '--journal', journal, '--base-url', fixture.digilocker.baseUrl],
    { env: fixture.env() },
  );
  // The journal is locked once the input is open.
  await waitFor(() => existsSync(`${journal}.lock`), 'the journal locked');
  running.child.kill('SIGINT');
  const run = await endOf(running.done, 'SIGINT');
  expect(run.code).toBe(130);
  expect(existsSync(`${journal}.lock`)).toBe(false);
});

it('--file /dev/stdin, held open by the parent: exits 130 on SIGINT', async () => {
  const fifo = openFifo();
  try {
    // Standard input is the named pipe, whose write end the test keeps open.
    const child = spawn(
      process.execPath,
      [CLI, 'revoke', '--json', '--file', '/dev/stdin', '--base-url', fixture.digilocker.baseUrl],
      {
        env: { PATH: process.env.PATH ?? '', ...fixture.env() },
        stdio: [fifo.fd, 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const done = new Promise<Run>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr: '' })),
    );
    writeSync(fifo.fd, `${fixture.issue(2).join('\n')}\n`);
    await waitFor(() => fixture.digilocker.stats.revoked === 2, 'two revocations');
    child.kill('SIGINT');
    const run = await endOf(done, 'SIGINT').finally(() => child.kill('SIGKILL'));
    expect(run.code).toBe(130);
    expect(summaryOf(run.stdout)).toMatchObject({ revoked: 2, interrupted: true });
    expect(jsonLines(run.stdout)).toHaveLength(3);
  } finally {
    closeSync(fifo.fd);
  }
});

it('--file <(cmd) whose command keeps writing: exits 1 when the credentials are refused', async () => {
  const tokens = fixture.issue(2).join(' ');
  const run = await runShell(
    // The substitution prints the tokens and stays open; it is ended once the CLI has exited.
    `$CLI revoke --file <(printf '%s\\n' ${tokens}; exec sleep 60 2>/dev/null) --base-url "$BASE" 2>"$scratch/stderr"; $CLI_END; kill $! 2>/dev/null; true`,
    fixture.scratch,
    {
      BASE: fixture.digilocker.baseUrl,
      ...fixture.env(),
      DIGILOCKER_CLIENT_SECRET: 'wrong-secret',
    },
  );
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/stopped: DigiLocker refused the client credentials/);
  expect(run.stdout).toMatch(/^ {2}invalid_client: \d/m);
}, 15_000);

(hasScript ? it : it.skip)(
  '--file /dev/stdin on a terminal: Ctrl-C ends the run with the summary',
  async () => {
    const [token] = fixture.issue(1) as [string];
    const terminal = startOnTerminal(
      ['revoke', '--file', '/dev/stdin', '--base-url', fixture.digilocker.baseUrl],
      fixture.env(),
    );
    terminal.type(`${token}\n`);
    await waitFor(() => fixture.digilocker.stats.revoked === 1, 'the revocation');
    terminal.type('\u0003');
    const { code, stdout: screen } = await endOf(
      terminal.done.then(({ code, screen }) => ({ code, signal: null, stdout: screen, stderr: '' })),
      'Ctrl-C',
    );
    expect(code).toBe(130);
    expect(screen).toMatch(/revoked: +1/);
  },
);

it('--file /dev/stdin when standard input is a socket (a socketpair from its parent): exit 2 with a hint', async () => {
  const run = await runCli(['revoke', '--file', '/dev/stdin', '--base-url', fixture.digilocker.baseUrl], {
    stdin: 'a-token\n',
    env: fixture.env(),
  });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(
    /^error: Cannot read --file \/dev\/stdin: ENXIO \(.*use --file - for standard input\)$/m,
  );
});
