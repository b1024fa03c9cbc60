// Input that is not a file of tokens: a directory is a usage error; a line longer than the longest
// token is an invalid-input outcome; an endless line (/dev/zero) ends the run with a clear error.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../../src/defaults';
import { jsonLines, runCli, summaryOf, useCliFixture } from './cli-harness';

const fixture = useCliFixture();
const base = () => ['--base-url', fixture.digilocker.baseUrl];

it('a directory given to --file is a usage error (exit 2), like --journal', async () => {
  const directory = join(fixture.scratch, 'tokens.d');
  mkdirSync(directory);
  for (const option of ['--file', '--journal']) {
    const run = await runCli(['revoke', option, directory, ...base()], {
      stdin: 'a-token\n',
      env: fixture.env(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error: .*${option} ${directory}.*directory`, 'm'));
  }
  expect(fixture.digilocker.stats.requests).toBe(0);
});

it('a line longer than the longest token is an invalid-input outcome, never held in memory', async () => {
  const [token] = [fixture.digilocker.issueTokens().accessToken];
  const file = join(fixture.scratch, 'tokens.txt');
  // 64 MB on one line, read by a CLI allowed a 32 MB heap: only a reader that never holds the line
  // gets through it (a string of it alone would not fit).
  const longLine = Buffer.alloc(64 * 1024 * 1024, 'y');
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from(`${'x'.repeat(LIMITS.maxTokenLength + 1)}\n`),
      longLine,
      Buffer.from(`\n${token}\n`),
    ]),
  );
  const run = await runCli(['revoke', '--json', '--file', file, ...base()], {
    env: { ...fixture.env(), NODE_OPTIONS: '--max-old-space-size=32' },
  });
  expect(run.stderr).not.toMatch(/RangeError|unexpected|heap/);
  expect(run.code).toBe(1);
  const byIndex = jsonLines(run.stdout).filter((line) => 'index' in line);
  expect(byIndex).toContainEqual(expect.objectContaining({ index: 0, error: 'invalid_input' }));
  expect(byIndex).toContainEqual(
    expect.objectContaining({
      index: 1,
      error: 'invalid_input',
      message: expect.stringContaining(`longer than ${LIMITS.maxTokenLength}`),
    }),
  );
  expect(byIndex).toContainEqual(expect.objectContaining({ index: 2, outcome: 'revoked' }));
  expect(summaryOf(run.stdout)).toMatchObject({ total: 3, revoked: 1, failedByCode: { invalid_input: 2 } });
}, 30_000);

it('a line that is not UTF-8 is an invalid-input outcome, never sent as another string', async () => {
  const { accessToken } = fixture.digilocker.issueTokens();
  const file = join(fixture.scratch, 'latin1.txt');
  // "café-token" in Latin-1: the 0xE9 byte is no UTF-8 and would decode to U+FFFD.
  writeFileSync(
    file,
    Buffer.concat([Buffer.from('caf\xe9-token\n', 'latin1'), Buffer.from(`${accessToken}\n`)]),
  );
  const run = await runCli(['revoke', '--json', '--treat-invalid-as-revoked', '--file', file, ...base()], {
    env: fixture.env(),
  });
  expect(run.code).toBe(1);
  const byIndex = jsonLines(run.stdout).filter((line) => 'index' in line);
  expect(byIndex).toContainEqual(
    expect.objectContaining({
      index: 0,
      error: 'invalid_input',
      message: expect.stringContaining('line 1 is not UTF-8'),
    }),
  );
  expect(byIndex).toContainEqual(expect.objectContaining({ index: 1, outcome: 'revoked' }));
  expect(fixture.digilocker.stats.requests).toBe(1);
});

it('--file /dev/zero ends with a clear error, not a crash', async () => {
  const run = await runCli(['revoke', '--file', '/dev/zero', ...base()], { env: fixture.env() });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(
    /^digilocker-revoke: stopped: --file \/dev\/zero: line 1 holds a NUL byte: not a text file of tokens$/m,
  );
  expect(run.stderr).not.toMatch(/RangeError|unexpected|heap/);
  expect(fixture.digilocker.stats.requests).toBe(0);
}, 30_000);

it('binary input ends the run at its NUL byte; the tokens before it are revoked and reported', async () => {
  const [token] = [fixture.digilocker.issueTokens().accessToken];
  const file = join(fixture.scratch, 'tokens.bin');
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`${token}\nabc`), Buffer.from([0, 1, 2]), Buffer.from('\nx\n')]),
  );
  const run = await runCli(['revoke', '--json', '--file', file, ...base()], { env: fixture.env() });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^digilocker-revoke: stopped: --file .*tokens\.bin: line 2 holds a NUL byte/m);
  expect(summaryOf(run.stdout)).toMatchObject({ total: 1, revoked: 1 });
  expect(fixture.digilocker.isActive(token as string)).toBe(false);
});

it('a line of 4096 dots among tokens is one failure: the run goes on, and nothing of the line is printed', async () => {
  // Its echo forms are too many for one regular expression; building the redactor for it crashed the
  // run (no summary, the line's hex and base64 on stderr) and every rerun at the same line.
  const [first, last] = fixture.issue(2);
  const dots = '.'.repeat(LIMITS.maxTokenLength);
  const file = join(fixture.scratch, 'dots.txt');
  writeFileSync(file, `${first}\n${dots}\n${last}\n`);
  const run = await runCli(['revoke', '--json', '--concurrency', '1', '--file', file, ...base()], {
    env: fixture.env(),
  });
  expect(summaryOf(run.stdout)).toMatchObject({ total: 3, revoked: 2, failed: 1 });
  expect(run.code).toBe(1);
  const output = run.stdout + run.stderr;
  for (const form of [dots, Buffer.from(dots).toString('hex'), Buffer.from(dots).toString('base64')]) {
    expect(output).not.toContain(form.slice(0, 64));
  }
}, 30_000);
