// A token typed where a path belongs (--file, --journal) is never printed, even when it holds a `/`
// (standard base64) or sits in a directory (`./<token>`): the usage error redacts the whole path.
// Ordinary paths stay readable.
import { join } from 'node:path';
import { runCli, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

const HEX = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const BASE64 = 'AbC/dEf+123xyz/QWERTY987==';

async function usageError(option: string, path: string): Promise<string> {
  const run = await runCli(['revoke', '--base-url', fixture.digilocker.baseUrl, option, path], {
    env: fixture.env(),
  });
  expect(run.code).toBe(2);
  return run.stderr;
}

it.each([
  ['--file', BASE64, 'QWERTY987'],
  ['--file', `./${HEX}`, HEX],
  ['--file', `tokens/${HEX}/list`, HEX],
  ['--journal', `/nonexistent/${BASE64}`, 'QWERTY987'],
])('%s %s: the path is redacted', async (option, path, secretPart) => {
  const stderr = await usageError(option, path);
  expect(stderr).toMatch(new RegExp(`^error: Cannot (read|open) ${option} \\[REDACTED\\]: `, 'm'));
  expect(stderr).not.toContain(secretPart);
  expect(fixture.digilocker.stats.requests).toBe(0);
});

it.each(['logs/revoke.journal', '/srv/tokens/leaked', './tokens.txt', '/Users/alice/2024/leaked'])(
  'an ordinary path (%s) is shown as typed',
  async (path) => {
    const stderr = await usageError('--file', join(fixture.scratch, path));
    expect(stderr).toContain(`Cannot read --file ${join(fixture.scratch, path)}: ENOENT`);
  },
);
