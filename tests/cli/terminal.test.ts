// On a terminal (a pseudo-terminal from util-linux `script`): the progress bar on stderr, and a usage
// error when there are no tokens and standard input is the terminal itself.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, hasScript, startOnTerminal, useCliFixture, waitFor } from './cli-harness';

const fixture = useCliFixture();

/** Runs the CLI with stdin, stdout and stderr on a pseudo-terminal; returns what the terminal showed. */
function onTerminal(args: string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, CLI, ...args].map((word) => `'${word}'`).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', ...fixture.env() },
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

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal control sequences are the point.
const CURSOR_CONTROL = /\u001b\[|\r(?!\n)/;

(hasScript ? describe : describe.skip)('on a terminal, as an incident tool', () => {
  it('Ctrl-C leaves a clean screen: nothing redraws over the interrupted line and the summary', async () => {
    const tokens = Array.from({ length: 20 }, () => fixture.digilocker.issueTokens().accessToken);
    const file = join(fixture.scratch, 'tokens.txt');
    writeFileSync(file, `${tokens.join('\n')}\n`);
    fixture.digilocker.inject({ type: 'delay', ms: 1_500 }, { times: 20 });
    const cli = startOnTerminal(
      ['revoke', '--file', file, '--concurrency', '2', '--base-url', fixture.digilocker.baseUrl],
      fixture.env(),
    );
    await waitFor(() => cli.screen().includes('revoking'), 'the bar');
    cli.type('\u0003');
    const { code, screen } = await cli.done;
    expect(code).toBe(130);
    const after = screen.slice(screen.indexOf('interrupted; finishing'));
    expect(after).toMatch(/^interrupted; finishing the requests in flight/);
    expect(after).toMatch(/^Interrupted: the requests in flight finished/m);
    expect(after).not.toMatch(CURSOR_CONTROL);
  }, 20_000);

  it('with TERM=dumb, writes no cursor-control escapes', async () => {
    const tokens = Array.from({ length: 3 }, () => fixture.digilocker.issueTokens().accessToken);
    fixture.digilocker.inject({ type: 'delay', ms: 300 }, { times: 3 });
    const cli = startOnTerminal(['revoke', ...tokens, '--base-url', fixture.digilocker.baseUrl], {
      ...fixture.env(),
      TERM: 'dumb',
    });
    const { code, screen } = await cli.done;
    expect(code).toBe(0);
    expect(screen).toMatch(/revoked: +3/);
    expect(screen).not.toMatch(CURSOR_CONTROL);
  });

  it('reading tokens typed on the terminal (--file -): a one-line hint, and no bar in the way', async () => {
    const tokens = Array.from({ length: 2 }, () => fixture.digilocker.issueTokens().accessToken);
    const cli = startOnTerminal(
      ['revoke', '--file', '-', '--base-url', fixture.digilocker.baseUrl],
      fixture.env(),
    );
    await waitFor(() => cli.screen().includes('Ctrl-D'), 'the hint');
    cli.type(`${tokens[0]}\n`);
    await waitFor(() => fixture.digilocker.stats.revokeRequests === 1, 'the first token');
    await new Promise((resolve) => setTimeout(resolve, 300)); // a bar would draw now
    cli.type(`${tokens[1]}\n\u0004`);
    const { code, screen } = await cli.done;
    expect(code).toBe(0);
    expect(screen).toMatch(
      /^Reading tokens from the terminal, one per line; end with Ctrl-D \(Ctrl-C to stop\)\.\r?$/m,
    );
    expect(screen).toMatch(/revoked: +2/);
    expect(screen).not.toMatch(CURSOR_CONTROL);
  });
});
