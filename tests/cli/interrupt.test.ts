// SIGINT, SIGTERM, SIGHUP and SIGQUIT: the CLI stops reading input, even input that never ends, lets
// the requests in flight finish, prints the summary and exits 130; a second signal quits at once.
import { jsonLines, startCli, summaryOf, useCliFixture, waitFor } from './cli-harness';

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
