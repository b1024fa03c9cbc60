// SIGINT, SIGTERM, SIGHUP and SIGQUIT: the CLI stops reading input, even input that never ends, lets
// the requests in flight finish, prints the summary and exits 130; a second signal quits at once. A
// reader of --json that stopped reading does not keep a stopping run alive (while a file, which takes
// every line at once, is never taken for one), and a signal while the journal is being opened stops
// the run as one later does.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { CLI, jsonLines, startCli, summaryOf, useCliFixture, waitFor } from './cli-harness';

const fixture = useCliFixture();

it.each(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const)(
  'on %s, stops waiting on a standard input left open and exits 130 with the summary',
  async (signal) => {
    const running = startCli(['revoke', '--json', '--base-url', fixture.digilocker.baseUrl], {
      env: fixture.env(),
    });
    const tokens = fixture.issue(3);
    running.child.stdin.write(`${tokens.join('\n')}\n`); // ...and standard input stays open
    // revokeMany yields outcomes once its pool is full or the input ends: watch the mock instead.
    await waitFor(() => fixture.digilocker.stats.revoked === 3, 'three revocations');
    const sentAt = Date.now();
    running.child.kill(signal);
    const run = await running.done;
    expect(run.code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(2_000);
    expect(jsonLines(run.stdout).filter((line) => line.outcome === 'revoked')).toHaveLength(3);
    expect(summaryOf(run.stdout)).toMatchObject({ revoked: 3, interrupted: true });
    expect(run.stderr).toMatch(/^Interrupted: the requests in flight finished/m);
  },
);

it('lets a slow request in flight finish instead of aborting it', async () => {
  fixture.digilocker.inject({ type: 'delay', ms: 800 });
  const [token] = fixture.issue(1);
  const running = startCli(['revoke', '--json', '--base-url', fixture.digilocker.baseUrl], {
    env: fixture.env(),
  });
  running.child.stdin.write(`${token}\n`);
  await waitFor(() => fixture.digilocker.stats.revokeRequests === 1, 'the request');
  running.child.kill('SIGINT');
  const run = await running.done;
  expect(run.code).toBe(130);
  expect(jsonLines(run.stdout)[0]).toMatchObject({ index: 0, outcome: 'revoked' });
  expect(fixture.digilocker.isActive(token as string)).toBe(false);
});

it.each([
  ['--json', ['--json']],
  ['the text summary', []],
])(
  'after a signal, a file as standard output is not taken for a reader that stopped reading (%s)',
  async (_, json) => {
    // The answers come after the signal's one-second wait for the reader has run out: every later write
    // is then weighed against that deadline, and a file takes each one at once.
    fixture.digilocker.inject({ type: 'delay', ms: 2_500 }, { times: 3 });
    const file = join(fixture.scratch, 'tokens.txt');
    writeFileSync(file, `${fixture.issue(3).join('\n')}\n`);
    const output = join(fixture.scratch, 'out.txt');
    const stdout = openSync(output, 'w');
    const args = [...json, '--file', file, '--base-url', fixture.digilocker.baseUrl];
    const child = spawn(process.execPath, [CLI, 'revoke', ...args], {
      env: { PATH: process.env.PATH ?? '', ...fixture.env() },
      stdio: ['ignore', stdout, 'pipe'],
    });
    closeSync(stdout);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    try {
      await waitFor(() => fixture.digilocker.stats.revokeRequests === 3, 'the three requests');
      child.kill('SIGINT');
      expect(await exitCodeWithin(child, 30_000)).toBe(130);
      expect(stderr).not.toMatch(/not written/);
      const written = readFileSync(output, 'utf8');
      if (json.length > 0) {
        expect(stderr).toMatch(/^Interrupted: the requests in flight finished/m);
        expect(jsonLines(written).filter((line) => line.outcome === 'revoked')).toHaveLength(3);
        expect(summaryOf(written)).toMatchObject({ revoked: 3, interrupted: true });
      } else {
        // The summary went to the file, and only there: not again to stderr as if the file had failed.
        expect(written).toMatch(/^Interrupted: the requests in flight finished.*\nrevoked: +3$/m);
        expect(stderr).not.toMatch(/^(Interrupted|revoked)/m);
      }
    } finally {
      child.kill('SIGKILL');
    }
  },
  30_000,
);

it('quits at once on a second signal', async () => {
  fixture.digilocker.inject({ type: 'delay', ms: 5_000 });
  const running = startCli(['revoke', '--base-url', fixture.digilocker.baseUrl], { env: fixture.env() });
  running.child.stdin.write(`${fixture.digilocker.issueTokens().accessToken}\n`);
  await waitFor(() => fixture.digilocker.stats.revokeRequests === 1, 'the request');
  const sentAt = Date.now();
  running.child.kill('SIGINT');
  await waitFor(() => running.stderr().includes('interrupted;'), 'the first signal to be handled');
  running.child.kill('SIGINT');
  const run = await running.done;
  expect(run.code).toBe(130);
  expect(Date.now() - sentAt).toBeLessThan(2_000);
});

it('on SIGTERM, ends a --json run whose reader stopped reading: 130, summary on stderr, lock released', async () => {
  const tokens = fixture.issue(3_000);
  const file = join(fixture.scratch, 'tokens.txt');
  const journal = join(fixture.scratch, 'journal');
  writeFileSync(file, `${tokens.join('\n')}\n`);
  // Standard output is a pipe whose reader reads nothing until the run has ended (a paused `| less`):
  // a FIFO, opened for reading without waiting, then for writing as the CLI's standard output.
  const fifo = join(fixture.scratch, 'stdout');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  const args = ['--json', '--file', file, '--journal', journal, '--base-url', fixture.digilocker.baseUrl];
  const child = spawn(process.execPath, [CLI, 'revoke', ...args], {
    env: { PATH: process.env.PATH ?? '', ...fixture.env() },
    stdio: ['ignore', writer, 'pipe'],
  });
  closeSync(writer);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  try {
    // The lines of 1,000 outcomes (some 80 KB) are more than the pipe holds (64 KiB): the CLI is left
    // waiting for its reader, before or after the signal. (It gets that far: it waits only once its
    // own buffer, 16 KiB more, is full too.)
    await waitFor(() => fixture.digilocker.stats.revokeRequests >= 1_000, '1,000 requests', 30_000);
    child.kill('SIGTERM');
    expect(await exitCodeWithin(child, 30_000)).toBe(130);
    expect(existsSync(`${journal}.lock`)).toBe(false);

    expect(stderr).toMatch(/^digilocker-revoke: interrupted;/m);
    expect(stderr).toMatch(/^Interrupted: the requests in flight finished/m);
    const unwritten = Number(
      /^digilocker-revoke: (\d+) lines of --json output not written/m.exec(stderr)?.[1],
    );
    expect(unwritten).toBeGreaterThan(0);
    const revoked = Number(/^revoked: +(\d+)$/m.exec(stderr)?.[1]);
    expect(revoked).toBe(fixture.digilocker.stats.revokeRequests);
    expect(revoked).toBeLessThan(tokens.length);
    // Every outcome is in the journal, whatever standard output did.
    const outcomes = readFileSync(journal, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"outcome"'));
    expect(outcomes).toHaveLength(revoked);
    // The reader resumes: what reached it and what was counted unwritten add up to every line, the
    // summary's included (a last line cut short is among the unwritten ones).
    const stdout = readAvailable(reader);
    const whole = stdout.slice(0, stdout.lastIndexOf('\n') + 1);
    expect(jsonLines(whole).length + unwritten).toBe(revoked + 1);
  } finally {
    child.kill('SIGKILL');
    closeSync(reader);
  }
}, 90_000);

it('on SIGTERM while a large journal is being read, says so, prints a zero summary and releases the lock', async () => {
  const journal = join(fixture.scratch, 'journal');
  const record = `{"sha256":"${'a'.repeat(64)}","sending":true,"at":"2026-01-01T00:00:00.000Z"}\n`;
  writeFileSync(journal, record.repeat(300_000)); // 30 MB: reading it takes a while
  const size = statSync(journal).size;
  // Standard input left open: the run would wait for tokens after the journal.
  const args = ['revoke', '--json', '--journal', journal, '--base-url', fixture.digilocker.baseUrl];
  const running = startCli(args, { env: fixture.env() });
  await waitFor(() => existsSync(`${journal}.lock`), 'the journal to be locked');
  running.child.kill('SIGTERM');
  const run = await running.done;
  expect(run.code).toBe(130);
  expect(run.stderr.match(/^digilocker-revoke: interrupted;/gm)).toHaveLength(1);
  expect(summaryOf(run.stdout)).toMatchObject({ total: 0, interrupted: true });
  expect(run.stderr).toMatch(/^Interrupted: the requests in flight finished/m);
  expect(existsSync(`${journal}.lock`)).toBe(false);
  expect(statSync(journal).size).toBe(size);
  expect(fixture.digilocker.stats.revokeRequests).toBe(0);
}, 60_000);

/** The child's exit code once its stderr is read to the end, or 'still running' after `ms`. */
function exitCodeWithin(child: ChildProcess, ms: number): Promise<number | null | 'still running'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), ms);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** What a pipe opened without waiting holds now. */
function readAvailable(fd: number): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    let read: number;
    try {
      read = readSync(fd, buffer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw error;
    }
    if (read === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, read)));
  }
  return Buffer.concat(chunks).toString('utf8');
}
