// The CLI as an incident tool: a run whose credentials are refused stops at once (and a rerun with
// fixed credentials continues from the journal); --json accounts for every input, skipped ones
// included; an empty input warns; a rerun that sends nothing says so instead of printing a rate.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines, runCli, summaryOf, useCliFixture } from './cli-harness';

const fixture = useCliFixture();
const base = () => ['--base-url', fixture.digilocker.baseUrl];

it('stops at the first invalid_client, says the credentials were refused, exits 1; a fixed rerun continues', async () => {
  const tokens = fixture.issue(2_000);
  const file = join(fixture.scratch, 'tokens.txt');
  const journal = join(fixture.scratch, 'journal');
  writeFileSync(file, `${tokens.join('\n')}\n`);
  const args = ['revoke', '--file', file, '--journal', journal, '--concurrency', '4', ...base()];
  const refused = await runCli(args, {
    env: { ...fixture.env(), DIGILOCKER_CLIENT_SECRET: 'not-the-secret' },
  });
  expect(refused.code).toBe(1);
  // What was in flight when the first answer came, and nothing more.
  expect(fixture.digilocker.stats.revokeRequests).toBeLessThanOrEqual(8);
  const said = refused.stderr.split('\n').filter((line) => line.includes('credentials'));
  expect(said).toEqual([
    expect.stringMatching(
      /^digilocker-revoke: stopped: DigiLocker refused the client credentials \(invalid_client\)/,
    ),
  ]);
  expect(refused.stderr).not.toContain('not-the-secret');

  const fixed = await runCli([...args, '--json'], { env: fixture.env() });
  expect(fixed.code).toBe(0);
  expect(summaryOf(fixed.stdout)).toMatchObject({ total: 2_000, revoked: 2_000, failed: 0 });
  expect(tokens.filter((token) => fixture.digilocker.isActive(token))).toEqual([]);
}, 30_000);

it('--json prints a line for every input, skipped-by-journal ones included', async () => {
  const tokens = fixture.issue(3);
  const journal = join(fixture.scratch, 'journal');
  const args = ['revoke', '--json', '--journal', journal, ...base()];
  await runCli(args, { stdin: `${tokens[1]}\n`, env: fixture.env() });
  const run = await runCli(args, { stdin: `${tokens.join('\n')}\n`, env: fixture.env() });
  expect(run.code).toBe(0);
  const byIndex = jsonLines(run.stdout)
    .filter((line) => 'index' in line)
    .sort((a, b) => Number(a.index) - Number(b.index));
  const fingerprint = expect.stringMatching(/^[0-9a-f]{12}$/);
  expect(byIndex).toEqual([
    { index: 0, fingerprint, outcome: 'revoked', confirmed: true },
    { index: 1, fingerprint, outcome: 'skipped' },
    { index: 2, fingerprint, outcome: 'revoked', confirmed: true },
  ]);
});

it('a rerun that sends nothing says so instead of a rate', async () => {
  const tokens = fixture.issue(2);
  const journal = join(fixture.scratch, 'journal');
  const args = ['revoke', '--journal', journal, ...base()];
  await runCli(args, { stdin: tokens.join('\n'), env: fixture.env() });
  const run = await runCli(args, { stdin: tokens.join('\n'), env: fixture.env() });
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^duration: +\d+\.\d s, nothing sent$/m);
  const json = await runCli([...args, '--json'], { stdin: tokens.join('\n'), env: fixture.env() });
  expect(summaryOf(json.stdout)).toMatchObject({ skipped: 2, tokensPerSecond: 0 });
  expect(Number.isInteger(summaryOf(json.stdout).durationMs)).toBe(true);
});

it('an input with no tokens warns on stderr and exits 0', async () => {
  const run = await runCli(['revoke', ...base()], { stdin: '# nothing today\n\n', env: fixture.env() });
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(/^warning: no tokens in the input \(standard input\)$/m);
  expect(fixture.digilocker.stats.requests).toBe(0);
});

it('rounds durations in the messages it reports', async () => {
  // The last attempt's time limit is what is left of the call's 30-second budget after a 28-second
  // Retry-After: no round number of milliseconds.
  fixture.digilocker.inject({ type: 'status', status: 429, retryAfter: 28 });
  fixture.digilocker.inject({ type: 'delay', ms: 4_000 });
  const run = await runCli(['revoke', '--json', ...base()], {
    stdin: `${fixture.issue(1)[0]}\n`,
    env: fixture.env(),
  });
  const [line] = jsonLines(run.stdout);
  expect(line).toMatchObject({ error: 'timeout', message: expect.stringMatching(/within \d+ ms/) });
  expect(String(line?.message)).not.toMatch(/\d\.\d/);
}, 45_000);
