// The journal is written ahead: a token is recorded as being sent (by its SHA-256) before it is sent,
// its outcome after. A rerun that gets invalid_token for a token sent before counts it revoked,
// unconfirmed. The journal file is private (0600), never a symbolic link, and a damaged line is
// reported by its number, never silently skipped.
import { appendFileSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/fingerprint';
import { jsonLines, startCli, summaryOf, useCliFixture, waitFor } from './cli-harness';

const fixture = useCliFixture();
let journal: string;
beforeEach(() => {
  journal = join(fixture.scratch, 'revoke.journal');
});

const lines = () =>
  readFileSync(journal, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

function revoke(args: string[], stdin: string) {
  return fixture.revoke(['--journal', journal, ...args], stdin);
}

it('records a token as being sent before its request leaves, by its full SHA-256 only', async () => {
  const token = fixture.digilocker.issueTokens().accessToken;
  fixture.digilocker.inject({ type: 'delay', ms: 10_000 });
  const running = startCli(['revoke', '--journal', journal, '--base-url', fixture.digilocker.baseUrl], {
    stdin: `${token}\n`,
    env: fixture.env(),
  });
  await waitFor(() => fixture.digilocker.stats.revokeRequests === 1, 'the request');
  // The process dies with the request in flight: the journal already says the token was sent.
  running.child.kill('SIGKILL');
  await running.done;
  expect(lines()).toEqual([{ sha256: await sha256Hex(token), sending: true, at: expect.any(String) }]);
  expect(readFileSync(journal, 'utf8')).not.toContain(token);
});

it('a rerun that gets invalid_token for a token sent before counts it revoked, unconfirmed', async () => {
  const token = fixture.digilocker.issueTokens().accessToken;
  // DigiLocker revokes on the first attempt, and no answer ever comes back: the run fails the token.
  fixture.digilocker.inject({ type: 'drop', revoke: true }, { times: 3 });
  const first = await revoke(['--json'], `${token}\n`);
  expect(first.code).toBe(1);
  expect(jsonLines(first.stdout)[0]).toMatchObject({ error: 'network_error' });
  expect(fixture.digilocker.isActive(token)).toBe(false);

  const second = await revoke(['--json'], `${token}\nnever-issued\n`);
  expect(second.code).toBe(1); // never-issued, never sent before, is a failure as ever
  const byIndex = jsonLines(second.stdout).filter((line) => 'index' in line);
  expect(byIndex).toContainEqual(expect.objectContaining({ index: 0, outcome: 'revoked', confirmed: false }));
  expect(byIndex).toContainEqual(expect.objectContaining({ index: 1, error: 'invalid_token' }));
  expect(summaryOf(second.stdout)).toMatchObject({ revoked: 0, revokedUnconfirmed: 1, failed: 1 });
  // ...and it is final now: a third run skips it.
  const third = await revoke(['--json'], `${token}\n`);
  expect(summaryOf(third.stdout)).toMatchObject({ skipped: 1 });
});

it('an invalid_token answered in the run that sent the token stays a failure on the rerun', async () => {
  const first = await revoke([], 'never-issued\n');
  expect(first.code).toBe(1);
  const second = await revoke(['--json'], 'never-issued\n');
  expect(jsonLines(second.stdout)[0]).toMatchObject({ error: 'invalid_token' });
});

it('creates the journal with mode 0600', async () => {
  await revoke([], `${fixture.digilocker.issueTokens().accessToken}\n`);
  expect(statSync(journal).mode & 0o777).toBe(0o600);
});

it('refuses a journal path that is a symbolic link (exit 2), and leaves its target alone', async () => {
  const target = join(fixture.scratch, 'elsewhere');
  writeFileSync(target, '');
  symlinkSync(target, journal);
  const run = await revoke([], `${fixture.digilocker.issueTokens().accessToken}\n`);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(new RegExp(`^error: --journal ${journal} is a symbolic link`, 'm'));
  expect(readFileSync(target, 'utf8')).toBe('');
  expect(fixture.digilocker.stats.requests).toBe(0);
});

it('ignores a last line cut short with a warning that names it, and retries its token', async () => {
  const tokens = Array.from({ length: 2 }, () => fixture.digilocker.issueTokens().accessToken);
  await revoke([], `${tokens[0]}\n`);
  const written = lines().length;
  appendFileSync(journal, `{"sha256":"${await sha256Hex(tokens[1] as string)}","outc`);
  const run = await revoke(['--json'], tokens.join('\n'));
  expect(run.code).toBe(0);
  expect(run.stderr).toContain(
    `warning: --journal ${journal}: line ${written + 1} is cut short (a write that did not finish); ignored`,
  );
  expect(summaryOf(run.stdout)).toMatchObject({ skipped: 1, revoked: 1 });
});

it('reports a damaged line after the first record by its number, and goes on', async () => {
  const [first, token] = [
    fixture.digilocker.issueTokens().accessToken,
    fixture.digilocker.issueTokens().accessToken,
  ];
  await revoke([], `${first}\n`);
  const written = lines().length;
  appendFileSync(journal, 'this is not a record\n{"sha256":"00","outcome":"revoked"}\n');
  const run = await revoke([], `${token}\n`);
  expect(run.code).toBe(0);
  expect(run.stderr).toContain(
    `warning: --journal ${journal}: line ${written + 1} is not valid JSON; ignored`,
  );
  expect(run.stderr).toContain(
    `warning: --journal ${journal}: line ${written + 2} is not a journal record; ignored`,
  );
});
