// `digilocker-revoke mock`: a mock DigiLocker a user can try the CLI against. Its output, saved to a
// file, is valid `revoke --file` input (every line but the tokens is a # comment).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCliBuilt, runCli, startCli, waitFor } from './cli-harness';

let scratch: string;

beforeAll(() => ensureCliBuilt(), 180_000);
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'digilocker-mock-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

it('prints its base URL, test credentials and issued tokens, serves the CLI, and stops on SIGINT', async () => {
  const mock = startCli(['mock', '--issue', '2']);
  await waitFor(
    () =>
      mock
        .stdout()
        .split('\n')
        .filter((line) => /^[0-9a-f]{40}$/.test(line)).length === 4,
    'the tokens',
  );
  const printed = mock.stdout();
  expect(printed).toContain('Test values only');
  const baseUrl = /listening at (http:\/\/127\.0\.0\.1:\d+\/public)$/m.exec(printed)?.[1];
  const clientId = /export DIGILOCKER_CLIENT_ID=(\S+)$/m.exec(printed)?.[1];
  const clientSecret = /export DIGILOCKER_CLIENT_SECRET=(\S+)$/m.exec(printed)?.[1];
  expect(baseUrl && clientId && clientSecret).toBeTruthy();

  const file = join(scratch, 'tokens.txt');
  writeFileSync(file, printed);
  const env = { DIGILOCKER_CLIENT_ID: clientId, DIGILOCKER_CLIENT_SECRET: clientSecret };
  // One at a time: revoking a grant's refresh token would also invalidate its access token.
  const revoke = ['revoke', '--file', file, '--base-url', baseUrl as string, '--concurrency', '1', '--json'];
  const first = await runCli(revoke, { env });
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('"revoked":4');
  const again = await runCli(revoke, { env });
  expect(again.code).toBe(1); // now every token is invalid
  expect(again.stdout).toContain('"invalid_token":4');

  mock.child.kill('SIGINT');
  expect((await mock.done).code).toBe(0);
});

it('exits 2 when the port is taken', async () => {
  const first = startCli(['mock']);
  await waitFor(() => first.stdout().includes('listening at'), 'the first mock');
  const port = /127\.0\.0\.1:(\d+)/.exec(first.stdout())?.[1] as string;
  const second = await runCli(['mock', '--port', port]);
  expect(second.code).toBe(2);
  expect(second.stderr).toMatch(/^error: Cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE$/m);
  first.child.kill('SIGTERM');
  expect((await first.done).code).toBe(0);
});
