// Rate limits: Ctrl-C during a Retry-After pause ends the run at once with the summary and the journal,
// and a Retry-After longer than the CLI waits is said plainly in the summary, with how long.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/fingerprint';
import { jsonLines, runCli, startCli, summaryOf, useCliFixture, waitFor } from './cli-harness';

const fixture = useCliFixture();

it('SIGINT during a 20-second Retry-After pause exits 130 within two seconds, with the summary and the journal', async () => {
  const tokens = Array.from({ length: 3 }, () => fixture.digilocker.issueTokens().accessToken);
  fixture.digilocker.inject({ type: 'status', status: 429, retryAfter: 20 });
  const journal = join(fixture.scratch, 'journal');
  const running = startCli(
    [
      'revoke',
      '--json',
      '--concurrency',
      '1',
      '--journal',
      journal,
      '--base-url',
      fixture.digilocker.baseUrl,
    ],
    { stdin: `${tokens.join('\n')}\n`, env: fixture.env() },
  );
  await waitFor(() => fixture.digilocker.stats.revokeRequests === 1, 'the rate-limited request');
  await new Promise((resolve) => setTimeout(resolve, 300)); // into the pause
  const sentAt = Date.now();
  running.child.kill('SIGINT');
  const run = await running.done;
  expect(Date.now() - sentAt).toBeLessThan(2_000);
  expect(run.code).toBe(130);
  expect(run.stderr).not.toMatch(/unexpected/);
  expect(summaryOf(run.stdout)).toMatchObject({ interrupted: true, revoked: 0 });
  expect(jsonLines(run.stdout)[0]).toMatchObject({ index: 0, error: 'stopped' });
  expect(run.stderr).toMatch(/^Interrupted: /m);
  // The token was sent once (and rate-limited): the journal says so, and a rerun retries it.
  const lines = readFileSync(journal, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(lines).toContainEqual(expect.objectContaining({ sha256: await sha256Hex(tokens[0] as string) }));
  expect(fixture.digilocker.stats.revokeRequests).toBe(1);
}, 30_000);

it('says in the summary that DigiLocker asked to wait longer than the CLI waits, and how long', async () => {
  const [token] = Array.from({ length: 1 }, () => fixture.digilocker.issueTokens().accessToken);
  fixture.digilocker.inject({ type: 'status', status: 429, retryAfter: 120 });
  const run = await runCli(['revoke', '--base-url', fixture.digilocker.baseUrl], {
    stdin: `${token}\n`,
    env: fixture.env(),
  });
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^ {2}rate_limited: 1/m);
  expect(run.stdout).toMatch(
    /^DigiLocker asked to wait 120 s before the next request, longer than what was left of a token's \d+ s budget/m,
  );
  const json = await runCli(['revoke', '--json', '--base-url', fixture.digilocker.baseUrl], {
    stdin: `${token}\n`,
    env: fixture.env(),
  });
  expect(json.code).toBe(0); // the next run, once the server lets it
  fixture.digilocker.inject({ type: 'status', status: 429, retryAfter: 90 });
  const again = await runCli(['revoke', '--json', '--base-url', fixture.digilocker.baseUrl], {
    stdin: `${fixture.digilocker.issueTokens().accessToken}\n`,
    env: fixture.env(),
  });
  expect(summaryOf(again.stdout)).toMatchObject({ retryAfterMs: 90_000 });
  expect(again.stderr).toMatch(/asked to wait 90 s/);
});

describe('a Retry-After beyond any date a Date can hold', () => {
  const huge = '9999999999999'; // seconds: about 317,000 years

  it('still prints the summary, human and --json, and exits 1 (a token failed)', async () => {
    const token = fixture.digilocker.issueTokens().accessToken;
    fixture.digilocker.inject({ type: 'status', status: 429, retryAfter: huge });
    const run = await runCli(['revoke', '--json', '--base-url', fixture.digilocker.baseUrl], {
      stdin: `${token}\n`,
      env: fixture.env(),
    });
    expect(run.stderr).not.toMatch(/unexpected/);
    expect(run.code).toBe(1);
    const summary = summaryOf(run.stdout);
    expect(summary).toMatchObject({ failed: 1 });
    expect(summary.retryAfterMs).toBeGreaterThan(8e15); // about 8.64e15 ms ahead is the last Date
    expect(run.stderr).toMatch(/^ {2}rate_limited: 1/m);
    expect(run.stderr).toMatch(/asked to wait \d+ s .*: 1 token was not revoked; .*beyond any calendar date/);
  });

  it('exits 130 with the summary when the run was interrupted', async () => {
    const token = fixture.digilocker.issueTokens().accessToken;
    fixture.digilocker.inject({ type: 'status', status: 429, retryAfter: huge });
    const running = startCli(['revoke', '--json', '--base-url', fixture.digilocker.baseUrl], {
      env: fixture.env(), // standard input stays open
    });
    running.child.stdin.write(`${token}\n`);
    await waitFor(() => running.stdout().includes('"rate_limited"'), 'the rate-limited outcome');
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.stderr).not.toMatch(/unexpected/);
    expect(run.code).toBe(130);
    expect(summaryOf(run.stdout)).toMatchObject({ interrupted: true, retryAfterMs: expect.any(Number) });
    expect(run.stderr).toMatch(/beyond any calendar date/);
  });
});
