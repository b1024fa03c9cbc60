// A --journal that is the input itself (the --file by another name, a link to it, or the file
// standard input reads) is a usage error (exit 2) before anything is written or sent: its records
// would be appended to the token file and read back as tokens.
import { linkSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runCli, runShell, useCliFixture } from './cli-harness';

const fixture = useCliFixture();

function tokenFile(): { file: string; content: string } {
  const file = join(fixture.scratch, 'tokens.txt');
  const content = `${fixture.issue(3).join('\n')}\n`;
  writeFileSync(file, content);
  return { file, content };
}

const MESSAGE = /^error: --journal .* is the input \(.*\): its records would be read back as tokens/m;

it.each([
  ['its own path', (file: string) => file],
  ['a relative path', (file: string) => `./${relative(process.cwd(), file)}`],
  [
    'a symbolic link to it',
    (file: string) => {
      symlinkSync(file, `${file}.link`);
      return `${file}.link`;
    },
  ],
  [
    'a hard link to it',
    (file: string) => {
      linkSync(file, `${file}.hard`);
      return `${file}.hard`;
    },
  ],
])('--journal naming the --file (%s) is refused', async (_, journalOf) => {
  const { file, content } = tokenFile();
  const run = await fixture.revoke(['--json', '--file', file, '--journal', journalOf(file)]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(MESSAGE);
  expect(run.stdout).toBe('');
  expect(readFileSync(file, 'utf8')).toBe(content);
  expect(fixture.digilocker.stats.requests).toBe(0);
});

it('--journal naming the file standard input reads is refused', async () => {
  const { file, content } = tokenFile();
  const run = await runShell(
    `$CLI revoke --base-url "$BASE" --journal "$scratch/tokens.txt" < "$scratch/tokens.txt" 2>"$scratch/stderr"; $CLI_END`,
    fixture.scratch,
    { ...fixture.env(), BASE: fixture.digilocker.baseUrl },
  );
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/is the input \(standard input\)/);
  expect(readFileSync(file, 'utf8')).toBe(content);
  expect(fixture.digilocker.stats.requests).toBe(0);
});

it('a journal next to the --file is used as usual', async () => {
  const { file } = tokenFile();
  const run = await runCli(
    ['revoke', '--base-url', fixture.digilocker.baseUrl, '--file', file, '--journal', `${file}.journal`],
    { env: fixture.env() },
  );
  expect(run.code).toBe(0);
  expect(fixture.digilocker.stats.revoked).toBe(3);
});
