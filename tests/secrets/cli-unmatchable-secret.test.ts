// A secret too long and unusual for a regular expression (a pasted line of punctuation given as a
// token: V8 cannot compile its pattern), or too many of them (tens of thousands of tokens as
// arguments), must neither show nor blank every line of the run: the CLI's own lines stay readable,
// and a text long enough to hold such a secret is replaced by one line saying why.

import { secretsRedactor } from '../../src/cli/redaction';
import { WITHHELD } from '../../src/cli/secret-echoes';
import { runCli, useCliFixture } from '../cli/cli-harness';
import { leaksIn } from '../support/canaries';

const PASTED = '.'.repeat(4000);

const fixture = useCliFixture();

it('keeps the lines of a usage error readable when a token argument cannot be matched', async () => {
  const run = await runCli(['revoke', '--concurrency', '0', PASTED], { env: fixture.env() });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^error: option '--concurrency <n>' argument '0' is invalid/m);
  expect(run.stderr).toContain("Run 'digilocker-revoke --help' for usage.\n");
  expect(run.stderr).not.toContain(PASTED);
});

it('keeps the lines of a refused run readable, and never shows the token', async () => {
  // Refused credentials (the client secret is not the mock's): the run stops with a line of its own.
  const run = await runCli(
    ['revoke', '--base-url', fixture.digilocker.baseUrl, '--concurrency', '1', PASTED, 'an-ordinary-token-1'],
    { env: { ...fixture.env(), DIGILOCKER_CLIENT_SECRET: 'not-the-mock-secret' } },
  );
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^digilocker-revoke: stopped: DigiLocker refused the client credentials/m);
  expect(run.stdout).toMatch(/Stopped early \(DigiLocker refused the client credentials/);
  expect(leaksIn([run.stdout, run.stderr], [PASTED])).toEqual([]);
});

describe('secretsRedactor with secrets no single pattern can hold', () => {
  it('withholds only a text long enough to hold the unmatchable secret, saying why', () => {
    const redact = secretsRedactor([PASTED, 'cl1ent-s3cret']);
    expect(redact('the secret cl1ent-s3cret was refused\n')).toBe('the secret [REDACTED] was refused\n');
    expect(redact(`a ${PASTED} b\n`)).toBe(`${WITHHELD}\n`);
    const shorter = `a ${'. '.repeat(PASTED.length / 2 - 2)}`; // shorter than the secret: cannot hold it
    expect(redact(shorter)).toBe(shorter);
  });

  it('redacts each of tens of thousands of secrets (more than one pattern can hold)', () => {
    const tokens = Array.from({ length: 50_000 }, (_, i) => i.toString(16).padStart(40, 'a'));
    const redact = secretsRedactor(tokens);
    const last = tokens.at(-1) as string;
    expect(redact(`first ${tokens[0]}, last ${last}, base64 ${Buffer.from(last).toString('base64')}`)).toBe(
      'first [REDACTED], last [REDACTED], base64 [REDACTED]',
    );
  }, 60_000);
});
