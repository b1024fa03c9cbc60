// SIGINT, SIGTERM, SIGHUP and SIGQUIT: the CLI stops reading input, even input that never ends, lets
// the requests in flight finish, prints the summary and exits 130; a second signal quits at once.
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { credentialsOf, ensureCliBuilt, jsonLines, startCli, summaryOf, waitFor } from './cli-harness';

let digilocker: MockDigiLocker;

beforeAll(() => ensureCliBuilt(), 180_000);
beforeEach(async () => {
  digilocker = await startMockDigiLocker();
});
afterEach(() => digilocker.close());

it.each(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const)(
  'on %s, stops waiting on a standard input left open and exits 130 with the summary',
  async (signal) => {
    const running = startCli(['revoke', '--json', '--base-url', digilocker.baseUrl], {
      env: credentialsOf(digilocker),
    });
    const tokens = Array.from({ length: 3 }, () => digilocker.issueTokens().accessToken);
    running.child.stdin.write(`${tokens.join('\n')}\n`); // ...and standard input stays open
    // revokeMany yields outcomes once its pool is full or the input ends: watch the mock instead.
    await waitFor(() => digilocker.stats.revoked === 3, 'three revocations');
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
  digilocker.inject({ type: 'delay', ms: 800 });
  const [token] = Array.from({ length: 1 }, () => digilocker.issueTokens().accessToken);
  const running = startCli(['revoke', '--json', '--base-url', digilocker.baseUrl], {
    env: credentialsOf(digilocker),
  });
  running.child.stdin.write(`${token}\n`);
  await waitFor(() => digilocker.stats.revokeRequests === 1, 'the request');
  running.child.kill('SIGINT');
  const run = await running.done;
  expect(run.code).toBe(130);
  expect(jsonLines(run.stdout)[0]).toMatchObject({ index: 0, outcome: 'revoked' });
  expect(digilocker.isActive(token as string)).toBe(false);
});

it('quits at once on a second signal', async () => {
  digilocker.inject({ type: 'delay', ms: 5_000 });
  const running = startCli(['revoke', '--base-url', digilocker.baseUrl], { env: credentialsOf(digilocker) });
  running.child.stdin.write(`${digilocker.issueTokens().accessToken}\n`);
  await waitFor(() => digilocker.stats.revokeRequests === 1, 'the request');
  const sentAt = Date.now();
  running.child.kill('SIGINT');
  await waitFor(() => running.stderr().includes('interrupted;'), 'the first signal to be handled');
  running.child.kill('SIGINT');
  const run = await running.done;
  expect(run.code).toBe(130);
  expect(Date.now() - sentAt).toBeLessThan(2_000);
});
