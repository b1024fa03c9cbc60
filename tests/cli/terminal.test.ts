// On a terminal (a pseudo-terminal from util-linux `script`): the progress bar on stderr, and a usage
// error when there are no tokens and standard input is the terminal itself.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, credentialsOf, useCliFixture } from './cli-harness';

const hasScript = (() => {
  try {
    return (
      process.platform === 'linux' &&
      execFileSync('script', ['--version'], { encoding: 'utf8' }).includes('util-linux')
    );
  } catch {
    return false;
  }
})();

const fixture = useCliFixture();

/** Runs the CLI with stdin, stdout and stderr on a pseudo-terminal; returns what the terminal showed. */
function onTerminal(args: string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, CLI, ...args].map((word) => `'${word}'`).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', ...credentialsOf(fixture.digilocker) },
  });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, screen })));
}

(hasScript ? describe : describe.skip)('on a terminal', () => {
  it('draws a progress bar with done/total, rate and failures when the tokens are arguments', async () => {
    const tokens = Array.from({ length: 3 }, () => fixture.digilocker.issueTokens().accessToken);
    const { code, screen } = await onTerminal([
      'revoke',
      ...tokens,
      'never-issued',
      '--base-url',
      fixture.digilocker.baseUrl,
    ]);
    expect(code).toBe(1);
    expect(screen).toMatch(/revoking \[=+\] 4\/4 \| \d+ tokens\/s \| 1 failed/);
    expect(screen).toMatch(/revoked: +3/);
  });

  it('counts the tokens of a file for the total', async () => {
    const tokens = Array.from({ length: 50 }, () => fixture.digilocker.issueTokens().accessToken);
    const file = join(fixture.scratch, 'tokens.txt');
    writeFileSync(file, `# fifty\n${tokens.join('\n')}\n`);
    fixture.digilocker.inject({ type: 'delay', ms: 20 }, { times: 50 });
    const args = ['revoke', '--file', file, '--concurrency', '2', '--base-url', fixture.digilocker.baseUrl];
    const { code, screen } = await onTerminal(args);
    expect(code).toBe(0);
    expect(screen).toMatch(/revoking \[=+\] 50\/50/);
  });

  it('exits 2 without tokens when standard input is the terminal', async () => {
    const { code, screen } = await onTerminal(['revoke', '--base-url', fixture.digilocker.baseUrl]);
    expect(code).toBe(2);
    expect(screen).toContain(
      'error: No tokens: give --file PATH, --file - (standard input), or pipe them in',
    );
    expect(fixture.digilocker.stats.requests).toBe(0);
  });
});
