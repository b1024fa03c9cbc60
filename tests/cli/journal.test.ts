// --journal: every final outcome is appended, keyed by the token's SHA-256; a rerun skips what is
// finished and retries the rest; SIGINT mid-run loses nothing, and the rerun sends nothing twice.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/fingerprint';
import { jsonLines, runCli, startCli, summaryOf, useCliFixture, waitFor } from './cli-harness';

const fixture = useCliFixture();
let journal: string;
beforeEach(() => {
  journal = join(fixture.scratch, 'revoke.journal');
});

const readJournal = () =>
  readFileSync(journal, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { sha256: string; outcome?: string; error?: string; sending?: true })
    .filter((entry) => entry.sending === undefined); // the final outcomes

function revoke(args: string[], stdin: string) {
  return fixture.revoke(['--journal', journal, ...args], stdin);
}

it('appends one final outcome per token, keyed by the full SHA-256 of the token', async () => {
  const [token] = fixture.issue(1);
  const run = await revoke([], `${token}\nnever-issued\n`);
  expect(run.code).toBe(1);
  const entries = readJournal();
  expect(entries).toEqual(
    expect.arrayContaining([
      {
        sha256: await sha256Hex(token as string),
        outcome: 'revoked',
        confirmed: true,
        at: expect.any(String),
      },
      {
        sha256: await sha256Hex('never-issued'),
        error: 'invalid_token',
        message: expect.any(String),
        mayHaveRevoked: false,
        at: expect.any(String),
      },
    ]),
  );
  expect(entries).toHaveLength(2);
});

it('on a rerun, skips revoked and already invalid tokens and retries failed ones', async () => {
  const tokens = fixture.issue(4);
  const invalid = 'revoked-long-ago';
  fixture.digilocker.inject({ type: 'status', status: 400, body: '{"error":"invalid_request"}' }); // token 0 fails
  const args = ['--concurrency', '1', '--treat-invalid-as-revoked'];
  const first = await revoke(args, [...tokens, invalid].join('\n'));
  expect(first.code).toBe(1);
  expect(fixture.digilocker.isActive(tokens[0] as string)).toBe(true);

  const before = fixture.digilocker.stats.revokeRequests;
  const second = await revoke([...args, '--json'], [...tokens, invalid].join('\n'));
  expect(second.code).toBe(0);
  expect(fixture.digilocker.stats.revokeRequests - before).toBe(1); // only the failed token, again
  expect(summaryOf(second.stdout)).toMatchObject({ total: 5, revoked: 1, skipped: 4, failed: 0 });
  expect(jsonLines(second.stdout)[0]).toMatchObject({ index: 0, outcome: 'revoked' });
  expect(tokens.filter((token) => fixture.digilocker.isActive(token))).toEqual([]);
});

it('tolerates a last line cut short by a crash, and appends after it on a fresh line', async () => {
  const tokens = fixture.issue(2);
  writeFileSync(journal, '');
  const first = await revoke([], tokens[0] as string);
  expect(first.code).toBe(0);
  appendFileSync(journal, '{"sha256":"0123'); // the machine went down mid-write
  const second = await revoke(['--json'], tokens.join('\n'));
  expect(second.code).toBe(0);
  expect(summaryOf(second.stdout)).toMatchObject({ revoked: 1, skipped: 1 });
  const lines = readFileSync(journal, 'utf8').split('\n');
  expect(lines).toContain('{"sha256":"0123'); // still there, on a line of its own
  expect(lines.filter((line) => line.includes('"outcome":"revoked"'))).toHaveLength(2);
});

it('SIGINT mid-run: in-flight requests finish and are journaled, exit 130; the rerun sends nothing twice', async () => {
  const tokens = fixture.issue(300);
  const file = join(fixture.scratch, 'tokens.txt');
  writeFileSync(file, tokens.join('\n'));
  fixture.digilocker.inject({ type: 'delay', ms: 25 }, { times: 1_000_000 }); // slow enough to interrupt mid-run

  const args = ['revoke', '--json', '--concurrency', '4', '--journal', journal, '--file', file];
  const env = fixture.env();
  const first = startCli([...args, '--base-url', fixture.digilocker.baseUrl], { env });
  await waitFor(() => first.stdout().split('\n').length > 20, 'twenty outcomes');
  first.child.kill('SIGINT');
  const interrupted = await first.done;

  expect(interrupted.code).toBe(130);
  expect(interrupted.stderr).toContain('interrupted; finishing the requests in flight');
  const summary = summaryOf(interrupted.stdout);
  expect(summary).toMatchObject({ interrupted: true, failed: 0 });
  const revoked = summary.revoked as number;
  expect(revoked).toBeGreaterThanOrEqual(20);
  expect(revoked).toBeLessThan(300);
  // Nothing in flight was abandoned: every request sent got its answer, its outcome and its line.
  expect(fixture.digilocker.stats.revokeRequests).toBe(revoked);
  expect(readJournal()).toHaveLength(revoked);
  expect(jsonLines(interrupted.stdout).filter((line) => 'outcome' in line)).toHaveLength(revoked);

  fixture.digilocker.clearFaults();
  const second = await runCli([...args, '--base-url', fixture.digilocker.baseUrl], { env });
  expect(second.code).toBe(0);
  expect(summaryOf(second.stdout)).toMatchObject({ revoked: 300 - revoked, skipped: revoked, failed: 0 });
  expect(fixture.digilocker.stats.revokeRequests).toBe(300);
  expect(tokens.every((token) => fixture.digilocker.revokeRequestsFor(token) === 1)).toBe(true);
  expect(tokens.filter((token) => fixture.digilocker.isActive(token))).toEqual([]);
}, 30_000);

it('a token the client refuses is invalid_input on a rerun, even when an older journal finished it', async () => {
  // What a release before the rule on invisible characters journaled for a pasted copy of a token:
  // DigiLocker's invalid_token, taken as already invalid with --treat-invalid-as-revoked.
  const [token] = fixture.issue(1);
  const copy = `${(token as string).slice(0, 8)}\u200b${(token as string).slice(8)}`;
  const record = {
    sha256: await sha256Hex(copy),
    outcome: 'already_invalid',
    at: '2026-01-01T00:00:00.000Z',
  };
  writeFileSync(journal, `${JSON.stringify(record)}\n`);
  const rerun = await revoke(['--treat-invalid-as-revoked', '--json'], `${copy}\n`);
  expect(rerun.code).toBe(1);
  expect(summaryOf(rerun.stdout)).toMatchObject({
    skipped: 0,
    failed: 1,
    failedByCode: { invalid_input: 1 },
  });
  expect(fixture.digilocker.stats.revokeRequests).toBe(0);
  expect(rerun.stdout + rerun.stderr).not.toContain(copy);
});
