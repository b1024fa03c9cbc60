// A 50,000-token file is streamed into the pool line by line and every token ends revoked.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, summaryOf, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

it('revokes a 50,000-token file with --concurrency 32, journaling each outcome', async () => {
  const tokens = Array.from({ length: 50_000 }, () => fixture.digilocker.issueTokens().accessToken);
  const file = join(fixture.scratch, 'tokens.txt');
  writeFileSync(file, `# 50,000 tokens\n${tokens.join('\n')}\n`);
  const run = await runCli(
    [
      'revoke',
      '--file',
      file,
      '--concurrency',
      '32',
      '--json',
      '--journal',
      join(fixture.scratch, 'journal'),
    ].concat(['--base-url', fixture.digilocker.baseUrl]),
    { env: fixture.env() },
  );
  expect(run.code).toBe(0);
  expect(summaryOf(run.stdout)).toMatchObject({ total: 50_000, revoked: 50_000, failed: 0 });
  expect(fixture.digilocker.stats.revokeRequests).toBe(50_000);
  expect(tokens.filter((token) => fixture.digilocker.isActive(token))).toEqual([]);
}, 120_000); // a shared, loaded machine can take well over 30 s
