// A token listed more than once in one run: a later copy is sent like a token an earlier run sent, so
// DigiLocker's invalid_token for it (the first copy revoked it) means revoked, unconfirmed, never a
// failure. With --journal, a copy of a token this run already finished is skipped like one an earlier
// run finished.
import { join } from 'node:path';
import { jsonLines, summaryOf, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

function revoke(args: string[], tokens: string[]) {
  return fixture.revoke(['--json', ...args], `${tokens.join('\n')}\n`);
}

/** The `--json` lines of the inputs, by their index. */
function byIndex(stdout: string): Map<number, Record<string, unknown>> {
  const lines = jsonLines(stdout).filter((line) => typeof line.index === 'number');
  return new Map(lines.map((line) => [line.index as number, line]));
}

it.each([1, 8])(
  'reports both copies revoked (one unconfirmed), adjacent or far apart, and exits 0 (concurrency %i)',
  async (concurrency) => {
    const [near, far, ...others] = fixture.issue(40) as [string, string, ...string[]];
    const input = [near, near, far, ...others, far];
    const run = await revoke(['--concurrency', String(concurrency)], input);
    expect(run.stderr).not.toMatch(/unexpected/);
    expect(run.code).toBe(0);
    const lines = byIndex(run.stdout);
    for (const [first, second] of [
      [0, 1],
      [2, input.length - 1],
    ] as const) {
      const pair = [lines.get(first), lines.get(second)];
      expect(pair).toEqual([
        expect.objectContaining({ outcome: 'revoked' }),
        expect.objectContaining({ outcome: 'revoked' }),
      ]);
      // The copy that revoked it is confirmed; the other one got invalid_token.
      expect(pair.map((line) => line?.confirmed).sort()).toEqual([false, true]);
    }
    // The two unconfirmed copies are never counted with the confirmed revocations.
    expect(summaryOf(run.stdout)).toMatchObject({
      total: input.length,
      revoked: input.length - 2,
      revokedUnconfirmed: 2,
      failed: 0,
    });
    expect(fixture.digilocker.revokeRequestsFor(near)).toBe(2);
    expect(fixture.digilocker.revokeRequestsFor(far)).toBe(2);
  },
);

it('still reports a token DigiLocker calls invalid as invalid_token, listed once or twice far apart', async () => {
  const live = fixture.issue(20);
  const run = await revoke(
    ['--concurrency', '1'],
    ['never-issued-once', 'never-issued-twice', ...live, 'never-issued-twice'],
  );
  expect(run.code).toBe(1);
  const lines = byIndex(run.stdout);
  for (const index of [0, 1, live.length + 2])
    expect(lines.get(index)).toMatchObject({ error: 'invalid_token' });
  expect(summaryOf(run.stdout)).toMatchObject({ revoked: live.length, failed: 3 });
});

it('with --journal, skips a later copy of a token this run finished, like one an earlier run finished', async () => {
  const [token, ...others] = fixture.issue(10) as [string, ...string[]];
  const journal = join(fixture.scratch, 'revoke.journal');
  const run = await revoke(['--concurrency', '1', '--journal', journal], [token, token, ...others, token]);
  expect(run.code).toBe(0);
  const lines = byIndex(run.stdout);
  expect(lines.get(0)).toMatchObject({ outcome: 'revoked', confirmed: true });
  expect(lines.get(1)).toMatchObject({ outcome: 'skipped', fingerprint: lines.get(0)?.fingerprint });
  expect(lines.get(others.length + 2)).toMatchObject({ outcome: 'skipped' });
  expect(summaryOf(run.stdout)).toMatchObject({
    total: others.length + 3,
    revoked: others.length + 1,
    skipped: 2,
  });
  expect(fixture.digilocker.revokeRequestsFor(token)).toBe(1);
  expect(run.stderr).toMatch(/^skipped \(journal\): 2$/m);
});

it('with --journal, a later copy of a token whose first copy got invalid_token is sent and fails again', async () => {
  const journal = join(fixture.scratch, 'revoke.journal');
  const run = await revoke(['--concurrency', '1', '--journal', journal], ['never-issued', 'never-issued']);
  expect(run.code).toBe(1);
  expect([...byIndex(run.stdout).values()]).toEqual([
    expect.objectContaining({ error: 'invalid_token' }),
    expect.objectContaining({ error: 'invalid_token' }),
  ]);
});
