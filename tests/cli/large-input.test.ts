// A 50,000-token file is streamed into the pool line by line and every token ends revoked.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockDigiLocker, startMockDigiLocker } from '../../src/testing';
import { credentialsOf, ensureCliBuilt, runCli, summaryOf } from './cli-harness';

let digilocker: MockDigiLocker;
let scratch: string;

beforeAll(() => ensureCliBuilt(), 180_000);
beforeEach(async () => {
  digilocker = await startMockDigiLocker();
  scratch = mkdtempSync(join(tmpdir(), 'digilocker-large-'));
});
afterEach(async () => {
  await digilocker.close();
  rmSync(scratch, { recursive: true, force: true });
});

it('revokes a 50,000-token file with --concurrency 32, journaling each outcome', async () => {
  const tokens = Array.from({ length: 50_000 }, () => digilocker.issueTokens().accessToken);
  const file = join(scratch, 'tokens.txt');
  writeFileSync(file, `# 50,000 tokens\n${tokens.join('\n')}\n`);
  const run = await runCli(
    ['revoke', '--file', file, '--concurrency', '32', '--json', '--journal', join(scratch, 'journal')].concat(
      ['--base-url', digilocker.baseUrl],
    ),
    { env: credentialsOf(digilocker) },
  );
  expect(run.code).toBe(0);
  expect(summaryOf(run.stdout)).toMatchObject({ total: 50_000, revoked: 50_000, failed: 0 });
  expect(digilocker.stats.revokeRequests).toBe(50_000);
  expect(tokens.filter((token) => digilocker.isActive(token))).toEqual([]);
}, 60_000);
