// One run at a time per journal: a run holds `<journal>.lock` (its pid) from start to end. A second run
// on the same journal is refused (exit 2) while the first goes on; a lock left by a killed run is taken
// over with a warning; the lock is gone however a run ends, but for SIGKILL. The lock is by name, so a
// journal with two names (a hard link) is refused (exit 2): two runs could use it at once.
import { existsSync, linkSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines, runCli, startCli, summaryOf, useCliFixture, waitFor } from './cli-harness';

const fixture = useCliFixture();
let journal: string;
let lock: string;
beforeEach(() => {
  journal = join(fixture.scratch, 'revoke.journal');
  lock = `${journal}.lock`;
});

const args = () => ['revoke', '--json', '--journal', journal, '--base-url', fixture.digilocker.baseUrl];
/** The number of final outcomes in the journal. */
const outcomes = () =>
  existsSync(journal)
    ? readFileSync(journal, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"outcome"')).length
    : 0;

it('refuses a second run on the same journal while the first runs (exit 2); the first completes', async () => {
  const [first, second, late] = fixture.issue(3) as [string, string, string];
  const running = startCli(args(), { env: fixture.env() }); // standard input stays open
  running.child.stdin.write(`${first}\n`);
  await waitFor(() => outcomes() === 1, 'the first outcome journaled');
  expect(readFileSync(lock, 'utf8')).toMatch(new RegExp(`^${running.child.pid} `));

  const refused = await runCli(args(), { stdin: `${second}\n`, env: fixture.env() });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(
    new RegExp(
      `^error: --journal .* is in use by another run \\(pid ${running.child.pid}, lock .*\\.lock\\)`,
      'm',
    ),
  );
  expect(fixture.digilocker.revokeRequestsFor(second)).toBe(0);
  expect(existsSync(lock)).toBe(true); // the refused run left the first one's lock alone

  running.child.stdin.end(`${late}\n`);
  const run = await running.done;
  expect(run.code).toBe(0);
  expect(summaryOf(run.stdout)).toMatchObject({ revoked: 2, failed: 0 });
  expect(existsSync(lock)).toBe(false);
});

it('takes over the lock a run killed with SIGKILL left, with a warning, and resumes from its journal', async () => {
  const [done, rest] = fixture.issue(2) as [string, string];
  const killed = startCli(args(), { env: fixture.env() });
  killed.child.stdin.write(`${done}\n`);
  await waitFor(() => outcomes() === 1, 'the first outcome journaled');
  killed.child.kill('SIGKILL');
  expect((await killed.done).signal).toBe('SIGKILL');
  expect(readFileSync(lock, 'utf8')).toMatch(new RegExp(`^${killed.child.pid} `));

  const run = await runCli(args(), { stdin: `${done}\n${rest}\n`, env: fixture.env() });
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(
    new RegExp(
      `^warning: --journal .*: took over the lock .*\\.lock left by a run that ended without releasing it \\(pid ${killed.child.pid}\\)$`,
      'm',
    ),
  );
  expect(jsonLines(run.stdout).slice(0, 2)).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ index: 0, outcome: 'skipped' }),
      expect.objectContaining({ index: 1, outcome: 'revoked' }),
    ]),
  );
  expect(fixture.digilocker.revokeRequestsFor(done)).toBe(1);
  expect(existsSync(lock)).toBe(false);
});

it.each(['SIGINT', 'SIGTERM'] as const)(
  'removes the lock when %s stops the run (exit 130)',
  async (signal) => {
    const running = startCli(args(), { env: fixture.env() });
    running.child.stdin.write(`${fixture.issue(1)[0]}\n`);
    await waitFor(() => outcomes() === 1, 'the outcome journaled');
    running.child.kill(signal);
    expect((await running.done).code).toBe(130);
    expect(existsSync(lock)).toBe(false);
  },
);

it('removes the lock when a second signal quits at once', async () => {
  fixture.digilocker.inject({ type: 'delay', ms: 5_000 });
  const running = startCli(args(), { env: fixture.env() });
  running.child.stdin.write(`${fixture.issue(1)[0]}\n`);
  await waitFor(() => fixture.digilocker.stats.revokeRequests === 1, 'the request');
  expect(existsSync(lock)).toBe(true);
  running.child.kill('SIGINT');
  await waitFor(() => running.stderr().includes('interrupted;'), 'the first signal to be handled');
  running.child.kill('SIGINT');
  expect((await running.done).code).toBe(130);
  expect(existsSync(lock)).toBe(false);
});

it('removes the lock when the run stops early (refused credentials, exit 1)', async () => {
  const run = await runCli(args(), {
    stdin: `${fixture.issue(1)[0]}\n`,
    env: { ...fixture.env(), DIGILOCKER_CLIENT_SECRET: 'not-the-secret' },
  });
  expect(run.code).toBe(1);
  expect(existsSync(lock)).toBe(false);
});

it('removes the lock when the journal cannot be opened (exit 2)', async () => {
  mkdirSync(journal);
  const run = await runCli(args(), { stdin: `${fixture.issue(1)[0]}\n`, env: fixture.env() });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/is a directory/);
  expect(existsSync(lock)).toBe(false);
});

it('refuses a journal with two names (a hard link), under either name (exit 2), and sends nothing', async () => {
  const [done, token] = fixture.issue(2) as [string, string];
  expect((await runCli(args(), { stdin: `${done}\n`, env: fixture.env() })).code).toBe(0);
  const other = join(fixture.scratch, 'other.journal');
  linkSync(journal, other);
  const content = readFileSync(journal, 'utf8');
  const requests = fixture.digilocker.stats.requests;
  for (const name of [journal, other]) {
    const run = await runCli(
      ['revoke', '--json', '--journal', name, '--base-url', fixture.digilocker.baseUrl],
      { stdin: `${token}\n`, env: fixture.env() },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: --journal .* has 2 names \(hard links\): a run locks it by one name only/m,
    );
    expect(existsSync(`${name}.lock`)).toBe(false);
  }
  expect(readFileSync(journal, 'utf8')).toBe(content);
  expect(fixture.digilocker.stats.requests).toBe(requests);
});
