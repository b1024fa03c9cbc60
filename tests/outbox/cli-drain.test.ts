import { credentialsOf, runCli, startCli, useCliFixture, waitFor } from '../cli/cli-harness';
import { freshDirectory, queueThroughCli } from './child-harness';
import { KEY } from './support';

const fixture = useCliFixture();
let store: { path: string; remove: () => void };
beforeEach(async () => {
  store = await freshDirectory();
}, 120_000);
afterEach(() => store.remove());

const env = () => ({ ...credentialsOf(fixture.digilocker), DIGILOCKER_OUTBOX_KEYS: KEY });

const drain = (baseUrl: string) =>
  startCli(['outbox', 'drain', '--store', store.path, '--base-url', baseUrl, '--concurrency', '1'], {
    env: env(),
  });

it('a second signal quits at once, while the jobs in flight would still take 20 s', async () => {
  await queueThroughCli(fixture, store.path, 3);
  fixture.digilocker.inject({ type: 'delay', ms: 20_000 }, { times: 3 });
  const running = drain(fixture.digilocker.baseUrl);
  await waitFor(() => fixture.digilocker.stats.revokeRequests === 1, 'the first request', 30_000);
  running.child.kill('SIGINT');
  await waitFor(() => running.stderr().includes('interrupt again to quit at once'), 'the first signal said');
  const secondAt = Date.now();
  running.child.kill('SIGINT');
  const { code } = await running.done;
  expect(code).toBe(130);
  expect(Date.now() - secondAt).toBeLessThan(5_000);
}, 120_000);

it('says that a 429 paused the queue and for how long, at once', async () => {
  await queueThroughCli(fixture, store.path, 1);
  // Longer than the client's own budget: the client gives up and the outbox pauses every instance.
  fixture.digilocker.inject({ type: 'status', status: 429, retryAfter: 120 });
  const running = drain(fixture.digilocker.baseUrl);
  await waitFor(
    () => running.stderr().includes('DigiLocker rate-limited the queue: every instance waits 120 s'),
    'the pause said',
    30_000,
  );
  running.child.kill('SIGKILL');
}, 120_000);

it('says the first retry of each error code, and the summary counts them by code', async () => {
  await queueThroughCli(fixture, store.path, 1);
  const running = drain('http://127.0.0.1:9/public'); // nothing listens: network_error, retried
  await waitFor(
    () => running.stderr().includes('a job failed with network_error; it will be retried'),
    'the retry said',
    60_000,
  );
  running.child.kill('SIGINT');
  const { code, stdout } = await running.done;
  expect(code).toBe(130);
  expect(stdout).toMatch(/retries scheduled: [1-9]\d* \(network_error: [1-9]\d*\)\n/);
}, 120_000);

it('refused credentials: exit 2, and with --json the summary line on stdout says why, without the secret', async () => {
  await queueThroughCli(fixture, store.path, 1);
  const wrongSecret = 'wrong-secret-0123456789abcdef';
  const { code, stdout, stderr } = await runCli(
    ['outbox', 'drain', '--store', store.path, '--base-url', fixture.digilocker.baseUrl, '--json'],
    { env: { ...env(), DIGILOCKER_CLIENT_SECRET: wrongSecret } },
  );
  expect(code).toBe(2);
  expect(stderr).toMatch(/^error: DigiLocker refused the client credentials \(invalid_client\)/m);
  const lines = stdout.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0] as string)).toEqual({
    summary: expect.objectContaining({ revoked: 0, dead: 0, interrupted: false, queue: expect.any(Object) }),
    error: {
      code: 'paused_invalid_client',
      message: expect.stringContaining('DigiLocker refused the client credentials (invalid_client)'),
    },
  });
  expect(stdout + stderr).not.toContain(wrongSecret);
}, 120_000);
