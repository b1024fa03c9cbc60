// A rerun with the same --journal never reports as revoked a token that no request of an earlier run
// can have revoked: refused with an answer (429, 401), never sent (a refused connection), or stopped
// before its request. DigiLocker's invalid_token for it on the rerun is a failure, exit 1. A token
// whose request may have reached DigiLocker (a timeout, a 500) still counts as revoked, unconfirmed.
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { jsonLines, runCli, startCli, summaryOf, useCliFixture, waitFor } from './cli-harness';

const fixture = useCliFixture();
let journal: string;
beforeEach(() => {
  journal = join(fixture.scratch, 'revoke.journal');
});

/** Tokens the mock never issued: DigiLocker calls each of them invalid. */
const NEVER_ISSUED = ['never-issued-1', 'never-issued-2', 'never-issued-3'];
const input = `${NEVER_ISSUED.join('\n')}\n`;

/** The rerun, against the mock as it is: every token is invalid and none was revoked before. */
async function expectRerunCallsThemInvalid() {
  const rerun = await fixture.revoke(['--journal', journal, '--json'], input);
  expect(summaryOf(rerun.stdout)).toMatchObject({ revoked: 0, revokedUnconfirmed: 0, failed: 3 });
  expect(jsonLines(rerun.stdout).filter((line) => 'index' in line)).toEqual(
    NEVER_ISSUED.map(() => expect.objectContaining({ error: 'invalid_token', mayHaveRevoked: false })),
  );
  expect(rerun.code).toBe(1);
}

it('after a 429 whose wait outlasts the budget (one answered request, the others never sent)', async () => {
  fixture.digilocker.inject({ type: 'status', status: 429, retryAfter: 3600 });
  const first = await fixture.revoke(['--journal', journal, '--json', '--concurrency', '1'], input);
  expect(fixture.digilocker.stats.revokeRequests).toBe(1);
  expect(jsonLines(first.stdout).filter((line) => 'index' in line)).toEqual(
    NEVER_ISSUED.map(() => expect.objectContaining({ error: 'rate_limited', mayHaveRevoked: false })),
  );
  await expectRerunCallsThemInvalid();
});

it('after the credentials were refused (401)', async () => {
  const env = { ...fixture.env(), DIGILOCKER_CLIENT_SECRET: 'wrong-secret' };
  const args = ['revoke', '--base-url', fixture.digilocker.baseUrl, '--journal', journal];
  const first = await runCli(args, { stdin: input, env });
  expect(first.code).toBe(1);
  expect(fixture.digilocker.stats.revokeRequests).toBeGreaterThan(0);
  await expectRerunCallsThemInvalid();
});

it('after every connection was refused', async () => {
  const listener = createServer().listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as AddressInfo;
  await new Promise((resolve) => listener.close(resolve));
  const args = ['revoke', '--base-url', `http://127.0.0.1:${port}/public`, '--journal', journal];
  const first = await runCli(args, { stdin: input, env: fixture.env() });
  expect(first.code).toBe(1);
  await expectRerunCallsThemInvalid();
});

/**
 * Runs the CLI on `stdin` with `--concurrency 1`, and stops it with SIGINT once its first request was
 * answered (by the fault the test injected) and it waits to retry; returns its lines of outcomes.
 */
async function stopWhileWaitingToRetry(stdin: string): Promise<Record<string, unknown>[]> {
  const args = ['revoke', '--json', '--concurrency', '1', '--journal', journal];
  const running = startCli([...args, '--base-url', fixture.digilocker.baseUrl], {
    stdin,
    env: fixture.env(),
  });
  await waitFor(() => fixture.digilocker.stats.revokeRequests === 1, 'the first request, answered');
  await new Promise((resolve) => setTimeout(resolve, 300)); // into the wait
  running.child.kill('SIGINT');
  const first = await running.done;
  expect(first.code).toBe(130);
  return jsonLines(first.stdout).filter((line) => 'index' in line);
}

it('after a stop while the tokens waited at a rate-limit pause (one answered 429, the others never sent)', async () => {
  fixture.digilocker.inject({ type: 'status', status: 429, retryAfter: 20 });
  const lines = await stopWhileWaitingToRetry(input);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line).toMatchObject({ error: 'stopped', mayHaveRevoked: false });
  await expectRerunCallsThemInvalid();
}, 30_000);

it('but a stop while a token waits to be retried after a 500 says it may have been revoked', async () => {
  // A 500 may come after DigiLocker revoked the token (a gateway that gave up waiting for it).
  fixture.digilocker.inject({ type: 'status', status: 500, retryAfter: 20 });
  const [line] = await stopWhileWaitingToRetry(`${NEVER_ISSUED[0]}\n`);
  expect(line).toMatchObject({ error: 'stopped', mayHaveRevoked: true });
  // The rerun's invalid_token is then the token most likely revoked by the 500's request.
  const rerun = await fixture.revoke(['--journal', journal, '--json'], `${NEVER_ISSUED[0]}\n`);
  expect(summaryOf(rerun.stdout)).toMatchObject({ revokedUnconfirmed: 1, failed: 0 });
  expect(rerun.code).toBe(0);
}, 30_000);

it('but a token whose request timed out may have been revoked: the rerun counts it revoked, unconfirmed', async () => {
  const [token] = fixture.issue(1);
  // Revoked, but the connection drops before the answer, for each of the three attempts.
  fixture.digilocker.inject({ type: 'drop', revoke: true }, { times: 3 });
  const first = await fixture.revoke(['--journal', journal, '--json'], `${token}\n`);
  expect(jsonLines(first.stdout)[0]).toMatchObject({ error: 'network_error', mayHaveRevoked: true });
  expect(fixture.digilocker.isActive(token as string)).toBe(false);
  const rerun = await fixture.revoke(['--journal', journal, '--json'], `${token}\n`);
  expect(summaryOf(rerun.stdout)).toMatchObject({ revoked: 0, revokedUnconfirmed: 1 });
  expect(rerun.code).toBe(0);
});
