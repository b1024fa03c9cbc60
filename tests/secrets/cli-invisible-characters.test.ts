// A token echoed with characters that show nothing inside it (zero-width spaces or soft hyphens, which
// text made from HTML puts in long words so that they can wrap) shows whole on a terminal: such
// characters are removed before the CLI redacts a text, so that the echo is found.
import { secretsRedactor } from '../../src/cli/redaction';
import { runCli, useCliFixture } from '../cli/cli-harness';

const TOKEN = 'a3f9c2e71b4d8065f2a9c3e71b4d8065f2a9c3e7';

const fixture = useCliFixture();

it('redacts a token echoed with zero-width spaces or soft hyphens inside it', async () => {
  for (const separator of ['\u200b', '\u00ad', '\u2060']) {
    const description = `token ${[...TOKEN].join(separator)} is unknown`;
    const body = JSON.stringify({ error: 'invalid_token', error_description: description });
    fixture.digilocker.inject({ type: 'status', status: 400, body });
  }
  const args = ['revoke', '--json', '--concurrency', '1', '--base-url', fixture.digilocker.baseUrl];
  const run = await runCli(args, { stdin: `${TOKEN}\n${TOKEN}\n${TOKEN}\n`, env: fixture.env() });
  const output = run.stdout + run.stderr;
  expect(output.match(/token \[REDACTED\] is unknown/g)).toHaveLength(4); // 3 lines and the summary
  expect(output.replace(/[\u200b\u00ad\u2060]/g, '')).not.toMatch(/a3f9c2e71b4d/);
});

it('still finds a secret that has an invisible character in it', () => {
  const redact = secretsRedactor(['cl1ent\u200b-s3cret']);
  expect(redact('sent cl1ent\u200b-s3cret, or cl1ent-s3cret')).toBe('sent [REDACTED], or [REDACTED]');
});
